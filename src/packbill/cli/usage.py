"""``packbill usage``: bulk import, export, archive and restore of raw usage events."""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated

import httpx
import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

from .. import services
from ..client import ApiError
from ..present import spreadsheet
from .common import Count, DbOpt, Errors, err, fail, open_ctx, out, parse_day
from .remote import ServerOpt, TokenOpt, connect

usage_app = typer.Typer(help="Usage: bulk import from CSV or JSON Lines; export, archive and restore raw events.", no_args_is_help=True)
GROUPS = {"usage": usage_app}


@usage_app.command("import")
def usage_import(file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)], db: DbOpt = None,
                 server: ServerOpt = None, token: TokenOpt = None) -> None:
    """Import usage events from FILE (.csv with a header, UTF-8 with or without a BOM, or JSON Lines: .jsonl, .ndjson, .json).

    Columns / keys: account_id, event_id, service, quantity, region, timestamp. The whole file
    is checked first: if any row is bad, each is reported with its line number and nothing is
    imported; the good rows wait in the temporary folder ($TMPDIR) meanwhile. Then it is stored
    in committed chunks; events already known are counted once, so a stopped import is
    completed exactly by running it again.
    """
    if not file.is_file():  # a pipe or a device: the file is read twice (checked, then stored)
        fail(f"{file} is not a regular file: save the events to a file first, then import that file")
    client = connect(server, token, db)
    if client is not None:
        out().print(_imported(*_import_through(client, file)))
        return
    ctx = open_ctx(db)
    size = file.stat().st_size
    with Progress(TextColumn("{task.description}"), BarColumn(), Count(),
                  TimeRemainingColumn(), console=err(), transient=False) as bar:
        checking = bar.add_task("checking (bytes)", total=size)
        storing = bar.add_task("storing (events)", total=None, visible=False)

        def progress(phase: str, n: int) -> None:
            if phase == "checking":
                bar.update(checking, advance=n)
            else:
                bar.update(storing, advance=n, visible=True)

        with Errors(ctx, "usage.send", file=str(file)) as found:
            result = services.import_file(ctx, file, progress)
            if result.bad:
                found["outcome"] = "invalid_usage"
        bar.update(storing, total=result.accepted + result.duplicates if not result.bad else 0)
    if result.bad:
        for row in result.bad:
            err().print(f"{file}:{row.line}: {row.reason}", soft_wrap=True, markup=False, highlight=False)
        done = "nothing was imported" if not result.accepted else f"{result.accepted} events were imported before it"
        fail(f"{len(result.bad)} bad row(s){' (first 100 shown)' if len(result.bad) >= 100 else ''}; {done}")
    out().print(_imported(result.rows, result.accepted, result.duplicates))


def _imported(rows: int, accepted: int, duplicates: int) -> str:
    def n(count: int, one: str, many: str) -> str:
        return f"{count:,} {one if count == 1 else many}"

    return (f"{n(rows, 'row', 'rows')}: {n(accepted, 'event', 'events')} imported, "
            f"{n(duplicates, 'repeated event id', 'repeated event ids')} counted once")


BATCH = 10_000
"""Events per request through a server (the API takes at most this many at once)."""


def _records(file: Path) -> Iterator[tuple[int, dict]]:
    """(line, record) of a CSV file with a header or a JSON Lines file, as the import reads them."""
    try:
        with file.open(encoding="utf-8-sig", newline="") as f:
            if file.suffix.lower() in services.JSON_LINES:
                for line, text in enumerate(f, 1):
                    if text.strip():
                        try:
                            record = json.loads(text)
                        except ValueError:
                            fail(f"{file}:{line}: not a JSON object; nothing more was sent")
                        yield line, record if isinstance(record, dict) else {}
                return
            reader = csv.DictReader(f)
            for record in reader:
                quantity = record.get("quantity")
                if isinstance(quantity, str) and quantity.strip().isdigit():
                    record["quantity"] = int(quantity)
                yield reader.line_num, record
    except UnicodeDecodeError as exc:
        fail(f"{file} is not UTF-8 text ({exc.reason}); nothing more was sent")


def _import_through(client, file: Path) -> tuple[int, int, int]:
    """Send a file's events through a server, each account's in batches of ``BATCH``; a batch with a
    bad event is refused whole: its rows are reported with their lines, and nothing more is sent."""
    rows = accepted = duplicates = 0
    waiting: dict[str, list[tuple[int, dict]]] = {}

    def send(account_id: str) -> None:
        nonlocal accepted, duplicates
        batch = waiting.pop(account_id, [])
        if not batch:
            return
        events = [{k: v for k, v in record.items() if k != "account_id"} for _, record in batch]
        sent = "nothing was imported" if not accepted else f"{accepted} events were imported before it"
        try:
            done = client.send_usage(account_id, events)
        except httpx.HTTPError as exc:
            fail(f"the server did not answer: {exc}; {sent}")
        except ApiError as exc:
            for bad in (exc.details or []) if isinstance(exc.details, list) else []:
                err().print(f"{file}:{batch[bad['index']][0]}: {bad['reason']}", soft_wrap=True, markup=False, highlight=False)
            fail(f"{exc.message} ({exc.code}); {sent}")
        accepted, duplicates = accepted + done.accepted, duplicates + done.duplicates

    for line, record in _records(file):
        rows += 1
        account_id = str(record.get("account_id") or "")
        if not account_id:
            fail(f"{file}:{line}: account_id is missing; {accepted} events were imported before it")
        waiting.setdefault(account_id, []).append((line, record))
        if len(waiting[account_id]) >= BATCH:
            send(account_id)
    for account_id in list(waiting):
        send(account_id)
    return rows, accepted, duplicates


@usage_app.command("archive")
def usage_archive(
    month: Annotated[str, typer.Option(help="The month to archive, YYYY-MM (final, and wholly before the lateness horizon).")],
    to: Annotated[Path, typer.Option("--to", help="The folder the Parquet file is written to.")],
    db: DbOpt = None,
) -> None:
    """Move a closed month's raw usage events to a compressed Parquet file (checked against the
    database before anything is removed). Bills, statements and day sums stay as they are."""
    from ..services import archive, books

    ctx = open_ctx(db)
    with Errors(ctx, "usage.archive", month=month, to=str(to)):
        done = archive.archive_month(ctx, books.parse_month(month), to)
    out().print(f"archived {done.rows:,} events of {done.month:%Y-%m} to {done.path} ({done.size:,} bytes, sha256 {done.sha256[:16]}...)")


@usage_app.command("restore")
def usage_restore(month: Annotated[str, typer.Option(help="The archived month, YYYY-MM.")], db: DbOpt = None) -> None:
    """Put an archived month's raw events back into the database."""
    from ..services import archive, books

    ctx = open_ctx(db)
    with Errors(ctx, "usage.restore", month=month):
        n = archive.restore_month(ctx, books.parse_month(month))
    out().print(f"restored {n:,} events of {month}")


@usage_app.command("export")
def usage_export(
    account_id: str,
    since: Annotated[str, typer.Option("--from", help="The first day, YYYY-MM-DD.")],
    until: Annotated[str, typer.Option("--to", help="The last day, YYYY-MM-DD.")],
    format: Annotated[str, typer.Option(help="The file format: jsonl or csv.")] = "jsonl",
    db: DbOpt = None,
) -> None:
    """Export every raw usage event of an account between two days, archived or not, as the metering sent
    it (for a dispute), to standard output."""
    from ..services import archive

    if format not in ("jsonl", "csv"):
        fail("--format is jsonl or csv")
    ctx = open_ctx(db)
    fields = ["account_id", "event_id", "service", "quantity", "region", "timestamp", "day", "archived"]
    with Errors():
        events = archive.export(ctx, account_id, parse_day(since, "from"), parse_day(until, "to"))
        if format == "csv":
            writer = spreadsheet.writer(sys.stdout)
            writer.writerow(fields)
            writer.writerows([e.get(f) for f in fields] for e in events)
        else:
            for e in events:
                sys.stdout.write(json.dumps(e, ensure_ascii=False) + "\n")

