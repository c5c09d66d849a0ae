"""Bulk usage import from CSV or JSON Lines files (the operator's backfills and migrations).

Two passes. First the whole file is checked: it is read in blocks of whole lines, parsed and
validated on every core (``services.validate``, the same verdicts as the API), and each process
stages the valid rows of its blocks beside the database in a file of its own
(``storage.staging``: no lock on the usage tables, nothing sent back to the main process); a
file with any bad row imports nothing, and each bad row is reported with its line number and
reason. Then the staged rows are stored by the same merge as every API batch, in committed
chunks of ``CHUNK`` lines, each under the locks of its own accounts: an API write never waits
behind an import for more than one chunk, and an import that was stopped is completed exactly
by running it again (every event counts once, R14). Memory stays flat whatever the file's size.
"""

from __future__ import annotations

import csv
import multiprocessing
import os
import tempfile
from collections import Counter, deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from ..domain.catalog import Catalog
from ..domain.days import to_us
from ..domain.errors import BillingError, InvalidRequest
from ..domain.usage import CONFLICTING_DUPLICATE, TOO_LATE, UsageRow, horizon_us, over_day_total
from ..process import gcpause
from ..process.instruments import INSTRUMENTS
from ..storage.accounts import known_account_ids
from ..storage.intake import ConflictingDuplicates, DayTotalExceeded
from ..storage.staging import MAX_PARTS, Staged, StageUnwritable, StageWriter
from .context import Context
from .validate import decode_json, to_row

BLOCK = 1024 * 1024
CHUNK = 50_000
"""Lines (so at most as many events) per committed transaction of the storing pass."""
FIELDS = ("account_id", "event_id", "service", "quantity", "region", "timestamp")
JSON_LINES = frozenset({".jsonl", ".ndjson", ".json"})
"""The file names read as JSON Lines (one event a line); any other is read as CSV with a header."""


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


class ImportFileError(InvalidRequest):
    """A file that cannot be read as usage at all (not UTF-8, no header, ...)."""


class ImportStageError(BillingError):
    """The import could not stage the checked rows (the temporary folder full or not writable);
    nothing was imported."""

    code = "service_unavailable"


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


def _init(catalog: Catalog, accounts: frozenset[str], now_us: int, header: list[str] | None, earliest_us: int | None,
          stage: str, chunk: int) -> None:
    _W.update(catalog=catalog, accounts=accounts, now_us=now_us, header=header, earliest_us=earliest_us, stage=stage, chunk=chunk,
              writer=None)


def _writer() -> StageWriter:
    """This process's part of the stage (made at its first good block)."""
    writer = _W["writer"]
    if writer is None:
        writer = _W["writer"] = StageWriter(_W["stage"])
    return writer


def _close_writer() -> None:
    if _W.get("writer") is not None:
        _W["writer"].close()
        _W["writer"] = None


def _decode(block: bytes, first: int) -> list[str]:
    try:
        return block.decode("utf-8").split("\n")[:-1]
    except UnicodeDecodeError as exc:
        line = first + block[: exc.start].count(b"\n")
        raise ImportFileError(f"line {line}: the file is not UTF-8 text (save it as UTF-8 and import it again)") from None


def _parse(job: tuple[int, bytes]) -> tuple[list[tuple[int, str]], int, int, Counter[int]]:
    """Check one block and stage its rows when all are good; its bad (line, reason), data lines,
    bytes, and rows staged per chunk of the storing pass (chunk k: lines k * chunk + 1 on)."""
    with gcpause.paused():
        rows, bad, data_lines, size = _parse_block(job)
        staged: Counter[int] = Counter()
        if rows and not bad:
            _writer().add(rows)
            chunk = _W["chunk"]
            staged.update((row[0] - 1) // chunk for row in rows)
        return bad, data_lines, size, staged


def _parse_block(job: tuple[int, bytes]) -> tuple[list[tuple], list[tuple[int, str]], int, int]:
    """Rows (line, account_id, event_id, service, quantity, region, ts_us, day as ISO text,
    window, mainland), bad (line, reason), data lines and bytes of one block."""
    first, block = job
    catalog, accounts, now_us, header, earliest_us = _W["catalog"], _W["accounts"], _W["now_us"], _W["header"], _W["earliest_us"]
    regions = catalog.regions
    lines = _decode(block, first)
    if first == 1 and lines and lines[0].startswith("\ufeff"):
        lines[0] = lines[0][1:]  # a byte-order mark, as Excel and WPS write
    rows: list[tuple] = []
    bad: list[tuple[int, str]] = []
    if header is None:
        try:  # one parse for the whole block; line by line only if some line is not JSON
            records = decode_json("[" + ",".join(ln if ln.strip() else "null" for ln in lines) + "]")
        except (ValueError, RecursionError):
            records = []
            for ln in lines:
                try:
                    records.append(decode_json(ln) if ln.strip() else None)
                except (ValueError, RecursionError):
                    records.append(ValueError)
    else:
        records = []
        for values in csv.reader(lines):
            if not values:
                records.append(None)
            elif len(values) != len(header):
                records.append(f"expected {len(header)} fields, found {len(values)}")
            else:
                row = dict(zip(header, values, strict=True))
                q = row.get("quantity", "")
                row["quantity"] = int(q) if q.strip().isdigit() and len(q.strip()) < 30 else q
                records.append(row)
    data_lines = 0
    indexed: list[tuple[int, UsageRow]] = []
    stamps: dict[str, int] = {}
    for offset, record in enumerate(records):
        number = first + offset
        if record is None:
            continue
        data_lines += 1
        if record is ValueError or type(record) is not dict:
            bad.append((number, record if isinstance(record, str) else "not a JSON object"))
            continue
        account_id = record.get("account_id")
        if not isinstance(account_id, str) or account_id not in accounts:
            bad.append((number, f"unknown account {account_id!r}"))
            continue
        result = to_row(account_id, record, now_us, regions, catalog, stamps)
        if isinstance(result, str):
            bad.append((number, result))
        elif earliest_us is not None and result.ts_us < earliest_us:
            bad.append((number, TOO_LATE))
        else:
            indexed.append((number, result))
    bad.extend(over_day_total(indexed))
    days: dict = {}
    rows = [(n, r.account_id, r.event_id, r.service, r.quantity, r.region, r.ts_us, days.get(r.day) or days.setdefault(r.day, r.day.isoformat()),
             r.window, r.mainland) for n, r in indexed]
    return rows, sorted(bad), data_lines, len(block)


def _bounded(pool, blocks: Iterator[tuple[int, bytes]], ahead: int):
    """Results in order, with at most ``ahead`` blocks read and not yet checked: memory stays
    flat however large the file (Pool.imap would read the whole file ahead)."""
    pending: deque = deque()
    for job in blocks:
        pending.append(pool.apply_async(_parse, (job,)))
        if len(pending) >= ahead:
            yield pending.popleft().get()
    while pending:
        yield pending.popleft().get()


def _header(path: Path) -> tuple[list[str] | None, int]:
    if path.suffix.lower() in JSON_LINES:
        return None, 0
    with path.open("rb") as f:
        first_line = f.readline()
    text = _decode(first_line if first_line.endswith(b"\n") else first_line + b"\n", 1)[0].lstrip("\ufeff")
    header = [h.strip() for h in next(csv.reader([text]), [])]
    if not any(header):
        raise ImportFileError(f"line 1: the file has no header line (the first line names the columns: {', '.join(FIELDS)})")
    missing = [f for f in FIELDS if f not in header]
    if missing:
        raise ImportFileError(f"line 1: the header lacks {', '.join(missing)} (it needs {', '.join(FIELDS)})")
    return header, len(first_line)


def import_file(
    ctx: Context,
    path: str | Path,
    progress: Callable[[str, int], None] | None = None,
    max_reported: int = 100,
    workers: int | None = None,
    chunk: int = CHUNK,
) -> ImportResult:
    """Import ``path`` (.jsonl / .ndjson / .json lines, or .csv with a header).

    ``progress(phase, n)``: phase "checking" with bytes done, then "storing" with events done.
    ``workers``: parsing processes (default: up to 2; 1 parses in this process; at most 8).
    """
    path = Path(path)
    try:
        header, start = _header(path)
    except ImportFileError as exc:
        return ImportResult(0, 0, 0, [BadRow(1, str(exc).removeprefix("line 1: "))])
    if progress and start:
        progress("checking", start)  # the header line
    with ctx.db.read() as conn:
        accounts = known_account_ids(conn)
    now_us = to_us(ctx.now())
    workers = min(workers or min(2, os.cpu_count() or 1), MAX_PARTS)
    with tempfile.TemporaryDirectory(prefix="packbill-import-") as directory:
        checked = _Checked(max_reported, progress)
        try:
            checked.run(path, start, workers,
                        (ctx.catalog, accounts, now_us, header, horizon_us(now_us, ctx.lateness_days), directory, chunk))
        except ImportFileError as exc:
            line, _, reason = str(exc).partition(": ")
            return ImportResult(checked.rows_seen, 0, 0, [*checked.bad, BadRow(int(line.removeprefix("line ")), reason)][:max_reported])
        except StageUnwritable as exc:
            raise ImportStageError(f"{exc}: the stage takes at most about as much room as the file; free some there, or set TMPDIR to "
                                   "a folder with room, and import again; nothing was imported") from None
        if checked.bad:
            return ImportResult(checked.rows_seen, 0, 0, checked.bad)
        stage = Staged(ctx.db, directory)
        try:
            accepted = _store(stage, chunk, checked.staged, progress)
        except _Conflicts as exc:
            return ImportResult(checked.rows_seen, exc.accepted, 0, [
                BadRow(line, f"{CONFLICTING_DUPLICATE}: this event id was sent before with another content (service, quantity, "
                             f"region or time); {exc.accepted} events were imported before it (running the import again after "
                             "fixing the file completes it exactly)") for line in exc.lines][:max_reported])
        finally:
            stage.close()
    rows_seen = checked.rows_seen
    INSTRUMENTS.events_ingested.labels("import").inc(accepted)
    INSTRUMENTS.events_duplicate.labels("import").inc(rows_seen - accepted)
    return ImportResult(rows_seen, accepted, rows_seen - accepted, [])


class _Checked:
    """Pass 1: every line of the file checked (in worker processes when it is large), each
    process staging the good rows of its blocks; the bad ones reported, up to ``max_reported``."""

    def __init__(self, max_reported: int, progress: Callable[[str, int], None] | None) -> None:
        self.max_reported, self.progress = max_reported, progress
        self.bad: list[BadRow] = []
        self.rows_seen = 0
        self.staged: Counter[int] = Counter()

    def run(self, path: Path, start: int, workers: int, init_args: tuple) -> None:
        if workers <= 1 or path.stat().st_size <= BLOCK:
            _init(*init_args)
            try:
                with gcpause.paused():
                    self.take(map(_parse, _blocks(path, start)))
            finally:
                _close_writer()
        else:  # the workers are forked before the collector is paused here, and pause it per block
            with multiprocessing.get_context("fork").Pool(workers, initializer=_init, initargs=init_args) as pool, gcpause.paused():
                self.take(_bounded(pool, _blocks(path, start), ahead=2 * workers))

    def take(self, results) -> None:
        for block_bad, data_lines, size, staged in results:
            self.rows_seen += data_lines
            self.staged.update(staged)
            if block_bad:
                self.bad.extend(BadRow(n, r) for n, r in block_bad[: max(0, self.max_reported - len(self.bad))])
            if self.progress:
                self.progress("checking", size)


class _Conflicts(Exception):
    def __init__(self, lines: list[int], accepted: int) -> None:
        super().__init__(f"{len(lines)} conflicting duplicates")
        self.lines, self.accepted = lines, accepted


def _store(stage: Staged, chunk: int, staged: Counter[int], progress: Callable[[str, int], None] | None) -> int:
    """Pass 2: the staged rows, chunk of lines after committed chunk (``staged``: rows per chunk)."""
    accepted = 0
    for k, rows in sorted(staged.items()):
        try:
            accepted += stage.merge(k * chunk + 1, (k + 1) * chunk, rows)
        except ConflictingDuplicates as exc:
            raise _Conflicts(exc.positions, accepted) from None
        except DayTotalExceeded as exc:
            keys = ", ".join(f"{a} {d} {s}" for a, d, s in sorted(exc.keys)[:5])
            raise ImportFileError(f"the usage of {keys} would pass the limit of one day's total; "
                                  f"{accepted} events were imported before it (running the import again after fixing "
                                  "the file completes it exactly)") from None
        if progress:
            progress("storing", rows)
    return accepted
