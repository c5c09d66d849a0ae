"""``packbill backup`` and ``packbill restore``.

A restore replaces nothing until the backup has been verified whole: that it is a backup of a
packbill database at all (format, schema version), that it is not damaged or cut short (SQLite's
integrity check; pg_restore reading it whole into a scratch database), and that its books are
sound (the audit, R21, on the restored copy). Only then is it copied over the target. Every
refusal is one sentence, and leaves the target as it was."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from ..domain.catalog import load_catalog
from ..storage import backup as backup_store
from ..storage.backup import BackupError, backup
from ..storage.db import Database, sqlite_file
from .audit import audit
from .context import Context

__all__ = ["BackupError", "backup", "restore"]


def _audited(url: str, source: Path) -> None:
    """Bring the copy at ``url`` to this version's schema and audit its books."""
    try:
        ctx = Context(Database(url), load_catalog(None))
    except Exception as exc:  # noqa: BLE001 - a copy that cannot be migrated is not restorable
        raise BackupError(f"{source} cannot be brought up to this version's schema ({str(exc).splitlines()[0][:200]}); "
                          "nothing was changed") from None
    try:
        violations = audit(ctx)
    finally:
        ctx.close()
    if violations:
        raise BackupError(f"the books in {source} are not sound ({len(violations)} violation(s); the first: "
                          f"{violations[0].message[:200]}); nothing was changed")


def restore(source: Path, url: str, force: bool = False) -> str:
    """Restore a backup made by ``backup`` into the database at ``url`` (a SQLite file that does
    not exist, unless ``force``; a PostgreSQL database without tables, unless ``force``), once
    it has been verified whole."""
    if not source.exists() or not source.is_file():
        raise BackupError(f"there is no backup at {source}")
    path = sqlite_file(url)
    if path is not None:
        if Path(path).exists() and not force:
            raise BackupError(f"{path} exists; restore into a new file, or pass --force to replace it")
        backup_store.check_sqlite_backup(source)
        folder = Path(path).resolve().parent
        if not folder.is_dir():
            raise BackupError(f"there is no folder {folder} to restore into")
        fd, scratch = tempfile.mkstemp(prefix=".packbill-restore-", suffix=".db", dir=folder)
        os.close(fd)
        try:
            backup_store.copy_sqlite(source, scratch)
            _audited(f"sqlite:///{scratch}", source)
            backup_store.copy_sqlite(Path(scratch), path)
        finally:
            for leftover in (scratch, scratch + "-wal", scratch + "-shm"):
                if os.path.exists(leftover):
                    os.remove(leftover)
        return "SQLite backup verified and copied"
    if not url.startswith(("postgresql://", "postgres://", "postgresql+psycopg://")):
        raise BackupError("restores are for sqlite:/// and postgresql:// databases")
    backup_store.check_pg_backup(source)
    if not force and backup_store.pg_has_tables(url):
        raise BackupError("the target database has tables already; restore into an empty one, or pass --force to replace them")
    with backup_store.pg_scratch(url) as scratch:
        backup_store.pg_restore_into(source, scratch, clean=False)
        backup_store.check_revision(backup_store.pg_revision(scratch), source)
        _audited(scratch, source)
    backup_store.pg_restore_into(source, url, clean=force)
    return "pg_restore, verified first"
