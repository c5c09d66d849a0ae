"""Storing usage: each event once (R14), appended to what waits to be summed (``storage.fold``).

The one intake path for every caller (API batches of any size, file imports, the reference
checks in the tests): rows are ``domain.UsageRow``s. On SQLite they are inserted with one
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

import os
import sqlite3
import tempfile
from collections.abc import Sequence
from datetime import date

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from ..domain.limits import MAX_DAY_CALLS, MAX_DAY_TOTAL, day_limit
from ..domain.usage import UsageRow
from . import fold, schema
from .db import Database, retrying
from .sql import lock_accounts

_COLUMNS = 'account_id, event_id, service, quantity, region, ts_us, day, "window", mainland'


class ConflictingDuplicates(Exception):
    """Rows whose event id is stored with other content (by position in the rows given, or by
    staged ``seq`` for a file)."""

    def __init__(self, positions: list[int]) -> None:
        super().__init__(f"{len(positions)} event(s) repeat a stored event id with other content")
        self.positions = positions


_DIFFERS = "(u.service <> s.service OR u.quantity <> s.quantity OR u.region <> s.region OR u.ts_us <> s.ts_us)"


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
    over = set()
    ud, un = schema.usage_daily, schema.usage_unsummed
    for (account_id, day, service), quantity in batch.items():
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
    cur.executemany(f"INSERT INTO usage_events ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING", values)
    new = max(cur.rowcount, 0)
    if new:
        _sqlite_sums(cur, before)
    cur.close()
    return new


def _sqlite_sums(cur, before: int) -> None:
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


def _postgres_merge(source: str, where: str = "") -> str:
    """The one statement that stores staged rows on PostgreSQL: new events (the first copy of an
    id wins), appended to the unsummed rows too; it returns how many were new and their bytes
    and calls.

    ``usage_events`` is partitioned by month, so its key cannot say an id is new across months:
    the ids go into ``usage_event_ids`` first, and only the events whose id was new are stored."""
    return f"""WITH first AS MATERIALIZED (
        SELECT DISTINCT ON (account_id, event_id) {_COLUMNS} FROM {source} {where} ORDER BY account_id, event_id, seq
    ), ids AS (
        INSERT INTO usage_event_ids (account_id, event_id) SELECT account_id, event_id FROM first
        ON CONFLICT DO NOTHING
        RETURNING account_id, event_id
    ), ins AS (
        INSERT INTO usage_events ({_COLUMNS})
        SELECT {", ".join("f." + c for c in _COLUMNS.split(", "))} FROM first f JOIN ids ON ids.account_id = f.account_id AND ids.event_id = f.event_id
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
        with cur.copy(f"COPY stage (seq, {_COLUMNS}) FROM STDIN") as copy:
            for seq, r in enumerate(rows):
                copy.write_row((seq, *r))
        cur.execute(_postgres_merge("stage"))
        return _counted(cur, {r.account_id for r in rows})


def _counted(cur, accounts: set[str]) -> int:
    """After the merge (``accounts`` locked): count its new events in the bounds (folding the
    accounts now if they reach a limit); returns how many were new."""
    new, bytes_, calls = cur.fetchone()
    if new:
        fold.count_new(cur, True, (int(bytes_), int(calls)), sorted(accounts))
    return int(new)


# -- a whole file: staged first, merged in committed chunks ---------------------------------------------

class Staged:
    """A file's rows staged beside the database while they are checked (pass 1), then stored
    through the same merge as every batch, in committed chunks of ``seq`` ranges (pass 2).

    Rows are plain tuples (account_id, event_id, service, quantity, region, ts_us, day ordinal,
    window, mainland). Staging holds no lock on the usage tables: the API's writes go on. On
    SQLite the stage is a private file attached to one connection; on PostgreSQL a temporary
    table of one session. ``close`` removes it.
    """

    def __init__(self, db: Database) -> None:
        self.db = db
        self.postgres = db.dialect == "postgresql"
        self.count = 0
        self._days: dict[int, object] = {}
        with db.translated():
            self.raw = db.engine.raw_connection()
            cur = self.raw.cursor()
            if self.postgres:
                cur.execute("CREATE TEMP TABLE import_stage (seq bigserial PRIMARY KEY, account_id text, event_id text, "
                            'service text, quantity bigint, region text, ts_us bigint, day date, "window" smallint, mainland boolean)')
                self.raw.commit()
            else:
                fd, self.path = tempfile.mkstemp(prefix="packbill-stage-", suffix=".db")
                os.close(fd)
                cur.execute("ATTACH DATABASE ? AS import_stage_db", (self.path,))
                cur.execute("PRAGMA import_stage_db.journal_mode=OFF")
                cur.execute("PRAGMA import_stage_db.synchronous=OFF")
                cur.execute("CREATE TABLE import_stage_db.import_stage (seq INTEGER PRIMARY KEY, account_id TEXT, event_id TEXT, "
                            'service TEXT, quantity INTEGER, region TEXT, ts_us INTEGER, day TEXT, "window" INTEGER, mainland INTEGER)')
            cur.close()

    def _day(self, ordinal: int):
        day = self._days.get(ordinal)
        if day is None:
            value = date.fromordinal(ordinal)
            day = self._days[ordinal] = value if self.postgres else value.isoformat()
        return day

    def add(self, rows: Sequence[tuple]) -> None:
        """Stage rows (in file order)."""
        if not rows:
            return
        day = self._day
        with self.db.translated():
            cur = self.raw.cursor()
            if self.postgres:
                with cur.copy(f"COPY import_stage ({_COLUMNS}) FROM STDIN") as copy:
                    for r in rows:
                        copy.write_row((r[0], r[1], r[2], r[3], r[4], r[5], day(r[6]), r[7], r[8]))
                self.raw.commit()
            else:
                cur.execute("BEGIN")
                cur.executemany(f"INSERT INTO import_stage_db.import_stage ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                                [(r[0], r[1], r[2], r[3], r[4], r[5], day(r[6]), r[7], r[8]) for r in rows])
                cur.execute("COMMIT")
            cur.close()
        self.count += len(rows)

    def merge(self, first: int, last: int) -> int:
        """Store staged rows ``first`` to ``last`` (1-based, inclusive) in one committed
        transaction, under their accounts' locks; returns how many were new."""
        def once() -> int:
            with self.db.translated():
                return self._merge(first, last)

        return retrying(once)

    def _merge(self, first: int, last: int) -> int:
        cur = self.raw.cursor()
        try:
            if self.postgres:
                cur.execute("SELECT id FROM accounts WHERE id IN (SELECT DISTINCT account_id FROM import_stage WHERE seq BETWEEN %s AND %s) "
                            "ORDER BY id FOR UPDATE", (first, last))
                locked = {r[0] for r in cur.fetchall()}
                cur.execute(_postgres_merge("import_stage", "WHERE seq BETWEEN %s AND %s"), (first, last))
                new = _counted(cur, locked)
                if new < last - first + 1:
                    self._refuse_conflicts(cur, "import_stage", "%s", first, last)
                self.raw.commit()
                return new
            cur.execute("BEGIN IMMEDIATE")
            before = cur.execute("SELECT coalesce(max(rowid), 0) FROM usage_events").fetchone()[0]
            cur.execute(f"INSERT INTO usage_events ({_COLUMNS}) SELECT {_COLUMNS} FROM import_stage_db.import_stage "
                        "WHERE seq BETWEEN ? AND ? ORDER BY seq ON CONFLICT DO NOTHING", (first, last))
            new = max(cur.rowcount, 0)
            if new:
                _sqlite_sums(cur, before)
            if new < last - first + 1:
                self._refuse_conflicts(cur, "import_stage_db.import_stage", "?", first, last)
            cur.execute("COMMIT")
            return new
        except ConflictingDuplicates:
            self.raw.rollback() if self.postgres else cur.execute("ROLLBACK")
            raise
        except Exception as exc:
            self.raw.rollback() if self.postgres else cur.execute("ROLLBACK")
            if "day_total" in str(exc):
                raise DayTotalExceeded(self._over_limit(first, last)) from None
            raise
        finally:
            cur.close()

    @staticmethod
    def _refuse_conflicts(cur, table: str, mark: str, first: int, last: int) -> None:
        cur.execute(f"SELECT s.seq FROM {table} s JOIN usage_events u ON u.account_id = s.account_id AND u.event_id = s.event_id "
                    f"WHERE s.seq BETWEEN {mark} AND {mark} AND {_DIFFERS} ORDER BY s.seq LIMIT 100", (first, last))
        found = [r[0] for r in cur.fetchall()]
        if found:
            raise ConflictingDuplicates(found)

    def _over_limit(self, first: int, last: int) -> set[tuple[str, date, str]]:
        mark = "%s" if self.postgres else "?"
        table = "import_stage" if self.postgres else "import_stage_db.import_stage"
        cur = self.raw.cursor()
        cur.execute(f"SELECT s.account_id, s.day, s.service FROM (SELECT account_id, day, service, sum(quantity) AS q FROM {table} "
                    f"WHERE seq BETWEEN {mark} AND {mark} GROUP BY 1, 2, 3) s LEFT JOIN usage_daily d ON d.account_id = s.account_id "
                    f"AND d.day = s.day AND d.service = s.service LEFT JOIN (SELECT account_id, day, service, sum(mainland + other) AS q "
                    f"FROM usage_unsummed GROUP BY 1, 2, 3) p ON p.account_id = s.account_id AND p.day = s.day AND p.service = s.service "
                    f"WHERE s.q + coalesce(d.mainland + d.other, 0) + coalesce(p.q, 0) > "
                    f"CASE WHEN s.service LIKE 'traffic.{'%%' if self.postgres else '%'}' THEN {mark} ELSE {mark} END",
                    (first, last, MAX_DAY_TOTAL, MAX_DAY_CALLS))
        found = {(a, d if isinstance(d, date) else date.fromisoformat(d), s) for a, d, s in cur.fetchall()}
        cur.close()
        if self.postgres:
            self.raw.rollback()
        return found

    def close(self) -> None:
        try:
            cur = self.raw.cursor()
            if self.postgres:
                self.raw.rollback()
                cur.execute("DROP TABLE IF EXISTS import_stage")
                self.raw.commit()
            else:
                cur.execute("DETACH DATABASE import_stage_db")
            cur.close()
        finally:
            self.raw.close()
            if not self.postgres and os.path.exists(self.path):
                os.remove(self.path)
