"""Usage validation for volume: the same verdicts as ``domain.check_event``, in a tight loop.

A row that passes every quick check becomes a ``UsageRow`` straight away; anything unusual (an
odd type, a timestamp before 1992, any doubt at all) is handed to ``check_event``, which
decides and words the reason. So the fast path can never accept what the plain path refuses,
nor refuse what it accepts; tests/storage/test_fast_paths.py compares both on generated input.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Any

import orjson

from ..domain.catalog import USAGE_SERVICES, Catalog
from ..domain.days import from_us
from ..domain.limits import MAX_AHEAD, MAX_DAY_CALLS, MAX_EVENT_ID, MAX_QUANTITY
from ..domain.money import WINDOW_SECONDS as _WINDOW
from ..domain.usage import TOO_LATE, UsageRow, check_event, over_day_total, row_of

_SERVICES = frozenset(USAGE_SERVICES)
_FIXED_OFFSET_FROM_US = 946_656_000 * 1_000_000  # 2000-01-01 in Asia/Shanghai (UTC+8 since 1992): the first day supported
_SHANGHAI_OFFSET_S = 8 * 3600
_MAX_AHEAD_US = int(MAX_AHEAD.total_seconds()) * 1_000_000
_DAYS: dict[int, date] = {}
_DIGITS_AS_ZERO = bytes(48 if 48 <= b <= 57 else 32 for b in range(256))  # a digit as "0", anything else a space
_DIGITS_AS_ZERO_TEXT = str.maketrans(dict.fromkeys("123456789", "0"))
_NINETEEN = "0" * 19
_NINETEEN_BYTES = _NINETEEN.encode()
_new_row = tuple.__new__  # a UsageRow from a ready tuple, without NamedTuple's argument handling


def decode_json(raw: bytes | str) -> Any:
    """A JSON text as Python values: by orjson, about twice as fast as the standard library on
    a batch of events; whatever orjson refuses (a lone surrogate, NaN, a byte-order mark,
    UTF-16, nesting past 1,024) is decided by ``json.loads``, and so is a text with a run of 19
    digits or more (orjson reads an integer past 64 bits as a float; the standard library
    keeps it exact, and validation words it as too large). So what is accepted, the values and
    the error raised are the standard library's: ValueError, UnicodeDecodeError or
    RecursionError."""
    # a run of 19 digits, found by mapping every digit to "0" (a tenth of a regular expression's time)
    if isinstance(raw, str):
        long_digits = _NINETEEN in raw.translate(_DIGITS_AS_ZERO_TEXT)
    else:
        long_digits = _NINETEEN_BYTES in raw.translate(_DIGITS_AS_ZERO)
    if not long_digits:
        try:
            return orjson.loads(raw)
        except orjson.JSONDecodeError:
            pass
    return json.loads(raw)


def _day(epoch_day: int) -> date:
    day = _DAYS.get(epoch_day)
    if day is None:
        day = _DAYS[epoch_day] = date.fromordinal(epoch_day + 719_163)  # 1970-01-01 is ordinal 719163
    return day


def to_row(account_id: str, raw: Mapping[str, Any], now_us: int, regions: Mapping[str, bool], catalog: Catalog,
           stamps: dict[str, int], fromiso=datetime.fromisoformat, days=_DAYS) -> UsageRow | str:
    """One event as a row, or the reason it is invalid (check_event's words). ``stamps``: the
    instants of timestamp texts already read in this batch (metering sends many events of the
    same second), so that each text is parsed once."""
    try:
        event_id = raw["event_id"]
        service = raw["service"]
        quantity = raw["quantity"]
        region = raw["region"]
        stamp = raw["timestamp"]
        if (type(event_id) is str and 0 < len(event_id) <= MAX_EVENT_ID and event_id.isascii() and "\x00" not in event_id
                and service in _SERVICES
                and type(quantity) is int and 0 < quantity <= MAX_QUANTITY and type(stamp) is str and len(stamp) <= 64):
            mainland = regions.get(region) if type(region) is str else None
            if mainland is not None:
                ts_us = stamps.get(stamp)
                if ts_us is None:
                    moment = fromiso(stamp)
                    if moment.tzinfo is not None:  # a stamp without its offset is for check_event to word
                        ts_us = stamps[stamp] = round(moment.timestamp() * 1_000_000)
                if ts_us is not None:
                    if ts_us >= _FIXED_OFFSET_FROM_US and ts_us - now_us <= _MAX_AHEAD_US:
                        local_s = ts_us // 1_000_000 + _SHANGHAI_OFFSET_S
                        epoch_day, second = divmod(local_s, 86400)
                        # the window is days.window_index(second), inlined here (the property test checks they agree)
                        return _new_row(UsageRow, (account_id, event_id, service, quantity, region, ts_us,
                                                   days.get(epoch_day) or _day(epoch_day), second // _WINDOW, mainland))
    except (KeyError, TypeError, ValueError, OverflowError):
        pass
    return slow_row(account_id, raw, now_us, catalog)


def slow_row(account_id: str, raw: Any, now_us: int, catalog: Catalog) -> UsageRow | str:
    """The plain path: ``check_event`` decides."""
    result = check_event(raw, from_us(now_us), catalog)
    return result if isinstance(result, str) else row_of(account_id, result, catalog)


def rows_for_account(account_id: str, raws: Iterable[Any], now_us: int, catalog: Catalog, earliest_us: int | None = None
                     ) -> tuple[list[UsageRow], list[tuple[int, str]]]:
    """Validate one account's batch: (rows, [(index, reason)]), the day-total limit included.
    ``earliest_us``: the lateness horizon (R23); an event stamped before it is ``too_late``."""
    rows: list[UsageRow] = []
    bad: list[tuple[int, str]] = []
    regions = catalog.regions
    stamps: dict[str, int] = {}
    for index, raw in enumerate(raws):
        result = to_row(account_id, raw, now_us, regions, catalog, stamps) if type(raw) is dict else slow_row(account_id, raw, now_us, catalog)
        if isinstance(result, str):
            bad.append((index, result))
        elif earliest_us is not None and result.ts_us < earliest_us:
            bad.append((index, TOO_LATE))
        else:
            rows.append(result)
    if not bad and sum(r[3] for r in rows) > MAX_DAY_CALLS:  # r[3]: quantity; only then can a day total pass
        bad = over_day_total(enumerate(rows))  # no event was refused: the indexes are the rows'
    return rows, bad
