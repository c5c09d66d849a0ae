"""Small SQL helpers shared by the storage modules: the dialect's INSERT with ON CONFLICT,
account locks in one order, and the conversions of stored values."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from ..domain.days import from_us, to_us  # noqa: F401 - moments are stored as epoch microseconds
from . import schema
from .db import day_value  # noqa: F401


def insert_for(conn: Connection, table: sa.Table):
    """The dialect's INSERT, which knows ON CONFLICT."""
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(table)


class Raw:
    """The driver's own cursor, for the few statements that move most rows (no per-row objects).
    Statements are written with ``?`` marks; on PostgreSQL they become the driver's ``%s``."""

    def __init__(self, conn: Connection) -> None:
        self.postgres = conn.dialect.name == "postgresql"
        self.cursor = conn.connection.driver_connection.cursor()
        self.mark = "%s" if self.postgres else "?"

    def __enter__(self) -> Raw:
        return self

    def __exit__(self, *_) -> None:
        self.cursor.close()

    def _sql(self, sql: str) -> str:
        return sql.replace("?", self.mark) if self.postgres else sql

    def day(self, value: date):
        return value if self.postgres else value.isoformat()

    def bool(self, value: bool):
        return value if self.postgres else int(value)

    def all(self, sql: str, args) -> list[tuple]:
        self.cursor.execute(self._sql(sql), args)
        return self.cursor.fetchall()

    def many(self, sql: str, rows: list[tuple]) -> None:
        self.cursor.executemany(self._sql(sql), rows)


def lock_accounts(conn: Connection, account_ids: Iterable[str]) -> None:
    """The one lock order of every writer: the accounts it touches, sorted, FOR UPDATE.

    Every transaction that writes an account's usage, packages, draws or bill lines takes its
    account rows first, in this order, and nothing else of that account is written without
    them; so two writers never wait on each other in a cycle (PostgreSQL). On SQLite every
    writer holds the database's write lock (BEGIN IMMEDIATE), which orders them the same way.
    """
    ids = sorted(set(account_ids))
    if conn.dialect.name == "postgresql" and ids:
        for start in range(0, len(ids), 5000):
            conn.execute(
                sa.select(schema.accounts.c.id).where(schema.accounts.c.id.in_(ids[start : start + 5000])).order_by(schema.accounts.c.id).with_for_update()
            ).all()


def upsert_set(conn: Connection, table: sa.Table, rows: list[dict], keys: Sequence[str], cols: Sequence[str]) -> None:
    """INSERT rows; where the key exists, set ``cols`` to the new values."""
    if not rows:
        return
    stmt = insert_for(conn, table)
    stmt = stmt.on_conflict_do_update(index_elements=[table.c[k] for k in keys], set_={c: stmt.excluded[c] for c in cols})
    conn.execute(stmt, rows)


def final_month_rows(conn: Connection) -> set[date]:
    """R22: the months whose statements are final."""
    return {day_value(m) for m in conn.execute(sa.select(schema.statement_months.c.month)).scalars()}


def new_ids(conn: Connection, table: str, n: int) -> list[int]:
    """``n`` new ids of ``table``, ascending (PostgreSQL: its sequence; SQLite: the writer lock is ours)."""
    if conn.dialect.name == "postgresql":
        return list(conn.execute(sa.text(f"SELECT nextval(pg_get_serial_sequence('{table}', 'id')) FROM generate_series(1, :n) ORDER BY 1"),
                                 {"n": n}).scalars())
    first = conn.execute(sa.text(f"SELECT coalesce(max(id), 0) FROM {table}")).scalar_one() + 1
    return list(range(first, first + n))
