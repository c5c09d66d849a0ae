"""``packbill settle`` and ``worker``: daily settlement, in one process or many."""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from rich.markup import escape
from rich.progress import BarColumn, Progress, TextColumn

from .. import services
from .common import Count, DbOpt, Errors, err, fail, load_settings, moment, open_ctx, out, parse_day
from .remote import ServerOpt, TokenOpt, answer, call, connect

app = typer.Typer()
"""Commands at the top level."""
GROUPS = {}


@app.command()
def settle(
    through: Annotated[str, typer.Option(help="Settle every day up to and including this one (YYYY-MM-DD).")],
    at: Annotated[str | None, typer.Option(help="Act as if it were this moment (backfills).")] = None,
    workers: Annotated[int, typer.Option(min=1, max=64, help="How many processes settle chunks of accounts at once "
                                         "(PostgreSQL; `packbill worker` processes on other machines join in too).")] = 1,
    db: DbOpt = None,
    server: ServerOpt = None,
    token: TokenOpt = None,
) -> None:
    """Settle every account's unsettled usage through a day that has ended, supplements included."""
    import subprocess

    from ..services import settlement

    client = connect(server, token, db)
    if client is not None:
        if workers > 1:
            fail("--workers is for settling on the database; a server settles with its own workers")
        done = answer(call(lambda: client.settle(parse_day(through, "through"), at)))
        _said(done["days"], done["lines"], [(f["account_id"], f["reason"]) for f in done["failed"]])
        return
    day, when = parse_day(through, "through"), moment(at, "at")  # a typo is said before any bar is drawn
    ctx = open_ctx(db)
    url = load_settings(db=db).db
    helpers: list[subprocess.Popen] = []
    with Progress(TextColumn("settling accounts"), BarColumn(), Count(), console=err()) as bar:
        task = bar.add_task("settle", total=None)

        def progress(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        with Errors(ctx, "settlement.run", through=through, at=at, workers=workers):
            run_id = settlement.start(ctx, day, when)
            if workers > 1 and services.sqlite_file(url) is not None:
                err().print("[yellow]note:[/yellow] SQLite has one writer: the workers take turns (use PostgreSQL to settle in parallel)")
            helpers = [subprocess.Popen([sys.executable, "-m", "packbill", "worker", "--run", str(run_id), "--db", url],
                                        stdout=subprocess.DEVNULL) for _ in range(workers - 1)]
            try:
                result = settlement.finish(ctx, run_id, progress=progress)
            finally:
                for helper in helpers:
                    helper.wait()
    _said(result.days, result.lines, list(result.failed))


def _said(days: int, lines: int, failed: list[tuple[str, str]]) -> None:
    """What a settlement run did, both ways the same."""
    out().print(f"settled {days} account-day(s), wrote {lines} bill line(s)")
    for account_id, reason in failed:
        err().print(f"[yellow]not settled:[/yellow] {escape(account_id)}: {escape(reason)}", soft_wrap=True)
    if failed:
        fail(f"{len(failed)} account(s) could not be settled; their days stay unsettled (the others were settled)")


@app.command()
def worker(
    run: Annotated[int | None, typer.Option(help="Work on this run only, then stop (as `settle --workers` starts them).")] = None,
    db: DbOpt = None,
) -> None:
    """Settle chunks of accounts of any settlement run that has work left, until stopped
    (SIGTERM finishes the chunk in hand). Run it on several machines against one PostgreSQL: each
    chunk is settled by one worker, and a worker that dies leaves its chunk to the others."""
    import signal
    import threading

    from ..services import settlement

    ctx = open_ctx(db)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    done = 0
    try:
        if run is not None:
            done = settlement.work(ctx, run, stop=stop.is_set)
        else:
            out().print("settling whatever runs have work left; Ctrl-C stops")
            while not stop.is_set():
                for run_id in settlement.pending_runs(ctx):
                    done += settlement.work(ctx, run_id, stop=stop.is_set)
                stop.wait(1.0)
    except KeyboardInterrupt:
        pass
    except services.Unavailable as exc:
        fail(f"{exc.message}; the chunk in hand was left to the others")
    out().print(f"{done} chunk{'s' if done != 1 else ''} settled")

