"""Connecting to SQLite or PostgreSQL, migrating at start, and transactions."""

from __future__ import annotations

import time
from contextlib import contextmanager
from datetime import date
from typing import Iterator

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError, OperationalError

from ..domain.days import from_us, to_us  # noqa: F401 - moments are stored as epoch microseconds

DEFAULT_URL = "sqlite:///packbill.db"


def normalise_url(url: str) -> str:
    """Accept the contract's ``postgresql://`` URLs and use psycopg 3 for them."""
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def make_engine(url: str) -> Engine:
    url = normalise_url(url)
    if url.startswith("sqlite"):
        engine = sa.create_engine(url, connect_args={"timeout": 60, "check_same_thread": False})

        @event.listens_for(engine, "connect")
        def _sqlite_connect(dbapi_connection, _record):  # pragma: no cover - driver hook
            dbapi_connection.isolation_level = None  # let the begin hook below issue BEGIN
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=60000")
            cursor.execute("PRAGMA cache_size=-65536")  # 64 MiB of page cache: bulk intake and settlement
            cursor.execute("PRAGMA temp_store=MEMORY")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn):  # pragma: no cover - driver hook
            # Writers take the lock up front, so two writers never deadlock on an upgrade.
            conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get("write") else "BEGIN")

        return engine
    return sa.create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=10)


RETRY_SQLSTATES = {"40001", "40P01"}  # serialization failure, deadlock detected


class Database:
    """An engine, migrated, with read and write transactions."""

    def __init__(self, url: str = DEFAULT_URL, migrate: bool = True) -> None:
        self.url = normalise_url(url)
        self.engine = make_engine(self.url)
        self.is_postgres = self.engine.dialect.name == "postgresql"
        if migrate:
            from .migrate import upgrade

            upgrade(self.engine)

    @contextmanager
    def read(self) -> Iterator[Connection]:
        with self.engine.connect() as conn:
            with conn.begin():
                yield conn

    @contextmanager
    def write(self) -> Iterator[Connection]:
        with self.engine.connect().execution_options(write=True) as conn:
            with conn.begin():
                yield conn

    def write_retrying(self, work, attempts: int = 8):
        """Run ``work(conn)`` in a write transaction, again on a deadlock or serialization failure."""
        for attempt in range(attempts):
            try:
                with self.write() as conn:
                    return work(conn)
            except (OperationalError, DBAPIError) as exc:
                code = getattr(getattr(exc, "orig", None), "sqlstate", None)
                if code not in RETRY_SQLSTATES or attempt == attempts - 1:
                    raise
                time.sleep(0.01 * (attempt + 1))
        raise AssertionError("unreachable")

    def dispose(self) -> None:
        self.engine.dispose()


def day_value(value) -> date:
    """A DATE column as a date (SQLite may hand back a string)."""
    return value if isinstance(value, date) else date.fromisoformat(value)
