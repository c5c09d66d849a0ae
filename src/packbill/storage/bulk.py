"""Storing usage rows in volume: staged in bulk, deduplicated and summed by the database.

Rows are ``domain.fastparse`` tuples. On SQLite they are inserted with one executemany of
INSERT .. ON CONFLICT DO NOTHING; on PostgreSQL they are COPied into a temporary table and one
INSERT .. SELECT .. ON CONFLICT DO NOTHING RETURNING stores them. Either way the unique key on
(account_id, event_id) decides what is new (the first copy wins), and the day sums, the window
sums and the unsettled marks are added from exactly the rows that were inserted, with GROUP BY
in the database. No check-then-insert, no per-event object.
"""

from __future__ import annotations

from datetime import date
from typing import Sequence

from sqlalchemy.engine import Connection

from .repo import lock_accounts_shared

_COLUMNS = 'account_id, event_id, service, quantity, region, ts_us, day, "window", mainland'
_TRAFFIC = "('traffic.up', 'traffic.down')"


def store_rows(conn: Connection, rows: Sequence[tuple], *, accounts_locked: bool = False) -> int:
    """Store rows; returns how many were new (the rest were duplicates).

    ``accounts_locked``: the caller already holds the share locks of every account named.
    """
    if not rows:
        return 0
    if not accounts_locked:
        lock_accounts_shared(conn, sorted({r[0] for r in rows}))
    if conn.dialect.name == "postgresql":
        return _store_postgres(conn, rows)
    return _store_sqlite(conn, rows)


def _store_sqlite(conn: Connection, rows: Sequence[tuple]) -> int:
    # The writer lock is ours (BEGIN IMMEDIATE), so the rows inserted now are exactly those with
    # a rowid above the largest before: the sums are taken from them, in one scan.
    raw = conn.connection.driver_connection
    cur = raw.cursor()
    days: dict[int, str] = {}
    values = []
    for r in rows:
        day = days.get(r[6])
        if day is None:
            day = days[r[6]] = date.fromordinal(r[6]).isoformat()
        values.append((r[0], r[1], r[2], r[3], r[4], r[5], day, r[7], r[8]))
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


def _store_postgres(conn: Connection, rows: Sequence[tuple]) -> int:
    raw = conn.connection.driver_connection
    with raw.cursor() as cur:
        cur.execute(
            "CREATE TEMP TABLE IF NOT EXISTS stage (seq bigint, account_id text, event_id text, service text, "
            'quantity bigint, region text, ts_us bigint, day date, "window" smallint, mainland boolean) ON COMMIT DELETE ROWS'
        )
        cur.execute("TRUNCATE stage")
        days: dict[int, date] = {}
        with cur.copy(f"COPY stage (seq, {_COLUMNS}) FROM STDIN") as copy:
            for seq, r in enumerate(rows):
                day = days.get(r[6])
                if day is None:
                    day = days[r[6]] = date.fromordinal(r[6])
                copy.write_row((seq, r[0], r[1], r[2], r[3], r[4], r[5], day, r[7], r[8]))
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
