"""Backups: SQLite's online backup API (a consistent copy while writers go on); for PostgreSQL,
pg_dump's custom format and pg_restore, the tools of the server's own."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa

from .db import normalise_url, sqlite_file


class BackupError(Exception):
    """A backup or a restore that could not be made; the message says why and what to do."""


def _pg_dsn(url: str) -> str:
    """The URL as libpq's tools take it."""
    return sa.engine.make_url(normalise_url(url)).set(drivername="postgresql").render_as_string(hide_password=False)


def backup(url: str, to: Path) -> str:
    """Copy the database at ``url`` to the file ``to``; returns how it was made."""
    path = sqlite_file(url)
    if path is not None:
        if not Path(path).exists():
            raise BackupError(f"there is no database at {path}")
        source = sqlite3.connect(path)
        target = sqlite3.connect(to)
        try:
            with target:
                source.backup(target)  # one step: a consistent snapshot, writers go on
        finally:
            target.close()
            source.close()
        return "SQLite online backup"
    if not url.startswith(("postgresql://", "postgres://", "postgresql+psycopg://")):
        raise BackupError("backups are for sqlite:/// and postgresql:// databases")
    tool = shutil.which("pg_dump")
    if tool is None:
        raise BackupError("pg_dump is not installed here; run `pg_dump --format=custom --file FILE DATABASE_URL` where it is")
    done = subprocess.run([tool, "--format=custom", "--no-owner", "--file", str(to), _pg_dsn(url)], capture_output=True, text=True)
    if done.returncode != 0:
        raise BackupError(f"pg_dump failed: {done.stderr.strip().splitlines()[-1] if done.stderr.strip() else done.returncode}")
    return "pg_dump --format=custom"


def _known_revisions() -> set[str]:
    from .migrate import MIGRATIONS

    return {p.name.split("_", 1)[0] for p in (MIGRATIONS / "versions").glob("[0-9]*_*.py")}


def check_revision(revision: str | None, source: Path) -> None:
    if revision is None:
        raise BackupError(f"{source} is not a packbill backup: it holds no packbill schema; nothing was changed")
    if revision not in _known_revisions():
        raise BackupError(f"{source} was written by another version of packbill (schema {revision}, unknown to this one); "
                          "restore it with that version; nothing was changed")


def check_sqlite_backup(source: Path) -> None:
    """Refuse, in one sentence, a file that is not a sound SQLite backup of a packbill database:
    not SQLite at all, damaged or cut short (SQLite's integrity check), without packbill's
    schema, or of a schema this version does not know. Nothing is written."""
    if source.stat().st_size == 0:
        raise BackupError(f"{source} is empty: it is not a packbill backup; nothing was changed")
    try:
        conn = sqlite3.connect(f"file:{source}?mode=ro&immutable=1", uri=True)
    except sqlite3.Error as exc:
        raise BackupError(f"{source} cannot be opened as a SQLite database ({exc}); nothing was changed") from None
    try:
        try:
            verdict = [r[0] for r in conn.execute("PRAGMA integrity_check(5)")]
            tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        except sqlite3.DatabaseError as exc:
            raise BackupError(f"{source} is not a SQLite database, or is damaged ({exc}); nothing was changed") from None
        if verdict != ["ok"]:
            raise BackupError(f"{source} is damaged or cut short (SQLite's integrity check: {'; '.join(verdict)[:200]}); "
                              "nothing was changed")
        revision = None
        if "alembic_version" in tables and "accounts" in tables:
            row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
            revision = row[0] if row else None
        check_revision(revision, source)
    finally:
        conn.close()


def copy_sqlite(source: Path, path: str) -> None:
    """Copy a SQLite database into ``path`` with SQLite's backup API (the target's own locks and
    journal are respected, so a file in WAL mode is replaced whole)."""
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    dst = sqlite3.connect(path)
    try:
        with dst:
            src.backup(dst)
    finally:
        dst.close()
        src.close()


def check_pg_backup(source: Path) -> None:
    """Refuse a file that is not pg_dump's custom format, or whose table of contents pg_restore
    cannot read (a file cut short)."""
    with source.open("rb") as f:
        head = f.read(5)
    if head != b"PGDMP":
        raise BackupError(f"{source} is not a PostgreSQL backup written by `packbill backup` (pg_dump's custom format); "
                          "nothing was changed")
    tool = shutil.which("pg_restore")
    if tool is None:
        raise BackupError("pg_restore is not installed here; run `pg_restore --no-owner --dbname DATABASE_URL FILE` where it is")
    done = subprocess.run([tool, "--list", str(source)], capture_output=True, text=True)
    if done.returncode != 0 or "TABLE DATA public accounts" not in done.stdout or "alembic_version" not in done.stdout:
        why = done.stderr.strip().splitlines()[-1] if done.stderr.strip() else "it holds no packbill schema"
        raise BackupError(f"{source} is not a usable packbill backup ({why}); nothing was changed")


def pg_restore_into(source: Path, url: str, clean: bool) -> None:
    """pg_restore in one transaction; ``clean``: the database's tables are dropped first (its
    public schema made anew: pg_restore's own --clean cannot drop a partitioned table's parts)."""
    tool = shutil.which("pg_restore")
    if tool is None:
        raise BackupError("pg_restore is not installed here; run `pg_restore --no-owner --dbname DATABASE_URL FILE` where it is")
    if clean:
        engine = sa.create_engine(normalise_url(url))
        try:
            with engine.begin() as conn:
                conn.execute(sa.text("DROP SCHEMA public CASCADE"))
                conn.execute(sa.text("CREATE SCHEMA public"))
        finally:
            engine.dispose()
    args = [tool, "--no-owner", "--exit-on-error", "--single-transaction", "--dbname", _pg_dsn(url), str(source)]
    done = subprocess.run(args, capture_output=True, text=True)
    if done.returncode != 0:
        raise BackupError(f"pg_restore failed: {done.stderr.strip().splitlines()[-1] if done.stderr.strip() else done.returncode}")


def pg_revision(url: str) -> str | None:
    engine = sa.create_engine(normalise_url(url))
    try:
        with engine.connect() as conn:
            if conn.execute(sa.text("SELECT to_regclass('public.alembic_version')")).scalar() is None:
                return None
            return conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()
    finally:
        engine.dispose()


def pg_has_tables(url: str) -> bool:
    engine = sa.create_engine(normalise_url(url))
    try:
        with engine.connect() as conn:
            return bool(conn.execute(sa.text("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")).scalar())
    finally:
        engine.dispose()


@contextmanager
def pg_scratch(url: str) -> Iterator[str]:
    """A new, empty database on the server of ``url``, dropped when the block ends."""
    name = f"packbill_restore_check_{uuid.uuid4().hex[:12]}"
    parsed = sa.engine.make_url(normalise_url(url))
    admin = sa.create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        try:
            yield parsed.set(database=name).render_as_string(hide_password=False)
        finally:
            with admin.connect() as conn:
                conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()
