"""Backups: SQLite's online backup API (a consistent copy while writers go on); for PostgreSQL,
pg_dump's custom format and pg_restore, the tools of the server's own."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
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


def restore(source: Path, url: str, force: bool = False) -> str:
    """Restore a backup made by ``backup`` into the database at ``url`` (a SQLite file that does
    not exist, unless ``force``; an existing, empty PostgreSQL database)."""
    if not source.exists():
        raise BackupError(f"there is no backup at {source}")
    path = sqlite_file(url)
    if path is not None:
        if Path(path).exists() and not force:
            raise BackupError(f"{path} exists; restore into a new file, or pass --force to replace it")
        src = sqlite3.connect(source)
        dst = sqlite3.connect(path)
        try:
            with dst:
                src.backup(dst)
        finally:
            dst.close()
            src.close()
        return "SQLite backup copied"
    tool = shutil.which("pg_restore")
    if tool is None:
        raise BackupError("pg_restore is not installed here; run `pg_restore --no-owner --dbname DATABASE_URL FILE` where it is")
    args = [tool, "--no-owner", "--exit-on-error", "--dbname", _pg_dsn(url), str(source)]
    if force:
        args[1:1] = ["--clean", "--if-exists"]
    done = subprocess.run(args, capture_output=True, text=True)
    if done.returncode != 0:
        raise BackupError(f"pg_restore failed: {done.stderr.strip().splitlines()[-1] if done.stderr.strip() else done.returncode}")
    return "pg_restore"
