"""Archiving closed months of raw usage events, exporting usage for disputes, restoring an
archive (R23: a month older than the lateness horizon, whose statements are final)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from ..domain.days import SHANGHAI, from_us, month_end, month_start, shanghai_day
from ..domain.errors import Conflict, InvalidRequest
from ..storage import archive as archive_store
from ..storage import books as books_store
from ..storage.archive import Archive
from .context import Context
from .usage import sum_pending


@dataclass(frozen=True, slots=True)
class ArchiveResult:
    month: date
    path: Path
    rows: int
    removed: int
    sha256: str
    size: int


def archive_month(ctx: Context, month: date, directory: Path) -> ArchiveResult:
    """Write the month's raw events to ``directory/usage-YYYY-MM.parquet``, check the file against
    the database (every account, day and service: the count and the quantities), record it, and
    remove the events. Only a month that can no longer change: its statements are final and it
    lies wholly before the lateness horizon (R23), so that no usage of it can arrive any more."""
    month = month_start(month)
    first, last = month, month_end(month)
    if ctx.lateness_days is None:
        raise InvalidRequest("archiving needs the lateness horizon (PACKBILL_LATENESS_DAYS): without it, usage of any month "
                             "may still arrive")
    horizon = shanghai_day(ctx.now() - timedelta(days=ctx.lateness_days))
    if last >= horizon:
        raise InvalidRequest(f"{month:%Y-%m} is not wholly before the lateness horizon ({horizon}): its usage may still arrive")
    sum_pending(ctx)  # the sums recorded with the archive hold every event it removes
    with ctx.db.read() as conn:
        if month not in books_store.final_month_rows(conn):
            raise InvalidRequest(f"the statements of {month:%Y-%m} are not final yet: settle through {last} first")
        existing = archive_store.archive_of(conn, month)
    if existing is not None and existing.restored_at is None:
        raise Conflict(f"{month:%Y-%m} is archived already, in {existing.path}")
    directory.mkdir(parents=True, exist_ok=True)
    path = (directory / f"usage-{month:%Y-%m}.parquet").resolve()
    with ctx.db.read() as conn:
        sums = archive_store.month_sums(conn, first, last)
        rows = archive_store.write_parquet(conn, first, last, path)
    if archive_store.file_sums(path) != sums or rows != sum(n for n, _, _ in sums.values()):
        path.unlink(missing_ok=True)
        raise Conflict(f"the archive of {month:%Y-%m} did not read back as the database holds it; nothing was removed")
    digest = archive_store.sha256(path)
    with ctx.db.write() as conn:
        if existing is not None:  # archived before, restored since: this archive replaces that one
            archive_store.forget(conn, month)
        removed = archive_store.record_and_remove(conn, month, first, last, path, rows, digest, sums, ctx.now())
    return ArchiveResult(month, path, rows, removed, digest, os.path.getsize(path))


def archives(ctx: Context) -> list[Archive]:
    with ctx.db.read() as conn:
        return archive_store.archives(conn)


def restore_month(ctx: Context, month: date) -> int:
    """Put an archived month's events back into the database (a re-import); returns how many."""
    month = month_start(month)
    with ctx.db.read() as conn:
        found = archive_store.archive_of(conn, month)
    if found is None or found.restored_at is not None:
        raise InvalidRequest(f"{month:%Y-%m} has no archive to restore")
    path = Path(found.path)
    if not path.exists() or archive_store.sha256(path) != found.sha256:
        raise Conflict(f"the archive file {path} is missing or not the one written (its SHA-256 differs)")
    with ctx.db.write() as conn:
        return archive_store.restore_rows(conn, month, path, ctx.now())


def export(ctx: Context, account_id: str, first: date, last: date) -> Iterator[dict]:
    """Every raw usage event of an account between two days, from the database and from the
    archives alike, as the metering sent it (for a dispute)."""
    if first > last:
        raise InvalidRequest("'from' is after 'to'")
    from ..storage import accounts as accounts_store
    from ..storage import reads

    with ctx.db.read() as conn:
        accounts_store.get_account(conn, account_id)
        live = reads.raw_events(conn, account_id, first, last)
        kept = [a for a in archive_store.archives(conn) if a.restored_at is None and a.month <= last and month_end(a.month) >= first]
    for a in kept:
        for e in archive_store.read_events(Path(a.path), account_id, first, last):
            yield _event(e) | {"archived": True}
    for e in live:
        yield _event(e) | {"archived": False}


def _event(e: dict) -> dict:
    return {"account_id": e["account_id"], "event_id": e["event_id"], "service": e["service"], "quantity": e["quantity"],
            "region": e["region"], "timestamp": from_us(e["ts_us"]).astimezone(SHANGHAI).isoformat(), "day": str(e["day"])}
