"""Bulk usage import from CSV or JSON Lines files (the operator's backfills and migrations).

The file is read in blocks of whole lines; blocks are parsed and checked on every core
(``domain.fastparse``, the same verdicts as the API) while the main process stores the rows
of the blocks already checked (``storage.bulk``). Memory stays flat whatever the file's size.
The whole import is one transaction: if any row is bad, each bad row is reported with its line
number and reason, and nothing is imported. On PostgreSQL it holds every account's share lock
from the start, so settlement waits for a running import (and ingest does not). Every event counts once (R14), so an import that
was stopped can simply be run again.
"""

from __future__ import annotations

import csv
import json
import multiprocessing
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

import sqlalchemy as sa

from ..domain import Catalog
from ..domain.fastparse import to_row
from ..storage import schema as t
from ..storage.bulk import store_rows
from ..storage.db import to_us
from ..storage.repo import lock_accounts_shared
from .context import Context

BLOCK = 4 * 1024 * 1024
FIELDS = ("account_id", "event_id", "service", "quantity", "region", "timestamp")


@dataclass(frozen=True, slots=True)
class BadRow:
    line: int
    reason: str


@dataclass(frozen=True, slots=True)
class ImportResult:
    rows: int
    accepted: int
    duplicates: int
    bad: list[BadRow]


class _Refused(Exception):
    """Raised inside the import's transaction to roll it back."""


def _blocks(path: Path, start: int) -> Iterator[tuple[int, bytes]]:
    """(number of the block's first line, block of whole lines) from byte ``start`` on."""
    line = 1
    with path.open("rb") as f:
        if start:
            f.seek(start)
            line = 2
        rest = b""
        while True:
            chunk = f.read(BLOCK)
            if not chunk:
                break
            chunk = rest + chunk
            cut = chunk.rfind(b"\n") + 1
            if cut == 0:
                rest = chunk
                continue
            block, rest = chunk[:cut], chunk[cut:]
            yield line, block
            line += block.count(b"\n")
        if rest:
            yield line, rest + b"\n"


# Worker state, set once per process by _init.
_W: dict = {}


def _init(catalog: Catalog, accounts: frozenset[str], now_us: int, header: list[str] | None) -> None:
    _W.update(catalog=catalog, accounts=accounts, now_us=now_us, header=header)


def _parse(job: tuple[int, bytes]) -> tuple[list[tuple], list[tuple[int, str]], int, int]:
    """Rows, bad (line, reason), data lines and bytes of one block."""
    first, block = job
    catalog, accounts, now_us, header = _W["catalog"], _W["accounts"], _W["now_us"], _W["header"]
    regions = catalog.regions
    lines = block.decode("utf-8", errors="replace").split("\n")[:-1]
    rows: list[tuple] = []
    bad: list[tuple[int, str]] = []
    if header is None:
        try:  # one parse for the whole block; line by line only if some line is not JSON
            records = json.loads("[" + ",".join(l if l.strip() else "null" for l in lines) + "]")
        except ValueError:
            records = []
            for l in lines:
                try:
                    records.append(json.loads(l) if l.strip() else None)
                except ValueError:
                    records.append(ValueError)
    else:
        records = []
        for values in csv.reader(lines):
            if not values:
                records.append(None)
            elif len(values) != len(header):
                records.append(f"expected {len(header)} fields, found {len(values)}")
            else:
                row = dict(zip(header, values))
                q = row.get("quantity", "")
                row["quantity"] = int(q) if q.strip().isdigit() else q
                records.append(row)
    data_lines = 0
    for offset, record in enumerate(records):
        number = first + offset
        if record is None:
            continue
        data_lines += 1
        if record is ValueError or type(record) is not dict:
            bad.append((number, record if isinstance(record, str) else "not a JSON object"))
            continue
        account_id = record.get("account_id")
        if account_id not in accounts:
            bad.append((number, f"unknown account {account_id!r}"))
            continue
        result = to_row(account_id, record, now_us, regions, catalog)
        if type(result) is str:
            bad.append((number, result))
        else:
            rows.append(result)
    return rows, bad, data_lines, len(block)


def _bounded(pool, blocks: Iterator[tuple[int, bytes]], ahead: int):
    """Results in order, with at most ``ahead`` blocks read but not yet stored: memory stays
    flat however large the file (Pool.imap would read the whole file ahead)."""
    from collections import deque

    pending: deque = deque()
    for job in blocks:
        pending.append(pool.apply_async(_parse, (job,)))
        if len(pending) >= ahead:
            yield pending.popleft().get()
    while pending:
        yield pending.popleft().get()


def import_file(
    ctx: Context,
    path: str | Path,
    progress: Callable[[int], None] | None = None,
    max_reported: int = 100,
    workers: int | None = None,
) -> ImportResult:
    """Import ``path`` (.jsonl / .ndjson / .json lines, or .csv with a header).

    ``progress(bytes)`` is called as blocks are done. ``workers``: parsing processes (default:
    the machine's cores; 1 parses in this process).
    """
    path = Path(path)
    with ctx.db.read() as conn:
        accounts = frozenset(r[0] for r in conn.execute(sa.select(t.accounts.c.id)))
    header: list[str] | None = None
    start = 0
    if path.suffix.lower() not in {".jsonl", ".ndjson", ".json"}:
        with path.open("rb") as f:
            first_line = f.readline()
        start = len(first_line)
        header = [h.strip() for h in next(csv.reader([first_line.decode("utf-8", errors="replace")]), [])]
        missing = [f for f in FIELDS if f not in header]
        if missing:
            return ImportResult(0, 0, 0, [BadRow(1, f"the header lacks {', '.join(missing)}")])
    init_args = (ctx.catalog, accounts, to_us(ctx.now()), header)
    workers = workers or min(2, os.cpu_count() or 1)
    small = path.stat().st_size <= BLOCK
    bad: list[BadRow] = []
    rows_seen = accepted = 0
    refused = False

    def run(results) -> None:
        nonlocal rows_seen, accepted, refused
        with ctx.db.write() as conn:
            # every account the file may name, in one order, before any row: a settlement that
            # holds some of them waits for the import instead of deadlocking with it
            lock_accounts_shared(conn, sorted(accounts))
            for rows, block_bad, data_lines, size in results:
                rows_seen += data_lines
                if block_bad:
                    refused = True
                    bad.extend(BadRow(n, r) for n, r in block_bad[: max(0, max_reported - len(bad))])
                if not refused:
                    accepted += store_rows(conn, rows, accounts_locked=True)
                if progress:
                    progress(size)
            if refused:
                raise _Refused

    try:
        if workers <= 1 or small:
            _init(*init_args)
            run(map(_parse, _blocks(path, start)))
        else:
            with multiprocessing.get_context("fork").Pool(workers, initializer=_init, initargs=init_args) as pool:
                run(_bounded(pool, _blocks(path, start), ahead=2 * workers))
    except _Refused:
        return ImportResult(rows_seen, 0, 0, bad)
    return ImportResult(rows_seen, accepted, rows_seen - accepted, [])
