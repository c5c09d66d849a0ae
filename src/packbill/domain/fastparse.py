"""Usage validation for volume: the same verdicts as ``usage.check_event``, in a tight loop.

A row that passes every quick check becomes a plain tuple; anything unusual (an odd type, a
timestamp before 1992, any doubt at all) is handed to ``check_event``, which decides and words
the reason. So the fast path can never accept what the plain path refuses, nor refuse what it
accepts; the tests compare both on generated input.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Iterable, Mapping

from .catalog import Catalog, USAGE_SERVICES
from .days import from_us, to_us
from .usage import MAX_AHEAD, MAX_EVENT_ID, MAX_QUANTITY, bucket, check_event

_SERVICES = frozenset(USAGE_SERVICES)
_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
_FIXED_OFFSET_FROM_US = 694_195_200 * 1_000_000  # 1992-01-01: Asia/Shanghai has been UTC+8 since
_SHANGHAI_OFFSET_S = 8 * 3600
_MAX_AHEAD_US = int(MAX_AHEAD.total_seconds()) * 1_000_000

Row = tuple  # (account_id, event_id, service, quantity, region, ts_us, day_ordinal, window, mainland)


def to_row(account_id: str, raw: Mapping[str, Any], now_us: int, regions: Mapping[str, bool], catalog: Catalog,
           fromiso=datetime.fromisoformat) -> Row | str:
    """One event as a row, or the reason it is invalid (check_event's words)."""
    try:
        event_id = raw["event_id"]
        service = raw["service"]
        quantity = raw["quantity"]
        region = raw["region"]
        stamp = raw["timestamp"]
        if (type(event_id) is str and 0 < len(event_id) <= MAX_EVENT_ID and service in _SERVICES
                and type(quantity) is int and 0 < quantity <= MAX_QUANTITY and type(stamp) is str and len(stamp) <= 64):
            mainland = regions.get(region) if type(region) is str else None
            if mainland is not None:
                moment = fromiso(stamp)
                if moment.tzinfo is not None:
                    ts_us = round(moment.timestamp() * 1_000_000)
                    if ts_us >= _FIXED_OFFSET_FROM_US and ts_us - now_us <= _MAX_AHEAD_US:
                        local_s = ts_us // 1_000_000 + _SHANGHAI_OFFSET_S
                        return (account_id, event_id, service, quantity, region, ts_us,
                                local_s // 86400 + _EPOCH_ORDINAL, (local_s % 86400) // 300, mainland)
    except (KeyError, TypeError, ValueError, OverflowError):
        pass
    return _slow(account_id, raw, now_us, catalog)


def _slow(account_id: str, raw: Any, now_us: int, catalog: Catalog) -> Row | str:
    result = check_event(raw, from_us(now_us), catalog)
    if isinstance(result, str):
        return result
    day, window = bucket(result)
    return (account_id, result.event_id, result.service, result.quantity, result.region, to_us(result.timestamp),
            day.toordinal(), window, catalog.is_mainland(result.region))


def rows_for_account(account_id: str, raws: Iterable[Any], now_us: int, catalog: Catalog) -> tuple[list[Row], list[tuple[int, str]]]:
    """Validate one account's batch: (rows, [(index, reason)])."""
    rows: list[Row] = []
    bad: list[tuple[int, str]] = []
    regions = catalog.regions
    for index, raw in enumerate(raws):
        result = to_row(account_id, raw, now_us, regions, catalog) if type(raw) is dict else _slow(account_id, raw, now_us, catalog)
        if type(result) is str:
            bad.append((index, result))
        else:
            rows.append(result)
    return rows, bad
