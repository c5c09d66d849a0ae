"""A file import's rows, staged beside the database while the file is checked (``services.imports``).

Every process that checks part of the file writes its good rows into a private SQLite file of its
own (``StageWriter``), at the same time as the others: no row goes back through the main process
and no lock of the database is taken. A row's ``seq`` is its line number in the file. Once the
whole file is checked, ``Staged`` stores the rows range of lines after range of lines, each range
in one committed transaction under its accounts' locks, through the same statements as every API
batch (``storage.intake``). The files are SQLite whatever the database: on SQLite they are
attached to the database's connection and each file's share of a range is inserted on its own
(a view of all of them in line order, ``import_stage``, names a refused line exactly); on
PostgreSQL each range is read from them and COPied into a temporary table of the session.
"""

from __future__ import annotations

import os
import sqlite3
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import date
from pathlib import Path

from .db import Database, retrying
from .intake import COLUMNS, ConflictingDuplicates, DayTotalExceeded, count_merged, over_limit_of, postgres_merge, sqlite_sums

_TABLE = ('seq INTEGER PRIMARY KEY, account_id TEXT, event_id TEXT, service TEXT, quantity INTEGER, region TEXT, '
          'ts_us INTEGER, day TEXT, "window" INTEGER, mainland INTEGER')
_TABLE_NULLS = ", ".join(f"NULL AS {c.split()[0]}" for c in _TABLE.split(", "))
_PART = "part-*.db"
DIFFERS = "(u.service <> s.service OR u.quantity <> s.quantity OR u.region <> s.region OR u.ts_us <> s.ts_us)"
"""A staged row ``s`` and the stored event ``u`` of its id differ in content."""
MAX_PARTS = 8
"""At most this many processes stage one file (SQLite attaches at most ten databases to one connection)."""


class StageUnwritable(Exception):
    """The stage's folder has no room for it, or cannot be written."""


class StageWriter:
    """One process's share of a file's staged rows: a SQLite file of its own in ``directory``,
    written without a journal (it is thrown away if the import stops)."""

    def __init__(self, directory: str | Path) -> None:
        self.directory = directory
        with self._unwritable():
            fd, path = tempfile.mkstemp(dir=directory, prefix="part-", suffix=".db")
            os.close(fd)
            self.conn = sqlite3.connect(path, isolation_level=None)
            self.conn.execute("PRAGMA journal_mode=OFF")
            self.conn.execute("PRAGMA synchronous=OFF")
            self.conn.execute(f"CREATE TABLE stage ({_TABLE})")

    def add(self, rows: Sequence[tuple]) -> None:
        """Stage rows: (line, account_id, event_id, service, quantity, region, ts_us, day as
        ISO text, window, mainland), in line order."""
        with self._unwritable():
            self.conn.execute("BEGIN")
            self.conn.executemany("INSERT INTO stage VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
            self.conn.execute("COMMIT")

    @contextmanager
    def _unwritable(self) -> Iterator[None]:
        try:
            yield
        except (OSError, sqlite3.OperationalError) as exc:
            raise StageUnwritable(f"the checked rows could not be staged in {self.directory} "
                                  f"({getattr(exc, 'strerror', None) or exc})") from None

    def close(self) -> None:
        self.conn.close()


def _attach(cur, directory: str | Path) -> int:
    """Attach every part of ``directory`` to the connection of ``cur``, and ``import_stage``: a
    temporary view of all of them."""
    parts = sorted(Path(directory).glob(_PART))
    for i, path in enumerate(parts):
        cur.execute(f"ATTACH DATABASE ? AS import_part_{i}", (str(path),))
    union = " UNION ALL ".join(f"SELECT * FROM import_part_{i}.stage" for i in range(len(parts)))
    cur.execute(f"CREATE TEMP VIEW import_stage AS {union or f'SELECT {_TABLE_NULLS} WHERE 0'}")
    return len(parts)


def _detach(cur) -> None:
    cur.execute("DROP VIEW IF EXISTS temp.import_stage")
    for _, name, _ in cur.execute("PRAGMA database_list").fetchall():
        if name.startswith("import_part_"):
            cur.execute(f"DETACH DATABASE {name}")


class Staged:
    """The staged rows of a checked file (the parts in ``directory``), stored by ranges of lines.

    On SQLite the parts are attached to one connection of the database, and each range moves
    with one INSERT .. SELECT; on PostgreSQL they are read here and each range is COPied into a
    temporary table first. ``close`` detaches them (the caller removes the directory).
    """

    def __init__(self, db: Database, directory: str | Path) -> None:
        self.db = db
        self.postgres = db.dialect == "postgresql"
        with db.translated():
            self.raw = db.engine.raw_connection()
            cur = self.raw.cursor()
            if self.postgres:
                cur.execute("CREATE TEMP TABLE import_stage (seq bigint PRIMARY KEY, account_id text, event_id text, service text, "
                            'quantity bigint, region text, ts_us bigint, day date, "window" smallint, mainland boolean)')
                self.raw.commit()
                self.parts = sqlite3.connect(":memory:", isolation_level=None)
                self.count = _attach(self.parts.cursor(), directory)
            else:
                self.count = _attach(cur, directory)
                self.parts = self.raw.driver_connection
            cur.close()

    def merge(self, first: int, last: int, rows: int) -> int:
        """Store the ``rows`` staged rows of lines ``first`` to ``last`` in one committed
        transaction, under their accounts' locks; returns how many were new."""
        def once() -> int:
            with self.db.translated():
                if self.postgres:
                    return self._merge_postgres(first, last, rows)
                with self.db.one_writer():
                    return self._merge_sqlite(first, last, rows)

        return retrying(once)

    def _merge_sqlite(self, first: int, last: int, rows: int) -> int:
        cur = self.raw.cursor()
        try:
            new, found = self._insert_sqlite(cur, first, last, rows, in_line_order=False)
            if found and self.count > 1:  # which copies came later: the same insert again, in line order, says exactly
                cur.execute("ROLLBACK")
                _, found = self._insert_sqlite(cur, first, last, rows, in_line_order=True)
            if found:
                raise ConflictingDuplicates(found)
            cur.execute("COMMIT")
            return new
        except Exception as exc:
            if self.parts.in_transaction:
                cur.execute("ROLLBACK")
            if "day_total" in str(exc):
                raise DayTotalExceeded(self._over_limit(first, last)) from None
            raise
        finally:
            cur.close()

    def _insert_sqlite(self, cur, first: int, last: int, rows: int, in_line_order: bool) -> tuple[int, list[int]]:
        """Begin, insert lines ``first`` to ``last``; how many were new, and the lines of another
        content under a stored id. Each part on its own is faster than the view in line order,
        and gives the same events: two copies of an id that are stored in either order have the
        same content, or the range is refused."""
        cur.execute("BEGIN IMMEDIATE")
        before = cur.execute("SELECT coalesce(max(rowid), 0) FROM usage_events").fetchone()[0]
        new = 0
        for source in ["import_stage"] if in_line_order else [f"import_part_{i}.stage" for i in range(self.count)]:
            cur.execute(f"INSERT INTO usage_events ({COLUMNS}) SELECT {COLUMNS} FROM {source} "
                        "WHERE seq BETWEEN ? AND ? ORDER BY seq ON CONFLICT DO NOTHING", (first, last))
            new += max(cur.rowcount, 0)
        if new:
            sqlite_sums(cur, before)
        return new, self._conflicts(cur, "?", first, last) if new < rows else []

    def _merge_postgres(self, first: int, last: int, rows: int) -> int:
        cur = self.raw.cursor()
        try:
            cur.execute("TRUNCATE import_stage")
            with cur.copy(f"COPY import_stage (seq, {COLUMNS}) FROM STDIN") as copy:
                for row in self.parts.execute(f"SELECT seq, {COLUMNS} FROM import_stage WHERE seq BETWEEN ? AND ?", (first, last)):
                    copy.write_row(row)
            cur.execute("SELECT id FROM accounts WHERE id IN (SELECT DISTINCT account_id FROM import_stage) ORDER BY id FOR UPDATE")
            locked = {r[0] for r in cur.fetchall()}
            cur.execute(postgres_merge("import_stage"))
            new = count_merged(cur, locked)
            found = self._conflicts(cur, "%s", first, last) if new < rows else []
            if found:
                raise ConflictingDuplicates(found)
            self.raw.commit()
            return new
        except Exception as exc:
            self.raw.rollback()
            if "day_total" in str(exc):
                raise DayTotalExceeded(self._over_limit(first, last)) from None
            raise
        finally:
            cur.close()

    @staticmethod
    def _conflicts(cur, mark: str, first: int, last: int) -> list[int]:
        """The lines of the range whose id is stored with another content (at most 100)."""
        cur.execute(f"SELECT s.seq FROM import_stage s JOIN usage_events u ON u.account_id = s.account_id AND u.event_id = s.event_id "
                    f"WHERE s.seq BETWEEN {mark} AND {mark} AND {DIFFERS} ORDER BY s.seq LIMIT 100", (first, last))
        return [r[0] for r in cur.fetchall()]

    def _over_limit(self, first: int, last: int) -> set[tuple[str, date, str]]:
        """Which (account, day, service) lines ``first`` to ``last`` would take past the limit
        (their totals read from the parts: on PostgreSQL the failed transaction emptied the
        temporary table)."""
        totals = {(account_id, date.fromisoformat(day), service): quantity for account_id, day, service, quantity in self.parts.execute(
            "SELECT account_id, day, service, sum(quantity) FROM import_stage WHERE seq BETWEEN ? AND ? GROUP BY 1, 2, 3",
            (first, last)).fetchall()}
        with self.db.read() as conn:
            return over_limit_of(conn, totals)

    def close(self) -> None:
        try:
            cur = self.raw.cursor()
            if self.postgres:
                self.raw.rollback()
                cur.execute("DROP TABLE IF EXISTS import_stage")
                self.raw.commit()
                self.parts.close()
            else:
                _detach(cur)
            cur.close()
        finally:
            self.raw.close()
