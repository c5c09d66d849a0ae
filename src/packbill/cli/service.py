"""``packbill serve``, ``init``, ``citus``, ``openapi``, ``dispatch``, ``backup`` and ``restore``: running the service and keeping its database."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from .. import services
from .common import CatalogOpt, DbOpt, Errors, err, fail, load_settings, open_ctx, out

app = typer.Typer()
"""Commands at the top level."""
GROUPS = {}


@app.command()
def serve(
    db: DbOpt = None,
    host: Annotated[str | None, typer.Option(help="Address to listen on. \\[default: $PACKBILL_HOST, else 127.0.0.1]")] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on. \\[default: $PACKBILL_PORT, else 8000]")] = None,
    catalog: CatalogOpt = None,
    workers: Annotated[int | None, typer.Option(help="Server processes. \\[default: $PACKBILL_WORKERS, else 1]")] = None,
    dispatch: Annotated[bool | None, typer.Option(
        "--dispatch/--no-dispatch", help="Deliver webhooks in this server. \\[default: $PACKBILL_DISPATCH, else yes]")] = None,
    schedule: Annotated[bool | None, typer.Option(
        "--schedule/--no-schedule", help="Settle every ended day at --settle-at. \\[default: $PACKBILL_SCHEDULE, else yes]")] = None,
    settle_at: Annotated[str | None, typer.Option(
        help="The daily settlement's time, HH:MM Beijing time. \\[default: $PACKBILL_SETTLE_AT, else 08:00]")] = None,
    read_db: Annotated[str | None, typer.Option(
        help="A streaming replica of the PostgreSQL database: the console's pages, exports, statements and reports are read from it "
             "once it has caught up with the primary. \\[default: $PACKBILL_READ_DB, else none]")] = None,
) -> None:
    """Start the HTTP service (API v1 and the console), with the webhook dispatcher, the live
    reminders of fresh usage and the daily settlement. The operator token is
    $PACKBILL_OPERATOR_TOKEN."""
    from ..server import serve as run

    settings = load_settings(db=db, host=host, port=port, catalog=str(catalog) if catalog else None, workers=workers,
                         dispatch=dispatch, schedule=schedule, settle_at=settle_at, read_db=read_db)
    if not settings.operator_token:
        err().print("[yellow]warning:[/yellow] PACKBILL_OPERATOR_TOKEN is not set: no operator can sign in")
    # migrates before the server answers; a replica that is not one is refused here, in words
    ctx = open_ctx(settings.db, Path(settings.catalog) if settings.catalog else None, create=True, read_db=settings.read_db)
    problem = ctx.db.replica.standing() if ctx.db.replica is not None else None
    ctx.close()
    if problem is not None and "not a standby" in problem:
        fail(problem)
    if problem is not None:  # a replica down now may come back: the primary serves meanwhile
        err().print(f"[yellow]warning:[/yellow] {escape(problem)}; reads go to the primary until it answers")
    run(settings)


@app.command()
def backup(
    to: Annotated[Path, typer.Option("--to", help="The backup file to write.")],
    db: DbOpt = None,
) -> None:
    """Back the database up while it is in use: SQLite with its online backup API (a consistent
    copy), PostgreSQL with pg_dump's custom format."""
    from ..services import backup as backups

    url = load_settings(db=db).db
    open_ctx(db).close()  # the database exists and is migrated
    try:
        how = backups.backup(url, to)
    except backups.BackupError as exc:
        fail(str(exc))
    out().print(f"backed up to {to} ({how}, {to.stat().st_size:,} bytes)")


@app.command()
def restore(
    source: Annotated[Path, typer.Option("--from", help="A file written by `packbill backup`.")],
    force: Annotated[bool, typer.Option(help="Replace an existing SQLite file (PostgreSQL: drop what is there first).")] = False,
    db: DbOpt = None,
) -> None:
    """Restore a backup into --db: a new SQLite file, or an existing PostgreSQL database."""
    from ..services import backup as backups

    url = load_settings(db=db).db
    try:
        how = backups.restore(source, url, force)
    except backups.BackupError as exc:
        fail(str(exc))
    open_ctx(db).close()  # brought up to date with this version's migrations
    out().print(f"restored {source} into {url} ({how})")


@app.command()
def init(db: DbOpt = None) -> None:
    """Create the database (a SQLite file, or the schema in an existing PostgreSQL database), or
    bring its schema up to date, and say where it is."""
    ctx = open_ctx(db, create=True)
    ctx.close()
    path = services.sqlite_file(ctx.db.url)
    out().print(f"the database is ready: {os.path.abspath(path) if path else ctx.db.engine.url.render_as_string(hide_password=True)}")


@app.command()
def openapi(out_file: Annotated[Path, typer.Argument(help="The file to write, e.g. docs/openapi.json.")]) -> None:
    """Write the API's OpenAPI document, as the service publishes it at /openapi.json."""
    import json
    import tempfile

    from ..server import create_app

    with tempfile.TemporaryDirectory(prefix="packbill-openapi-") as folder:
        ctx = services.Context.open(f"sqlite:///{Path(folder) / 'doc.db'}", None)
        try:
            doc = create_app(ctx, "openapi-export").openapi()
        finally:
            ctx.close()
    try:
        out_file.write_text(json.dumps(doc, ensure_ascii=False, indent=1, sort_keys=True) + "\n", "utf-8")
    except OSError as exc:
        fail(f"cannot write {out_file}: {exc.strerror}")
    out().print(f"wrote {out_file}: {len(doc['paths'])} paths")


@app.command()
def citus() -> None:
    """Print the SQL that distributes a migrated packbill database on Citus (every table by its
    account, the operator's small tables as reference tables); see docs/scale.md."""
    from ..services import citus_statements

    for statement in citus_statements():
        typer.echo(statement)


@app.command()
def dispatch(
    once: Annotated[bool, typer.Option("--once", help="Deliver what is due now, then stop.")] = False,
    db: DbOpt = None,
) -> None:
    """Deliver webhooks from the outbox (R25) until stopped with Ctrl-C: signed, retried at
    once, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h. Run it apart from the servers when they
    start with --no-dispatch; several dispatchers may run at once."""
    import signal
    import threading
    from datetime import timedelta

    from ..services import inbox, webhooks

    ctx = open_ctx(db)
    lease = timedelta(seconds=load_settings(db=db).dispatch_lease_seconds)
    if once:
        with Errors():
            made = webhooks.dispatch_until_idle(ctx, lease=lease)
        out().print(f"{made} delivery attempt{'s' if made != 1 else ''} made; {inbox.outbox_depth(ctx)} pending")
        return
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    out().print("dispatching webhooks; Ctrl-C stops")
    try:
        while not stop.is_set():
            try:
                webhooks.dispatch_until_idle(ctx, lease=lease)
            except services.Unavailable as exc:
                err().print(f"[yellow]the database is unavailable ({exc.message}); trying again[/yellow]", soft_wrap=True)
            stop.wait(1.0)
    except KeyboardInterrupt:
        pass
    out().print("stopped")

