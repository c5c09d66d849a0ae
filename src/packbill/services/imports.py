"""Bulk usage import from CSV or JSON Lines files (the operator's backfills).

Two streaming passes, so a file far larger than memory works: the first checks every row
(and reports each bad row with its line number and reason), the second stores the events in
chunks. A file with any bad row imports nothing. Each chunk is one transaction, and every
event is counted once (R14), so an import that was interrupted can simply be run again.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

import sqlalchemy as sa

from ..domain import InvalidUsage, UsageEvent, check_event
from ..storage import schema as t
from .context import Context
from .usage import store_events

CHUNK = 20_000
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


def _rows(path: Path, on_bytes: Callable[[int], None] | None) -> Iterator[tuple[int, dict | str]]:
    """(line number, row as a dict) or (line number, reason) for each data line of the file."""
    jsonl = path.suffix.lower() in {".jsonl", ".ndjson", ".json"}
    with path.open("rb") as raw:
        text = io.TextIOWrapper(raw, encoding="utf-8", newline="")
        if jsonl:
            for number, line in enumerate(text, start=1):
                if on_bytes:
                    on_bytes(len(line))
                if not line.strip():
                    continue
                try:
                    row = json.loads(line)
                except ValueError:
                    yield number, "not a JSON object"
                    continue
                yield number, row if isinstance(row, dict) else "not a JSON object"
        else:
            reader = csv.reader(text)
            header = next(reader, None)
            if header is None:
                return
            header = [h.strip() for h in header]
            missing = [f for f in FIELDS if f not in header]
            if missing:
                yield 1, f"the header lacks {', '.join(missing)}"
                return
            for values in reader:
                if on_bytes:
                    on_bytes(sum(len(v) + 1 for v in values))
                if not values:
                    continue
                if len(values) != len(header):
                    yield reader.line_num, f"expected {len(header)} fields, found {len(values)}"
                    continue
                row: dict = dict(zip(header, values))
                q = row.get("quantity", "")
                row["quantity"] = int(q) if q.strip().isdigit() else q
                yield reader.line_num, row


def _event(ctx: Context, row: dict | str, accounts: set[str], now) -> tuple[str, UsageEvent] | str:
    if isinstance(row, str):
        return row
    account_id = row.get("account_id")
    if account_id not in accounts:
        return f"unknown account {account_id!r}"
    result = check_event({k: row.get(k) for k in FIELDS[1:] if k in row}, now, ctx.catalog)
    return result if isinstance(result, str) else (account_id, result)


def import_file(
    ctx: Context,
    path: str | Path,
    progress: Callable[[str, int], None] | None = None,
    max_reported: int = 100,
) -> ImportResult:
    """Check, then import ``path``. ``progress(phase, bytes)`` reports bytes read in each pass."""
    path = Path(path)
    now = ctx.now()
    with ctx.db.read() as conn:
        accounts = {r[0] for r in conn.execute(sa.select(t.accounts.c.id))}

    def reporter(phase: str):
        return (lambda n: progress(phase, n)) if progress else None

    bad: list[BadRow] = []
    rows = 0
    for number, row in _rows(path, reporter("check")):
        rows += 1
        result = _event(ctx, row, accounts, now)
        if isinstance(result, str):
            bad.append(BadRow(number, result))
            if len(bad) >= max_reported:
                break
    if bad:
        return ImportResult(rows, 0, 0, bad)

    accepted = duplicates = 0
    chunk: list[tuple[str, UsageEvent]] = []

    def flush() -> None:
        nonlocal accepted, duplicates
        if chunk:
            result = ctx.db.write_retrying(lambda conn: store_events(conn, ctx.catalog, chunk))
            accepted += result.accepted
            duplicates += result.duplicates
            chunk.clear()

    for _, row in _rows(path, reporter("import")):
        result = _event(ctx, row, accounts, now)
        if isinstance(result, str):  # the file changed between the passes
            raise InvalidUsage(f"{path} changed while it was imported: {result}")
        chunk.append(result)
        if len(chunk) >= CHUNK:
            flush()
    flush()
    return ImportResult(rows, accepted, duplicates, [])
