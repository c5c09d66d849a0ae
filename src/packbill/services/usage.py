"""Usage in (R1, R14): validate a batch whole, store each event once, keep day and window sums.

Duplicates are recognised by the database's unique key on (account, event id) inside the
transaction that stores the events (INSERT .. ON CONFLICT DO NOTHING; see ``store_events`` and
``storage.bulk``): a retried batch, even after a crash or a timeout, counts once.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, Iterable, Sequence

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from ..domain import Catalog, UsageEvent, check_batch
from ..domain.fastparse import rows_for_account
from ..domain.catalog import TRAFFIC_SERVICES
from ..domain.money import bps_to_mbps
from ..domain.settlement import peak_bps
from ..domain.errors import InvalidUsage
from ..domain.usage import MAX_EVENTS_PER_BATCH, bucket
from ..storage import schema as t
from ..storage.bulk import store_rows
from ..storage.db import day_value, to_us
from ..storage.repo import get_account, insert_ignore, insert_returning_keys, lock_accounts_shared, upsert_add
from .context import Context


@dataclass(frozen=True, slots=True)
class IngestResult:
    accepted: int
    duplicates: int


PLAIN_BELOW = 50
"""Batches smaller than this take the plain path (event objects, sums added up in Python); larger
ones the bulk path (``domain.fastparse`` + ``storage.bulk``, sums added up by the database). Both
give the same ledger (tests/storage/test_fast_paths.py)."""


def _check_size(raws: Any) -> None:
    if not isinstance(raws, list):
        raise InvalidUsage("'events' must be a list of usage events", [{"index": None, "reason": "not a list"}])
    if len(raws) > MAX_EVENTS_PER_BATCH:
        raise InvalidUsage(
            f"a request carries at most {MAX_EVENTS_PER_BATCH} events, this one has {len(raws)}",
            [{"index": None, "reason": "too many events"}],
        )


def _refuse(bad: list[tuple[int, str]], total: int) -> None:
    raise InvalidUsage(
        f"{len(bad)} of {total} events are invalid; nothing of this batch was stored",
        [{"index": index, "reason": reason} for index, reason in bad],
    )


def ingest(ctx: Context, account_id: str, raws: Any, *, bulk: bool | None = None) -> IngestResult:
    """Validate one account's batch whole and store it atomically (R14: each event id once)."""
    _check_size(raws)
    if bulk is None:
        bulk = len(raws) >= PLAIN_BELOW
    if bulk:
        rows, bad = rows_for_account(account_id, raws, to_us(ctx.now()), ctx.catalog)
        if bad:
            _refuse(bad, len(raws))

        def work(conn: Connection) -> IngestResult:
            get_account(conn, account_id)
            new = store_rows(conn, rows)
            return IngestResult(new, len(raws) - new)

        return ctx.db.write_retrying(work)

    events, errors = check_batch(raws, ctx.now(), ctx.catalog)
    if errors:
        _refuse([(e.index, e.reason) for e in errors], len(raws))

    def plain(conn: Connection) -> IngestResult:
        get_account(conn, account_id)
        return store_events(conn, ctx.catalog, [(account_id, e) for e in events])

    return ctx.db.write_retrying(plain)


def store_events(conn: Connection, catalog: Catalog, events: Sequence[tuple[str, UsageEvent]]) -> IngestResult:
    """The plain path: insert events (INSERT .. ON CONFLICT DO NOTHING RETURNING), count each
    (account, event id) once, and add the new ones to the sums in Python."""
    first: dict[tuple[str, str], UsageEvent] = {}
    for account_id, e in events:
        first.setdefault((account_id, e.event_id), e)
    keys = sorted(first)  # one lock order for every writer
    lock_accounts_shared(conn, sorted({a for a, _ in keys}))
    rows = []
    for account_id, event_id in keys:
        e = first[(account_id, event_id)]
        day, window = bucket(e)
        rows.append(
            dict(
                account_id=account_id,
                event_id=event_id,
                service=e.service,
                quantity=e.quantity,
                region=e.region,
                ts_us=to_us(e.timestamp),
                day=day,
                window=window,
                mainland=catalog.is_mainland(e.region),
            )
        )
    inserted = insert_returning_keys(conn, t.usage_events, rows, ("account_id", "event_id"))
    add_to_sums(conn, catalog, ((account_id, first[(account_id, event_id)]) for account_id, event_id in inserted))
    return IngestResult(len(inserted), len(events) - len(inserted))


def add_to_sums(conn: Connection, catalog: Catalog, events: Iterable[tuple[str, UsageEvent]]) -> None:
    """Add events to the per-day and per-window sums and mark their days unsettled."""
    daily: dict[tuple[str, date, str], list[int]] = defaultdict(lambda: [0, 0])
    windows: dict[tuple[str, date, str, int], int] = defaultdict(int)
    for account_id, e in events:
        day, window = bucket(e)
        daily[(account_id, day, e.service)][0 if catalog.is_mainland(e.region) else 1] += e.quantity
        if e.service in TRAFFIC_SERVICES:
            windows[(account_id, day, e.service, window)] += e.quantity
    upsert_add(
        conn,
        t.usage_daily,
        [dict(account_id=a, day=d, service=s, mainland=q[0], other=q[1]) for (a, d, s), q in sorted(daily.items())],
        ("account_id", "day", "service"),
        ("mainland", "other"),
    )
    upsert_add(
        conn,
        t.usage_windows,
        [dict(account_id=a, day=d, service=s, window=w, bytes=b) for (a, d, s, w), b in sorted(windows.items())],
        ("account_id", "day", "service", "window"),
        ("bytes",),
    )
    insert_ignore(conn, t.usage_dirty, [dict(account_id=a, day=d) for a, d in sorted({(a, d) for a, d, _ in daily})])


@dataclass(frozen=True, slots=True)
class DailyUsage:
    day: date
    service: str
    mainland: int
    other: int
    settled: int


def daily_usage(ctx: Context, account_id: str, first: date, last: date) -> list[DailyUsage]:
    with ctx.db.read() as conn:
        get_account(conn, account_id)
        rows = conn.execute(
            sa.select(t.usage_daily)
            .where(t.usage_daily.c.account_id == account_id, t.usage_daily.c.day.between(first, last))
            .order_by(t.usage_daily.c.day, t.usage_daily.c.service)
        )
        return [
            DailyUsage(day_value(r.day), r.service, r.mainland, r.other, r.settled_mainland + r.settled_other)
            for r in rows
        ]


def daily_peaks(ctx: Context, account_id: str, first: date, last: date) -> dict[date, dict[str, Decimal]]:
    """Per day, the peak Mbps of each traffic direction (R8), whatever the billing type."""
    windows: dict[tuple[date, str], dict[int, int]] = defaultdict(dict)
    with ctx.db.read() as conn:
        get_account(conn, account_id)
        for r in conn.execute(
            sa.select(t.usage_windows).where(
                t.usage_windows.c.account_id == account_id, t.usage_windows.c.day.between(first, last)
            )
        ):
            windows[(day_value(r.day), r.service)][r.window] = r.bytes
    out: dict[date, dict[str, Decimal]] = defaultdict(dict)
    for (day, service), w in sorted(windows.items()):
        out[day][service] = bps_to_mbps(peak_bps(w))
    return dict(out)
