"""Usage in (R1, R14): validate a batch whole, then store each event once, with its day and
window sums, through the one intake path (``storage.intake``)."""

from __future__ import annotations

from datetime import date
from dataclasses import dataclass
from typing import Any

from ..domain.days import to_us
from ..domain.errors import InvalidUsage
from ..domain.limits import MAX_EVENTS_PER_BATCH
from ..domain.usage import CONFLICTING_DUPLICATE, DAY_TOTAL_TOO_LARGE, UsageRow, horizon_us
from ..storage import accounts as accounts_store
from ..storage import reads as store
from ..storage.intake import ConflictingDuplicates, DayTotalExceeded, conflicts, over_limit, store_rows
from ..storage.reads import DailyUsage
from . import gcpause
from .context import Context
from .validate import rows_for_account


@dataclass(frozen=True, slots=True)
class IngestResult:
    accepted: int
    duplicates: int


def _refuse(bad: list[tuple[int, str]], total: int) -> None:
    raise InvalidUsage(
        f"{len(bad)} of {total} events are invalid; nothing of this batch was stored",
        [{"index": index, "reason": reason} for index, reason in bad],
    )


def ingest(ctx: Context, account_id: str, raws: Any) -> IngestResult:
    """Validate one account's batch whole and store it atomically (R14: each event id once)."""
    if not isinstance(raws, list):
        raise InvalidUsage("'events' must be a list of usage events", [{"index": None, "reason": "not a list"}])
    if len(raws) > MAX_EVENTS_PER_BATCH:
        raise InvalidUsage(f"a request carries at most {MAX_EVENTS_PER_BATCH} events, this one has {len(raws)}",
                           [{"index": None, "reason": "too many events"}])
    with gcpause.paused():
        now_us = to_us(ctx.now())
        rows, bad = rows_for_account(account_id, raws, now_us, ctx.catalog, horizon_us(now_us, ctx.lateness_days))
    if bad:
        _refuse(bad, len(raws))

    def work(conn) -> IngestResult:
        accounts_store.get_account(conn, account_id, lock=True)
        new = store_rows(conn, rows, accounts_locked=True)
        if new < len(rows):  # some were duplicates: an identical retry counts once, another content is refused
            found = conflicts(conn, rows)
            if found:
                raise ConflictingDuplicates(found)  # rolls the batch back
        return IngestResult(new, len(raws) - new)

    try:
        with gcpause.paused():
            result = ctx.db.write_retrying(work)
        if ctx.touched is not None and result.accepted:
            ctx.touched.add((account_id,))
        return result
    except ConflictingDuplicates as exc:  # every event was valid: the rows' positions are the batch's indexes
        _refuse([(i, CONFLICTING_DUPLICATE) for i in exc.positions], len(raws))
        raise  # unreachable: _refuse raises
    except DayTotalExceeded:
        with ctx.db.read() as conn:
            keys = over_limit(conn, rows)
        _refuse(day_total_refusals(rows, keys), len(raws))
        raise  # unreachable: _refuse raises


def day_total_refusals(rows: list[UsageRow], keys: set) -> list[tuple[int, str]]:
    return [(i, DAY_TOTAL_TOO_LARGE) for i, r in enumerate(rows) if (r.account_id, r.day, r.service) in keys]


def daily_usage(ctx: Context, account_id: str, first: date, last: date) -> list[DailyUsage]:
    with ctx.db.read() as conn:
        accounts_store.get_account(conn, account_id)
        return store.daily_usage(conn, account_id, first, last)


def daily_peaks(ctx: Context, account_id: str, first: date, last: date) -> dict[date, dict[str, int]]:
    """Per day, the bytes of the largest 5-minute window of each traffic direction (R8),
    whatever the billing type."""
    with ctx.db.read() as conn:
        accounts_store.get_account(conn, account_id)
        return store.daily_peak_bytes(conn, account_id, first, last)
