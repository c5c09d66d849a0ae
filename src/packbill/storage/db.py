"""Connecting to SQLite or PostgreSQL, migrating at start, transactions, and what a failing
database means to the callers: ``Unavailable`` (try again later), retried conflicts."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date
from typing import Protocol, TypeVar

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import ArgumentError, InterfaceError, NoSuchModuleError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from .failures import describe
from .replica import WAIT_SECONDS, Replica
from .writer_lock import WriterLock

DEFAULT_URL = "sqlite:///packbill.db"

T = TypeVar("T")


ATTEMPTS = 8
"""Tries of a write the database refused for a deadlock or a serialization failure."""


class Unavailable(Exception):
    """The database cannot answer now (locked, full, unreachable): nothing was stored; try again."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class BadDatabaseUrl(ValueError):
    """A --db value that names no database packbill can open."""


class BadReplicaUrl(BadDatabaseUrl):
    """A --read-db value that cannot be a replica of the database."""


class CommitHook(Protocol):
    """Work that must commit with the first write transaction of a unit of work (the audit
    record of the change it makes, R24)."""

    def before_commit(self, conn: Connection) -> bool:
        """Write into ``conn`` just before it commits; True when something was written."""

    def committed(self) -> None:
        """What ``before_commit`` wrote has committed."""


_HOOK: ContextVar[CommitHook | None] = ContextVar("packbill_commit_hook", default=None)


@contextmanager
def commit_hook(hook: CommitHook | None) -> Iterator[None]:
    """Within the block (this thread, or the threads it hands work to), every write transaction
    that is about to commit gives ``hook`` its connection first; None switches a hook off."""
    token = _HOOK.set(hook)
    try:
        yield
    finally:
        _HOOK.reset(token)


RETRY_SQLSTATES = {"40001", "40P01"}  # serialization failure, deadlock detected


def _sqlstate(exc: BaseException) -> str | None:
    """The SQLSTATE of an error from SQLAlchemy or straight from the driver's cursor."""
    for candidate in (exc, getattr(exc, "orig", None)):
        code = getattr(candidate, "sqlstate", None)
        if code:
            return code
    return None


def is_retryable(exc: BaseException) -> bool:
    """A deadlock or serialization failure: the transaction was rolled back and may run again."""
    return _sqlstate(exc) in RETRY_SQLSTATES


def is_unavailable(exc: BaseException) -> bool:
    """The database could not do the work for a reason of its own (not the request's)."""
    try:
        import psycopg
    except ImportError:  # pragma: no cover - psycopg is a dependency
        psycopg = None
    if isinstance(exc, (OperationalError, InterfaceError, PoolTimeout, sqlite3.OperationalError)):  # the last: raw cursors
        return True
    if psycopg is not None and isinstance(exc, (psycopg.OperationalError, psycopg.InterfaceError)):
        return True
    code = _sqlstate(exc) or ""
    # 08: connection exceptions, 53: insufficient resources (disk full, out of memory), 57P: shutdown
    return code.startswith(("08", "53", "57P"))


def normalise_url(url: str) -> str:
    """Accept the contract's ``postgresql://`` URLs and use psycopg 3 for them."""
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def sqlite_file(url: str) -> str | None:
    """The file a SQLite URL names (None for another database, or SQLite in memory)."""
    try:
        parsed = sa.engine.make_url(normalise_url(url))
    except ArgumentError:
        return None
    if not parsed.drivername.startswith("sqlite") or parsed.database in (None, "", ":memory:"):
        return None
    return parsed.database


def make_engine(url: str, busy_timeout: float = 30) -> Engine:
    """``busy_timeout``: seconds a SQLite writer waits for the lock before the database counts as unavailable."""
    url = normalise_url(url)
    if url.startswith("sqlite"):
        engine = sa.create_engine(url, connect_args={"timeout": busy_timeout, "check_same_thread": False})

        @event.listens_for(engine, "connect")
        def _sqlite_connect(dbapi_connection, _record):  # pragma: no cover - driver hook
            dbapi_connection.isolation_level = None  # let the begin hook below issue BEGIN
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout * 1000)}")
            cursor.execute("PRAGMA cache_size=-65536")  # 64 MiB of page cache: bulk intake and settlement
            cursor.execute("PRAGMA temp_store=MEMORY")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn):  # pragma: no cover - driver hook
            # Writers take the lock up front, so two writers never deadlock on an upgrade.
            conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get("write") else "BEGIN")

        return engine
    return sa.create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=10)


class Database:
    """An engine, migrated, with read and write transactions.

    Every transaction turns a database that cannot answer into ``Unavailable``; ``write_retrying``
    runs a unit of work again after a deadlock or serialization failure, wherever it was raised.
    """

    def __init__(self, url: str = DEFAULT_URL, migrate: bool = True, busy_timeout: float = 30, replica_url: str | None = None,
                 replica_wait: float = WAIT_SECONDS) -> None:
        self.url = normalise_url(url)
        self.engine = _engine(url, busy_timeout)
        self.dialect = self.engine.dialect.name
        self.replica = _replica(self.dialect, replica_url, replica_wait)
        self._busy_timeout = busy_timeout
        # SQLite has one writer at a time. Its own wait (busy_timeout) polls with sleeps of up to
        # 100 ms, so threads of one process that wait for each other there are served in no order
        # and a writer can wait for seconds while newer ones pass it; within a process they queue
        # on this lock instead and each takes the database the moment the last one lets go.
        self._writers = threading.RLock() if self.dialect == "sqlite" else None
        # and across processes, they queue on a file lock (``writer_lock``) for the same reason
        database_file = sqlite_file(self.url)
        self._file_lock = WriterLock(database_file) if database_file else None
        self._depth = 0  # writes open in the thread holding ``_writers`` (it is re-entrant)
        if migrate:
            from .migrate import upgrade

            with self._translated():
                upgrade(self.engine)

    @contextmanager
    def translated(self) -> Iterator[None]:
        """Turn a database that cannot answer into ``Unavailable`` (for work on a raw connection)."""
        with self._translated():
            yield

    @contextmanager
    def _translated(self) -> Iterator[None]:
        try:
            yield
        except Unavailable:
            raise
        except Exception as exc:
            if is_unavailable(exc) and not is_retryable(exc):
                raise Unavailable(f"the database is unavailable: {describe(exc)}") from exc
            raise

    @contextmanager
    def read(self) -> Iterator[Connection]:
        engine = self.engine if self.replica is None else self.replica.engine_for_read(self.engine)
        try:
            with self._translated():
                with engine.connect() as conn:
                    with conn.begin():
                        yield conn
        except Exception as exc:
            if engine is not self.engine and is_retryable(exc):  # a standby cancels a read that holds up its replay
                raise Unavailable("the read replica cancelled the read to replay the primary's changes; try again") from exc
            raise

    @contextmanager
    def reporting(self) -> Iterator[None]:
        """Reads within the block may come from the read replica when there is one (and it has
        caught up with the primary); writes never do."""
        if self.replica is None:
            yield
            return
        with self.replica.reporting():
            yield

    @contextmanager
    def write(self) -> Iterator[Connection]:
        with self.one_writer():
            with self._write() as conn:
                yield conn
        if self.replica is not None:
            self.replica.wrote(self.engine)

    @contextmanager
    def one_writer(self) -> Iterator[None]:
        """Wait for this database's one writer's turn (SQLite: behind this process's other
        threads and other processes' writers; PostgreSQL: no wait), for a write transaction on a
        raw connection (the file import's merge); ``write`` takes it itself."""
        if self._writers is None:
            yield
            return
        if not self._writers.acquire(timeout=self._busy_timeout):
            raise Unavailable("the database stayed busy with other writers; try again")
        outermost = self._depth == 0 and self._file_lock is not None
        try:
            if outermost and not self._file_lock.acquire(self._busy_timeout):
                raise Unavailable("the database stayed busy with another process's writes; try again")
            self._depth += 1
            try:
                yield
            finally:
                self._depth -= 1
                if outermost:
                    self._file_lock.release()
        finally:
            self._writers.release()

    @contextmanager
    def _write(self) -> Iterator[Connection]:
        hook = _HOOK.get()
        with self._translated():
            with self.engine.connect().execution_options(write=True) as conn:
                with conn.begin():
                    yield conn
                    wrote = hook is not None and hook.before_commit(conn)
                if wrote:
                    hook.committed()

    def write_retrying(self, work: Callable[[Connection], T], attempts: int = ATTEMPTS) -> T:
        """Run ``work(conn)`` in a write transaction, again on a deadlock or serialization failure."""

        def once() -> T:
            with self.write() as conn:
                return work(conn)

        return retrying(once, attempts)

    def ping(self) -> None:
        """The database answers a query (else ``Unavailable``)."""
        with self.read() as conn:
            conn.execute(sa.text("SELECT 1")).scalar_one()

    def dispose(self) -> None:
        self.engine.dispose()
        if self._file_lock is not None:
            self._file_lock.close()
        if self.replica is not None:
            self.replica.dispose()


def _engine(url: str, busy_timeout: float = 30) -> Engine:
    try:
        return make_engine(normalise_url(url), busy_timeout)
    except (ArgumentError, NoSuchModuleError, ValueError) as exc:
        raise BadDatabaseUrl(f"{url!r} is not a database URL packbill can open ({exc})") from None


def _replica(dialect: str, url: str | None, wait: float) -> Replica | None:
    """The read replica of a PostgreSQL database (None without one)."""
    if not url:
        return None
    try:
        engine = _engine(url)
    except BadDatabaseUrl as exc:
        raise BadReplicaUrl(f"--read-db: {exc}") from None
    if dialect != "postgresql" or engine.dialect.name != "postgresql":
        engine.dispose()
        raise BadReplicaUrl(f"a read replica ({url!r}) is a PostgreSQL streaming replica of a PostgreSQL database; "
                            "SQLite has none")
    return Replica(engine, wait)


def retrying(transaction: Callable[[], T], attempts: int = ATTEMPTS) -> T:
    """Run ``transaction`` (a whole write transaction, committed or rolled back by itself), again
    when the database refused it for a deadlock or a serialization failure, a little later each
    time; ``Unavailable`` when it kept refusing. Every writer retries through here."""
    for attempt in range(attempts):
        try:
            return transaction()
        except Exception as exc:  # driver errors from raw cursors are not DBAPIError
            if not is_retryable(exc) or attempt == attempts - 1:
                if is_retryable(exc):
                    raise Unavailable("the database stayed busy with conflicting work; try again") from exc
                raise
            time.sleep(0.01 * (attempt + 1))
    raise AssertionError("unreachable")


def day_value(value) -> date:
    """A DATE column as a date (SQLite may hand back a string)."""
    return value if isinstance(value, date) else date.fromisoformat(value)
