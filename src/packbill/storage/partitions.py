"""Monthly partitions of the raw usage events on PostgreSQL (declarative partitioning by range
of ``day``).

``usage_events`` has one partition per month, ``usage_events_y2027m03``, and a default partition
for any month that has none yet. Each event id is kept once in ``usage_event_ids`` (account,
event id): a partitioned table's unique keys must hold the partition key, so the table itself
cannot say that an id is new across months. Intake inserts the id first, and the event only if
the id was new.

``ensure`` makes the partitions of the months given and of every month found in the default
partition (its rows move into the new partition in the same transaction). ``drop`` detaches and
drops an archived month's partition. SQLite has no partitions: these do nothing there.
"""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from ..domain.days import month_start

DEFAULT = "usage_events_default"


def name(month: date) -> str:
    return f"usage_events_y{month.year:04d}m{month.month:02d}"


def _next(month: date) -> date:
    return date(month.year + (month.month == 12), month.month % 12 + 1, 1)


def partitioned(conn: Connection) -> bool:
    return conn.dialect.name == "postgresql"


def months(conn: Connection) -> list[date]:
    """The months that have their own partition."""
    if not partitioned(conn):
        return []
    rows = conn.execute(sa.text("SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
                                "WHERE i.inhparent = 'usage_events'::regclass")).scalars()
    return sorted(date(int(r[14:18]), int(r[19:21]), 1) for r in rows if r != DEFAULT)


def ensure(conn: Connection, wanted: set[date] | frozenset[date] = frozenset()) -> list[date]:
    """Make the partitions of the months ``wanted`` and of every month with rows in the default
    partition; returns the months made. Several processes may call this at once: an advisory
    lock serialises them."""
    if not partitioned(conn):
        return []
    conn.execute(sa.text("SELECT pg_advisory_xact_lock(hashtext('packbill.usage_partitions'))"))
    have = set(months(conn))
    stray = conn.execute(sa.text(f"SELECT DISTINCT date_trunc('month', day)::date FROM {DEFAULT}")).scalars()
    made = []
    for month in sorted({month_start(m) for m in wanted} | set(stray)):
        if month in have:
            continue
        table, end = name(month), _next(month)
        # no row of the month may arrive in the default partition between the move and the attach
        # (the attach would then fail, as it did at every start while a stream sent backfills):
        # writers wait at the table itself, before their rows are routed, and then go to the new
        # partition; readers go on
        conn.execute(sa.text("LOCK TABLE usage_events IN EXCLUSIVE MODE"))
        conn.execute(sa.text(f"CREATE TABLE {table} (LIKE usage_events INCLUDING DEFAULTS INCLUDING CONSTRAINTS)"))
        conn.execute(sa.text(f"WITH moved AS (DELETE FROM {DEFAULT} WHERE day >= :start AND day < :end RETURNING *) "
                             f"INSERT INTO {table} SELECT * FROM moved"), {"start": month, "end": end})
        conn.execute(sa.text(f"ALTER TABLE usage_events ATTACH PARTITION {table} FOR VALUES FROM ('{month}') TO ('{end}')"))
        made.append(month)
    return made


def drop(conn: Connection, month: date) -> bool:
    """Detach and drop a month's partition (its rows are archived); False if it has none."""
    if not partitioned(conn) or month_start(month) not in months(conn):
        return False
    table = name(month_start(month))
    conn.execute(sa.text(f"ALTER TABLE usage_events DETACH PARTITION {table}"))
    conn.execute(sa.text(f"DROP TABLE {table}"))
    return True
