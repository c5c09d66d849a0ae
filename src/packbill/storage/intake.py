"""Storing usage: each event once (R14), the day and window sums, the unsettled marks.

The one intake path for every caller (API batches of any size, file imports, the reference
checks in the tests): rows are ``domain.UsageRow``s. On SQLite they are inserted with one
executemany of INSERT .. ON CONFLICT DO NOTHING; on PostgreSQL they are COPied into a temporary
table and one INSERT .. SELECT .. ON CONFLICT DO NOTHING stores them. Either way the unique key
on (account_id, event_id) decides what is new (the first copy wins), and the day sums, the
window sums and the unsettled marks are added from exactly the rows that were inserted, with
GROUP BY in the database.

Lock order: the accounts first (``sql.lock_accounts``), then the events, the day sums, the
window sums and the marks, each in key order. Settlement and purchases take the same account
locks first, so no two writers can wait on each other in a cycle.
"""

from __future__ import annotations

from datetime import date
from typing import Sequence

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from ..domain import UsageRow
from ..domain.limits import MAX_DAY_TOTAL
from . import schema as t
from .sql import lock_accounts

_COLUMNS = 'account_id, event_id, service, quantity, region, ts_us, day, "window", mainland'
_TRAFFIC = "('traffic.up', 'traffic.down')"


class DayTotalExceeded(Exception):
    """Storing the rows would take these (account, day, service) totals past MAX_DAY_TOTAL."""

    def __init__(self, keys: set[tuple[str, date, str]]) -> None:
        super().__init__(f"{len(keys)} day total(s) would pass {MAX_DAY_TOTAL}")
        self.keys = keys


def store_rows(conn: Connection, rows: Sequence[UsageRow], *, accounts_locked: bool = False) -> int:
    """Store rows; returns how many were new (the rest were duplicates).

    ``accounts_locked``: the caller already holds the locks of every account named. Raises
    DayTotalExceeded (and the caller's transaction must roll back) when a day total would pass
    the limit; the database's CHECK on the day sums is what refuses it.
    """
    if not rows:
        return 0
    if not accounts_locked:
        lock_accounts(conn, {r.account_id for r in rows})
    nested = conn.begin_nested()
    try:
        new = _store_postgres(conn, rows) if conn.dialect.name == "postgresql" else _store_sqlite(conn, rows)
    except IntegrityError as exc:
        if "day_total" not in str(exc.orig):
            raise
        nested.rollback()
        raise DayTotalExceeded(_over_limit(conn, rows)) from None
    except Exception as exc:
        if "day_total" in str(exc):  # the driver's own CheckViolation, from a raw cursor
            nested.rollback()
            raise DayTotalExceeded(_over_limit(conn, rows)) from None
        raise
    nested.commit()
    return new


def _over_limit(conn: Connection, rows: Sequence[UsageRow]) -> set[tuple[str, date, str]]:
    """Which (account, day, service) the rows would take past the limit (with what is stored)."""
    batch: dict[tuple[str, date, str], int] = {}
    for r in rows:
        batch[(r.account_id, r.day, r.service)] = batch.get((r.account_id, r.day, r.service), 0) + r.quantity
    over = set()
    ud = t.usage_daily
    for (account_id, day, service), quantity in batch.items():
        stored = conn.execute(sa.select(ud.c.mainland + ud.c.other).where(
            ud.c.account_id == account_id, ud.c.day == day, ud.c.service == service)).scalar() or 0
        if stored + quantity > MAX_DAY_TOTAL:
            over.add((account_id, day, service))
    return over


def _store_sqlite(conn: Connection, rows: Sequence[UsageRow]) -> int:
    # The writer lock is ours (BEGIN IMMEDIATE), so the rows inserted now are exactly those with
    # a rowid above the largest before: the sums are taken from them, in one scan.
    raw = conn.connection.driver_connection
    cur = raw.cursor()
    days: dict[date, str] = {}
    values = []
    for r in rows:
        day = days.get(r.day)
        if day is None:
            day = days[r.day] = r.day.isoformat()
        values.append((r.account_id, r.event_id, r.service, r.quantity, r.region, r.ts_us, day, r.window, r.mainland))
    before = cur.execute("SELECT coalesce(max(rowid), 0) FROM usage_events").fetchone()[0]
    cur.executemany(f"INSERT INTO usage_events ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING", values)
    new = cur.rowcount
    if new > 0:
        cur.execute(
            'CREATE TEMP TABLE IF NOT EXISTS new_sums (account_id TEXT, day TEXT, service TEXT, "window" INTEGER, '
            "mainland INTEGER, other INTEGER)"
        )
        cur.execute("DELETE FROM new_sums")
        cur.execute(
            f'INSERT INTO new_sums SELECT account_id, day, service, CASE WHEN service IN {_TRAFFIC} THEN "window" ELSE -1 END, '
            "sum(CASE WHEN mainland THEN quantity ELSE 0 END), sum(CASE WHEN mainland THEN 0 ELSE quantity END) "
            "FROM usage_events WHERE rowid > ? GROUP BY 1, 2, 3, 4",
            (before,),
        )
        cur.execute(
            "INSERT INTO usage_daily (account_id, day, service, mainland, other, settled_mainland, settled_other) "
            "SELECT account_id, day, service, sum(mainland), sum(other), 0, 0 FROM new_sums "
            "GROUP BY account_id, day, service ORDER BY account_id, day, service "
            "ON CONFLICT (account_id, day, service) DO UPDATE SET mainland = mainland + excluded.mainland, "
            "other = other + excluded.other"
        )
        cur.execute(
            'INSERT INTO usage_windows (account_id, day, service, "window", bytes) '
            'SELECT account_id, day, service, "window", mainland + other FROM new_sums WHERE "window" >= 0 '
            'ORDER BY account_id, day, service, "window" '
            'ON CONFLICT (account_id, day, service, "window") DO UPDATE SET bytes = bytes + excluded.bytes'
        )
        cur.execute(
            "INSERT INTO usage_dirty (account_id, day) SELECT DISTINCT account_id, day FROM new_sums "
            "ORDER BY account_id, day ON CONFLICT DO NOTHING"
        )
    cur.close()
    return max(new, 0)


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
        cur.execute(
            f"""WITH ins AS (
                INSERT INTO usage_events ({_COLUMNS})
                SELECT DISTINCT ON (account_id, event_id) {_COLUMNS} FROM stage ORDER BY account_id, event_id, seq
                ON CONFLICT DO NOTHING
                RETURNING account_id, day, service, quantity, "window", mainland
            ), daily AS (
                INSERT INTO usage_daily (account_id, day, service, mainland, other, settled_mainland, settled_other)
                SELECT account_id, day, service, sum(CASE WHEN mainland THEN quantity ELSE 0 END),
                       sum(CASE WHEN mainland THEN 0 ELSE quantity END), 0, 0
                FROM ins GROUP BY account_id, day, service ORDER BY account_id, day, service
                ON CONFLICT (account_id, day, service) DO UPDATE
                SET mainland = usage_daily.mainland + excluded.mainland, other = usage_daily.other + excluded.other
            ), windows AS (
                INSERT INTO usage_windows (account_id, day, service, "window", bytes)
                SELECT account_id, day, service, "window", sum(quantity) FROM ins WHERE service IN {_TRAFFIC}
                GROUP BY account_id, day, service, "window" ORDER BY account_id, day, service, "window"
                ON CONFLICT (account_id, day, service, "window") DO UPDATE SET bytes = usage_windows.bytes + excluded.bytes
            ), dirty AS (
                INSERT INTO usage_dirty (account_id, day)
                SELECT DISTINCT account_id, day FROM ins ORDER BY account_id, day ON CONFLICT DO NOTHING
            )
            SELECT count(*) FROM ins"""
        )
        return cur.fetchone()[0]
