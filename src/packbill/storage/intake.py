"""Storing usage: each event once (R14), appended to what waits to be summed (``storage.fold``).

The one intake path for every caller (API batches of any size, the stream, the reference checks
in the tests; a file import's staged rows go through the same statements, ``storage.staging``):
rows are ``domain.UsageRow``s. On SQLite they are inserted with one
executemany of INSERT .. ON CONFLICT DO NOTHING; on PostgreSQL they are COPied into a temporary
table and one INSERT .. SELECT .. ON CONFLICT DO NOTHING stores them. Either way the unique key
on (account_id, event_id) decides what is new (the first copy wins), and exactly the rows that
were inserted are appended to ``usage_unsummed`` (no key, no search) and counted in the bounds of
the day limits. The day sums, the window sums and the unsettled marks are made from them later,
in bulk, by ``storage.fold`` (settlement and every reader of the sums fold first).

Lock order: the accounts first (``sql.lock_accounts``), then the events, then the bounds
(``storage.fold``). Settlement and purchases take the same account locks first, so no two
writers can wait on each other in a cycle.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping, Sequence
from datetime import date

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from ..domain.limits import day_limit
from ..domain.usage import UsageRow
from . import fold, schema
from .sql import lock_accounts

COLUMNS = 'account_id, event_id, service, quantity, region, ts_us, day, "window", mainland'


class ConflictingDuplicates(Exception):
    """Rows whose event id is stored with other content (by position in the rows given, or by
    staged ``seq`` for a file)."""

    def __init__(self, positions: list[int]) -> None:
        super().__init__(f"{len(positions)} event(s) repeat a stored event id with other content")
        self.positions = positions


def conflicts(conn: Connection, rows: Sequence[UsageRow]) -> list[int]:
    """Positions of the rows whose (account, event id) is stored with other content. Called
    after the rows were stored in the same transaction (the first copy of an id won), and only
    when some were duplicates: a batch of new events costs nothing more."""
    e = schema.usage_events
    stored: dict[tuple[str, str], tuple] = {}
    by_account: dict[str, list[str]] = {}
    for r in rows:
        by_account.setdefault(r.account_id, []).append(r.event_id)
    for account_id, ids in by_account.items():
        unique = sorted(set(ids))
        for start in range(0, len(unique), 5000):
            part = unique[start : start + 5000]
            for x in conn.execute(sa.select(e.c.event_id, e.c.service, e.c.quantity, e.c.region, e.c.ts_us)
                                  .where(e.c.account_id == account_id, e.c.event_id.in_(part))):
                stored[(account_id, x.event_id)] = (x.service, x.quantity, x.region, x.ts_us)
    return [i for i, r in enumerate(rows) if stored.get((r.account_id, r.event_id), (r.service, r.quantity, r.region, r.ts_us))
            != (r.service, r.quantity, r.region, r.ts_us)]


class DayTotalExceeded(Exception):
    """Storing the rows would take these (account, day, service) totals past their limit."""

    def __init__(self, keys: set[tuple[str, date, str]]) -> None:
        super().__init__(f"{len(keys)} day total(s) would pass their limit")
        self.keys = keys


def store_rows(conn: Connection, rows: Sequence[UsageRow], *, accounts_locked: bool = False) -> int:
    """Store rows; returns how many were new (the rest were duplicates).

    ``accounts_locked``: the caller already holds the locks of every account named. When a day
    total would pass the limit, the database's CHECK on the day sums refuses it and this raises
    DayTotalExceeded (without the keys: the caller's transaction must roll back first; then
    ``over_limit`` names them). No savepoint: on SQLite one would journal every page touched.
    """
    if not rows:
        return 0
    if not accounts_locked:
        lock_accounts(conn, {r.account_id for r in rows})
    try:
        return _store_postgres(conn, rows) if conn.dialect.name == "postgresql" else _store_sqlite(conn, rows)
    except Exception as exc:
        if "day_total" in str(getattr(exc, "orig", None) or exc):
            raise DayTotalExceeded(set()) from None
        raise


def over_limit(conn: Connection, rows: Sequence[UsageRow]) -> set[tuple[str, date, str]]:
    """Which (account, day, service) the rows would take past the limit, with what is stored
    (summed or not yet)."""
    batch: dict[tuple[str, date, str], int] = {}
    for r in rows:
        batch[(r.account_id, r.day, r.service)] = batch.get((r.account_id, r.day, r.service), 0) + r.quantity
    return over_limit_of(conn, batch)


def over_limit_of(conn: Connection, totals: Mapping[tuple[str, date, str], int]) -> set[tuple[str, date, str]]:
    """Which (account, day, service) the ``totals`` to add would take past the limit, with what
    is stored (summed or not yet)."""
    over = set()
    ud, un = schema.usage_daily, schema.usage_unsummed
    for (account_id, day, service), quantity in totals.items():
        stored = conn.execute(sa.select(ud.c.mainland + ud.c.other).where(
            ud.c.account_id == account_id, ud.c.day == day, ud.c.service == service)).scalar() or 0
        stored += conn.execute(sa.select(sa.func.sum(un.c.mainland + un.c.other)).where(
            un.c.account_id == account_id, un.c.day == day, un.c.service == service)).scalar() or 0
        if stored + quantity > day_limit(service):
            over.add((account_id, day, service))
    return over


def _store_sqlite(conn: Connection, rows: Sequence[UsageRow]) -> int:
    # The writer lock is ours (BEGIN IMMEDIATE), so the rows inserted now are exactly those with
    # a rowid above the largest before: the sums are taken from them, in one scan.
    raw = conn.connection.driver_connection
    cur = raw.cursor()
    days: dict[date, str] = {}
    values = []
    for account_id, event_id, service, quantity, region, ts_us, day, window, mainland in rows:
        text = days.get(day)
        if text is None:
            text = days[day] = day.isoformat()
        values.append((account_id, event_id, service, quantity, region, ts_us, text, window, mainland))
    before = cur.execute("SELECT coalesce(max(rowid), 0) FROM usage_events").fetchone()[0]
    cur.executemany(f"INSERT INTO usage_events ({COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING", values)
    new = max(cur.rowcount, 0)
    if new:
        sqlite_sums(cur, before)
    cur.close()
    return new


def sqlite_sums(cur, before: int) -> None:
    """Append the events with a rowid above ``before`` (those just inserted) to the unsummed
    rows and count them in the bounds (``storage.fold``): one scan of the new rows."""
    cur.execute(fold.append_sql("usage_events WHERE rowid > ?"), (before,))
    try:
        cur.execute(f"SELECT {fold.TOTALS} FROM usage_events WHERE rowid > ?", (before,))
        added = tuple(cur.fetchone())
    except sqlite3.OperationalError as exc:  # "integer overflow": far past any limit, so fold now
        if "overflow" not in str(exc):
            raise
        added = None
    fold.count_new(cur, False, added, ())


def postgres_merge(source: str) -> str:
    """The one statement that stores staged rows on PostgreSQL: new events (the first copy of an
    id wins), appended to the unsummed rows too; it returns how many were new and their bytes
    and calls.

    ``usage_events`` is partitioned by month, so its key cannot say an id is new across months:
    the ids go into ``usage_event_ids`` first, and only the events whose id was new are stored."""
    return f"""WITH first AS MATERIALIZED (
        SELECT DISTINCT ON (account_id, event_id) {COLUMNS} FROM {source} ORDER BY account_id, event_id, seq
    ), ids AS (
        INSERT INTO usage_event_ids (account_id, event_id) SELECT account_id, event_id FROM first
        ON CONFLICT DO NOTHING
        RETURNING account_id, event_id
    ), ins AS (
        INSERT INTO usage_events ({COLUMNS})
        SELECT {", ".join("f." + c for c in COLUMNS.split(", "))} FROM first f JOIN ids ON ids.account_id = f.account_id AND ids.event_id = f.event_id
        RETURNING account_id, day, service, quantity, "window", mainland
    ), pending AS (
        {fold.append_sql("ins")}
    )
    SELECT count(*), {fold.TOTALS} FROM ins"""


def _store_postgres(conn: Connection, rows: Sequence[UsageRow]) -> int:
    raw = conn.connection.driver_connection
    with raw.cursor() as cur:
        cur.execute(
            "CREATE TEMP TABLE IF NOT EXISTS stage (seq bigint, account_id text, event_id text, service text, "
            'quantity bigint, region text, ts_us bigint, day date, "window" smallint, mainland boolean) ON COMMIT DELETE ROWS'
        )
        cur.execute("TRUNCATE stage")
        with cur.copy(f"COPY stage (seq, {COLUMNS}) FROM STDIN") as copy:
            for seq, r in enumerate(rows):
                copy.write_row((seq, *r))
        cur.execute(postgres_merge("stage"))
        return count_merged(cur, {r.account_id for r in rows})


def count_merged(cur, accounts: set[str]) -> int:
    """After the merge (``accounts`` locked): count its new events in the bounds (folding the
    accounts now if they reach a limit); returns how many were new."""
    new, bytes_, calls = cur.fetchone()
    if new:
        fold.count_new(cur, True, (int(bytes_), int(calls)), sorted(accounts))
    return int(new)
