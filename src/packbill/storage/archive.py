"""Archives of raw usage events: a closed month's rows written to a compressed Parquet file,
checked, recorded with their sums, then removed from ``usage_events``; read back for exports and
restored on demand. The day sums, the bills and the statements never change: they are kept."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from . import partitions, schema
from .db import day_value
from .sql import from_us, insert_for, to_us

SCHEMA = pa.schema([
    ("account_id", pa.string()), ("event_id", pa.string()), ("service", pa.string()), ("quantity", pa.int64()),
    ("region", pa.string()), ("ts_us", pa.int64()), ("day", pa.date32()), ("window", pa.int16()), ("mainland", pa.bool_()),
])
COLUMNS = [f.name for f in SCHEMA]
BATCH = 100_000


@dataclass(frozen=True, slots=True)
class Archive:
    month: date
    path: str
    rows: int
    sha256: str
    archived_at: datetime
    restored_at: datetime | None


def _archive(row) -> Archive:
    return Archive(day_value(row.month), row.path, row.rows, row.sha256, from_us(row.archived_us),
                   from_us(row.restored_us) if row.restored_us is not None else None)


def archives(conn: Connection) -> list[Archive]:
    a = schema.usage_archives
    return [_archive(r) for r in conn.execute(sa.select(a).order_by(a.c.month))]


def archive_of(conn: Connection, month: date) -> Archive | None:
    a = schema.usage_archives
    row = conn.execute(sa.select(a).where(a.c.month == month)).first()
    return _archive(row) if row else None


def _month_rows(conn: Connection, first: date, last: date) -> Iterator[list[tuple]]:
    e = schema.usage_events
    query = (sa.select(*[e.c[c] for c in COLUMNS]).where(e.c.day >= first, e.c.day <= last).order_by(e.c.account_id, e.c.event_id))
    result = conn.execution_options(stream_results=True, yield_per=BATCH).execute(query)
    for part in result.partitions(BATCH):
        yield [tuple(r) for r in part]


def month_sums(conn: Connection, first: date, last: date) -> dict[tuple, tuple[int, int, int]]:
    """(account, day, service) -> (events, mainland quantity, other quantity) of the stored events."""
    e = schema.usage_events
    rows = conn.execute(sa.select(e.c.account_id, e.c.day, e.c.service, sa.func.count(),
                                  sa.func.sum(sa.case((e.c.mainland, e.c.quantity), else_=0)),
                                  sa.func.sum(sa.case((e.c.mainland, 0), else_=e.c.quantity)))
                        .where(e.c.day >= first, e.c.day <= last).group_by(e.c.account_id, e.c.day, e.c.service))
    return {(a, day_value(d), s): (int(n), int(m), int(o)) for a, d, s, n, m, o in rows}


def write_parquet(conn: Connection, first: date, last: date, path: Path) -> int:
    """Write the month's events to ``path`` (zstd), batch by batch; returns the rows written."""
    written = 0
    tmp = path.with_suffix(".partial")
    with pq.ParquetWriter(tmp, SCHEMA, compression="zstd") as writer:
        for rows in _month_rows(conn, first, last):
            columns = list(zip(*rows, strict=True))
            table = pa.Table.from_arrays([pa.array([day_value(d) for d in col] if name == "day" else col, type=SCHEMA.field(name).type)
                                          for name, col in zip(COLUMNS, columns, strict=True)], schema=SCHEMA)
            writer.write_table(table)
            written += len(rows)
    os.replace(tmp, path)
    return written


def file_sums(path: Path) -> dict[tuple, tuple[int, int, int]]:
    """The same sums as ``month_sums``, computed from the file alone."""
    table = pq.read_table(path, columns=["account_id", "day", "service", "quantity", "mainland"])
    out: dict[tuple, list[int]] = {}
    for batch in table.to_batches(BATCH):
        data = batch.to_pydict()
        for a, d, s, q, m in zip(data["account_id"], data["day"], data["service"], data["quantity"], data["mainland"], strict=True):
            entry = out.setdefault((a, d, s), [0, 0, 0])
            entry[0] += 1
            entry[1 if m else 2] += q
    return {k: (v[0], v[1], v[2]) for k, v in out.items()}


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def record_and_remove(conn: Connection, month: date, first: date, last: date, path: Path, rows: int, digest: str,
                      sums: dict[tuple, tuple[int, int, int]], at: datetime) -> int:
    """In one transaction: the archive, its sums (the audit checks the day sums against them),
    and the removal of the month's events. Returns the events removed."""
    conn.execute(sa.insert(schema.usage_archives).values(month=month, path=str(path), rows=rows, sha256=digest, archived_us=to_us(at)))
    if sums:
        conn.execute(sa.insert(schema.usage_archive_sums), [dict(month=month, account_id=a, day=d, service=s, events=n, mainland=m, other=o)
                                                       for (a, d, s), (n, m, o) in sorted(sums.items())])
    e = schema.usage_events
    if partitions.partitioned(conn):
        partitions.ensure(conn, {month})  # rows of the month still in the default partition move to its own
        conn.execute(sa.text(f"DELETE FROM usage_event_ids k USING {partitions.name(month)} e "
                             "WHERE k.account_id = e.account_id AND k.event_id = e.event_id"))
        removed = conn.execute(sa.text(f"SELECT count(*) FROM {partitions.name(month)}")).scalar_one()
        partitions.drop(conn, month)
        return removed
    return conn.execute(sa.delete(e).where(e.c.day >= first, e.c.day <= last)).rowcount


def forget(conn: Connection, month: date) -> None:
    """Drop the record of a restored archive (a new archive of the month replaces it)."""
    conn.execute(sa.delete(schema.usage_archive_sums).where(schema.usage_archive_sums.c.month == month))
    conn.execute(sa.delete(schema.usage_archives).where(schema.usage_archives.c.month == month))


def read_events(path: Path, account_id: str | None = None, first: date | None = None, last: date | None = None) -> Iterator[dict]:
    """The archived events, filtered (the file's row groups are skipped by their statistics)."""
    filters = []
    if account_id is not None:
        filters.append(("account_id", "=", account_id))
    if first is not None:
        filters.append(("day", ">=", first))
    if last is not None:
        filters.append(("day", "<=", last))
    table = pq.read_table(path, filters=filters or None)
    for batch in table.to_batches(BATCH):
        yield from batch.to_pylist()


def restore_rows(conn: Connection, month: date, path: Path, at: datetime) -> int:
    """Put the archived events back (the day sums hold them already, so they are not added
    again); the archive stays on disk, marked restored. Returns the events put back."""
    restored = 0
    stmt = insert_for(conn, schema.usage_events).on_conflict_do_nothing()
    ids = insert_for(conn, schema.usage_event_ids).on_conflict_do_nothing() if partitions.partitioned(conn) else None
    partitions.ensure(conn, {month})
    for batch in pq.ParquetFile(path).iter_batches(BATCH):
        rows = batch.to_pylist()
        if rows:
            if ids is not None:
                conn.execute(ids, [{"account_id": r["account_id"], "event_id": r["event_id"]} for r in rows])
            conn.execute(stmt, rows)
            restored += len(rows)
    conn.execute(sa.delete(schema.usage_archive_sums).where(schema.usage_archive_sums.c.month == month))
    conn.execute(sa.update(schema.usage_archives).where(schema.usage_archives.c.month == month).values(restored_us=to_us(at)))
    return restored
