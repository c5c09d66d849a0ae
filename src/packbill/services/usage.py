"""Usage in (R1, R14): validate a batch whole, then store each event once, with its day and
window sums, through the one intake path (``storage.intake``)."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import date
from typing import Any

from ..domain.catalog import Catalog
from ..domain.days import to_us
from ..domain.errors import InvalidUsage
from ..domain.limits import MAX_EVENTS_PER_BATCH
from ..domain.usage import CONFLICTING_DUPLICATE, DAY_TOTAL_TOO_LARGE, UsageRow, horizon_us, over_day_total
from ..process import gcpause
from ..process.instruments import INSTRUMENTS
from ..storage import accounts as accounts_store
from ..storage import fold as fold_store
from ..storage import reads as reads_store
from ..storage.intake import ConflictingDuplicates, DayTotalExceeded, conflicts, over_limit, store_rows
from ..storage.reads import DailyUsage
from ..storage.sql import lock_accounts
from . import trail
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
    started = time.perf_counter()
    with gcpause.paused():
        now_us = to_us(ctx.now())
        rows, bad = rows_for_account(account_id, raws, now_us, ctx.catalog, horizon_us(now_us, ctx.lateness_days))
    if bad:
        INSTRUMENTS.refused("api", (reason for _, reason in bad))
        _refuse(bad, len(raws))

    def work(conn) -> IngestResult:
        accounts_store.get_account(conn, account_id, lock=True)
        new = store_rows(conn, rows, accounts_locked=True)
        if new < len(rows):  # some were duplicates: an identical retry counts once, another content is refused
            found = conflicts(conn, rows)
            if found:
                raise ConflictingDuplicates(found)  # rolls the batch back
        trail.noted(f"accepted {new}, duplicates {len(raws) - new}")
        return IngestResult(new, len(raws) - new)

    try:
        with gcpause.paused():
            result = ctx.db.write_retrying(work)
        if ctx.touched is not None and result.accepted:
            ctx.touched.add((account_id,))
        INSTRUMENTS.events_ingested.labels("api").inc(result.accepted)
        INSTRUMENTS.events_duplicate.labels("api").inc(result.duplicates)
        INSTRUMENTS.ingest_seconds.labels("api").observe(time.perf_counter() - started)
        return result
    except ConflictingDuplicates as exc:  # every event was valid: the rows' positions are the batch's indexes
        INSTRUMENTS.refused("api", [CONFLICTING_DUPLICATE] * len(exc.positions))
        _refuse([(i, CONFLICTING_DUPLICATE) for i in exc.positions], len(raws))
        raise  # unreachable: _refuse raises
    except DayTotalExceeded:
        with ctx.db.read() as conn:
            keys = over_limit(conn, rows)
        _refuse(day_total_refusals(rows, keys), len(raws))
        raise  # unreachable: _refuse raises


def day_total_refusals(rows: list[UsageRow], keys: set) -> list[tuple[int, str]]:
    return [(i, DAY_TOTAL_TOO_LARGE) for i, r in enumerate(rows) if (r.account_id, r.day, r.service) in keys]


def sum_pending(ctx: Context) -> None:
    """Make the sums of every stored event (``storage.fold``): settlement and every reader of the
    day sums, the window sums or the unsettled marks call this first, so that what they read
    holds every event stored before (R26's estimate, the usage pages, the audit)."""
    with ctx.db.read() as conn:
        if not fold_store.is_pending(conn):
            return
    ctx.db.write_retrying(fold_store.fold_all)


def daily_usage(ctx: Context, account_id: str, first: date, last: date) -> list[DailyUsage]:
    sum_pending(ctx)
    with ctx.db.read() as conn:
        accounts_store.get_account(conn, account_id)
        return reads_store.daily_usage(conn, account_id, first, last)


def month_payg(ctx: Context, account_id: str, month: date) -> dict[str, int]:
    """Per service, the pay-as-you-go quantity billed so far in ``month`` (tiers count from it)."""
    with ctx.db.read() as conn:
        return reads_store.month_payg(conn, account_id, month)


def daily_peaks(ctx: Context, account_id: str, first: date, last: date) -> dict[date, dict[str, int]]:
    """Per day, the bytes of the largest 5-minute window of each traffic direction (R8),
    whatever the billing type."""
    sum_pending(ctx)
    with ctx.db.read() as conn:
        accounts_store.get_account(conn, account_id)
        return reads_store.daily_peak_bytes(conn, account_id, first, last)


@dataclass(frozen=True, slots=True)
class StreamResult:
    """What a batch of records from a stream came to: the new events, the duplicates (retries
    and redeliveries, counted once), and each refused record by position with its reason."""

    accepted: int
    duplicates: int
    refused: list[tuple[int, str]]


UNKNOWN_ACCOUNT = "unknown_account"
NOT_AN_EVENT = "not a JSON object with account_id, event_id, service, quantity, region, timestamp"


def _checked_records(records: list[Any], known: frozenset[str], now_us: int, catalog: Catalog, earliest_us: int | None,
                     refused: dict[int, str]) -> list[tuple[int, UsageRow]]:
    """Each record checked on its own: the good ones by position; the others' reasons go into ``refused``."""
    indexed: list[tuple[int, UsageRow]] = []
    for position, record in enumerate(records):
        if type(record) is not dict:
            refused[position] = NOT_AN_EVENT
        elif record.get("account_id") not in known:
            refused[position] = UNKNOWN_ACCOUNT
        else:
            rows, bad = rows_for_account(record["account_id"], [record], now_us, catalog, earliest_us)
            if bad:
                refused[position] = bad[0][1]
            else:
                indexed.append((position, rows[0]))
    return indexed


def ingest_records(ctx: Context, records: list[Any]) -> StreamResult:
    """Store a batch of usage records of any accounts (``{"account_id", ...event}``), as a
    stream delivers them: unlike an API batch, one bad record does not refuse the others (a
    stream must never stop on one). Every good record is stored in one transaction, through the
    same validation and the same idempotent store as the API; the refused are returned with
    their reasons (the caller dead-letters them). A record stored already counts once."""
    started = time.perf_counter()
    now_us = to_us(ctx.now())
    earliest_us = horizon_us(now_us, ctx.lateness_days)
    refused: dict[int, str] = {}
    wanted = {r["account_id"] for r in records if type(r) is dict and type(r.get("account_id")) is str}
    with ctx.db.read() as conn:
        known = accounts_store.existing_ids(conn, wanted)
    with gcpause.paused():  # the catalog once a batch: it is worked out from the clock and the versions (R31)
        indexed = _checked_records(records, known, now_us, ctx.catalog, earliest_us, refused)
    refused.update(over_day_total(indexed))
    indexed = [(p, r) for p, r in indexed if p not in refused]
    while True:
        rows = [r for _, r in indexed]

        def work(conn, rows=rows, indexed=indexed) -> int:
            lock_accounts(conn, {r.account_id for r in rows})
            new = store_rows(conn, rows, accounts_locked=True)
            if new < len(rows):  # duplicates: the same content is a redelivery, another content is refused
                for i in conflicts(conn, rows):
                    refused[indexed[i][0]] = CONFLICTING_DUPLICATE
            return new

        try:
            with gcpause.paused():
                new = ctx.db.write_retrying(work) if rows else 0
            break
        except DayTotalExceeded:  # with what is stored, some day totals would pass the limit: refuse those, store the rest
            with ctx.db.read() as conn:
                keys = over_limit(conn, rows)
            for p, r in indexed:
                if (r.account_id, r.day, r.service) in keys:
                    refused[p] = DAY_TOTAL_TOO_LARGE
            indexed = [(p, r) for p, r in indexed if p not in refused]
    if ctx.touched is not None and new:
        ctx.touched.add({r.account_id for _, r in indexed})
    result = StreamResult(new, len(indexed) - new - sum(1 for p, _ in indexed if refused.get(p) == CONFLICTING_DUPLICATE),
                          sorted(refused.items()))
    INSTRUMENTS.events_ingested.labels("stream").inc(result.accepted)
    INSTRUMENTS.events_duplicate.labels("stream").inc(result.duplicates)
    INSTRUMENTS.refused("stream", refused.values())
    INSTRUMENTS.ingest_seconds.labels("stream").observe(time.perf_counter() - started)
    return result
