"""packbill's command line (Typer + Rich). It calls the same services as the HTTP API."""

from __future__ import annotations

from decimal import Decimal
import json
import os
import shutil
import sys
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, ProgressColumn, TextColumn, TimeRemainingColumn
from rich.text import Text
from rich.table import Table

from .. import present, services
from ..services import operators
from ..domain import BillingError, CatalogError, UnknownSku, load_catalog
from ..domain.errors import InvalidRequest
from ..domain.days import check_supported
from ..domain.usage import parse_timestamp
from ..present import spreadsheet
from ..present.tables import bill_table, packages_table
from ..settings import Settings

app = typer.Typer(help="packbill: billing of prepaid resource packages for a video-AI cloud.", no_args_is_help=True)
catalog_app = typer.Typer(help="The catalog of packages and pay-as-you-go prices.", no_args_is_help=True)
accounts_app = typer.Typer(help="Accounts: create, list, show, switch traffic billing.", no_args_is_help=True)
packages_app = typer.Typer(help="Packages: buy, list, refund.", no_args_is_help=True)
usage_app = typer.Typer(help="Usage: bulk import from CSV or JSON Lines; export, archive and restore raw events.", no_args_is_help=True)
bills_app = typer.Typer(help="Bills: what was drawn from which package and what was billed.", no_args_is_help=True)
app.add_typer(catalog_app, name="catalog")
app.add_typer(accounts_app, name="accounts")
app.add_typer(packages_app, name="packages")
app.add_typer(usage_app, name="usage")
app.add_typer(bills_app, name="bills")
wallet_app = typer.Typer(help="The wallet: balance, state, top-ups and adjustments (operator).", no_args_is_help=True)
vouchers_app = typer.Typer(help="Vouchers: grant and list (operator).", no_args_is_help=True)
discount_app = typer.Typer(help="Discount rates (contracted prices).", no_args_is_help=True)
credit_app = typer.Typer(help="Credit limits.", no_args_is_help=True)
alert_app = typer.Typer(help="Low-balance alerts.", no_args_is_help=True)
app.add_typer(wallet_app, name="wallet")
app.add_typer(vouchers_app, name="vouchers")
app.add_typer(discount_app, name="discount")
app.add_typer(credit_app, name="credit-limit")
app.add_typer(alert_app, name="balance-alert")

out = Console()
err = Console(stderr=True)


def _version(value: bool) -> None:
    if value:
        from importlib.metadata import PackageNotFoundError, version

        try:
            print(f"packbill {version('packbill')}")
        except PackageNotFoundError:  # run from a source tree that was never installed
            print("packbill (not installed)")
        raise typer.Exit()


@app.callback()
def _consoles(
    show_version: Annotated[bool, typer.Option("--version", help="print packbill's version and exit", is_eager=True,
                                               callback=_version)] = False,
) -> None:
    """Consoles are made per invocation, so that COLUMNS and the terminal of this run count."""
    global out, err
    wide = None if sys.stdout.isatty() or shutil.get_terminal_size((0, 0)).columns else 160  # COLUMNS honoured
    out = Console(width=wide)
    err = Console(stderr=True, width=wide)

DbOpt = Annotated[Optional[str], typer.Option(
    "--db", help="sqlite:///file.db or postgresql://user@host:port/db \\[default: $PACKBILL_DB, else sqlite:///packbill.db]")]
CatalogOpt = Annotated[Optional[Path], typer.Option(
    "--catalog", help="a catalog TOML file \\[default: $PACKBILL_CATALOG, else the shipped catalog]")]
AsOfOpt = Annotated[Optional[str], typer.Option("--as-of", help="a moment, ISO 8601 with an offset, e.g. 2026-11-26T12:00:00+08:00")]


def _settings(**given) -> Settings:
    try:
        return Settings.load(**given)
    except ValueError as exc:
        _fail(f"bad configuration: {exc}")


def _ctx(db: Optional[str], catalog: Optional[Path] = None, create: bool = False) -> services.Context:
    """Services on --db (else $PACKBILL_DB) with the catalog of --catalog (else $PACKBILL_CATALOG).
    A SQLite file that does not exist is created only when ``create`` (serve, init): any other
    command says it is not there, rather than working on a new empty database by mistake."""
    settings = _settings(db=db, catalog=str(catalog) if catalog else None)
    path = services.sqlite_file(settings.db)
    if path is not None and not create and not os.path.exists(path):
        _fail(f"there is no database at {path}: check --db (or $PACKBILL_DB), or create it with "
              f"`packbill init --db {settings.db}` (`packbill serve` creates it too)")
    try:
        from ..server import context

        return context(settings)
    except (CatalogError, OSError) as exc:
        _fail(str(exc))
    except services.BadDatabaseUrl as exc:
        _fail(f"{exc}; write sqlite:///path/to/file.db or postgresql://user@host:5432/dbname")
    except services.Unavailable as exc:
        _fail(f"{exc.message}; check --db and that the database server is running")


def _fail(message: str, code: int = 1):
    err.print(f"[red]error:[/red] {escape(message)}", soft_wrap=True)
    raise typer.Exit(code)


def _moment(value: Optional[str], name: str) -> Optional[datetime]:
    if value is None:
        return None
    try:
        return parse_timestamp(value)
    except ValueError as exc:
        _fail(f"--{name} {exc}")


def _day(value: str, name: str) -> date:
    try:
        found = date.fromisoformat(value)
    except ValueError:
        _fail(f"--{name} must be a day written YYYY-MM-DD")
    try:
        return check_supported(found)
    except ValueError as exc:
        _fail(f"--{name} {exc}")


class _Count(ProgressColumn):
    """``done/total`` with thousands separators; ``?`` for a total not known yet (a TextColumn
    that formats a None total fails in the bar's refresh thread)."""

    def render(self, task) -> Text:
        total = f"{task.total:,.0f}" if task.total is not None else "?"
        return Text(f"{task.completed:,.0f}/{total}")


class _Errors:
    """Turn the rules' refusals into a clear message and exit code 1. Given a context and an
    action, the change is recorded in the audit trail (R24) as done by the operating-system
    user, accepted or refused (``operators.recorded``: a change commits with its record)."""

    def __init__(self, ctx: services.Context | None = None, action: str | None = None, account_id: str | None = None,
                 target: str | None = None, **parameters) -> None:
        self._recorded = None
        if action is not None and ctx is not None:
            self._recorded = operators.recorded(ctx, services.Principal.os_user(), "cli", action,
                                                target=target or account_id, account_id=account_id, parameters=parameters)
        self.found: dict = {}

    def __enter__(self):
        if self._recorded is not None:
            self.found = self._recorded.__enter__()
        return self.found

    def __exit__(self, kind, exc, tb):
        if self._recorded is not None:
            # an exit with status 0 is a success; any other, the command line's own refusal
            seen = None if isinstance(exc, typer.Exit) and not exc.exit_code else (
                InvalidRequest("refused by the command line") if isinstance(exc, typer.Exit) else exc)
            try:
                self._recorded.__exit__(type(seen) if seen else None, seen, tb if seen is exc else None)
            except services.Unavailable:
                err.print("[yellow]warning:[/yellow] the audit trail could not be written", soft_wrap=True)
        if isinstance(exc, (BillingError, UnknownSku)):
            _fail(getattr(exc, "message", str(exc)))
        if isinstance(exc, services.Unavailable):
            _fail(f"{exc.message}; nothing was changed, try again")
        return False


@app.command()
def serve(
    db: DbOpt = None,
    host: Annotated[Optional[str], typer.Option(help="address to listen on \\[default: $PACKBILL_HOST, else 127.0.0.1]")] = None,
    port: Annotated[Optional[int], typer.Option(help="port to listen on \\[default: $PACKBILL_PORT, else 8000]")] = None,
    catalog: CatalogOpt = None,
    workers: Annotated[Optional[int], typer.Option(help="server processes \\[default: $PACKBILL_WORKERS, else 1]")] = None,
    dispatch: Annotated[Optional[bool], typer.Option(
        "--dispatch/--no-dispatch", help="deliver webhooks in this server \\[default: $PACKBILL_DISPATCH, else yes]")] = None,
    schedule: Annotated[Optional[bool], typer.Option(
        "--schedule/--no-schedule", help="settle every ended day at --settle-at \\[default: $PACKBILL_SCHEDULE, else yes]")] = None,
    settle_at: Annotated[Optional[str], typer.Option(
        help="the daily settlement's time, HH:MM Beijing time \\[default: $PACKBILL_SETTLE_AT, else 08:00]")] = None,
) -> None:
    """Start the HTTP service (API v1 and the console), with the webhook dispatcher, the live
    reminders of fresh usage and the daily settlement. The operator token is
    $PACKBILL_OPERATOR_TOKEN."""
    from ..server import serve as run

    settings = _settings(db=db, host=host, port=port, catalog=str(catalog) if catalog else None, workers=workers,
                         dispatch=dispatch, schedule=schedule, settle_at=settle_at)
    if not settings.operator_token:
        err.print("[yellow]warning:[/yellow] PACKBILL_OPERATOR_TOKEN is not set: no operator can sign in")
    _ctx(settings.db, Path(settings.catalog) if settings.catalog else None, create=True).close()  # migrates before the server answers
    run(settings)


@app.command()
def backup(
    to: Annotated[Path, typer.Option("--to", help="the backup file to write")],
    db: DbOpt = None,
) -> None:
    """Back the database up while it is in use: SQLite with its online backup API (a consistent
    copy), PostgreSQL with pg_dump's custom format."""
    from ..services import backup as backups

    url = _settings(db=db).db
    _ctx(db).close()  # the database exists and is migrated
    try:
        how = backups.backup(url, to)
    except backups.BackupError as exc:
        _fail(str(exc))
    out.print(f"backed up to {to} ({how}, {to.stat().st_size:,} bytes)")


@app.command()
def restore(
    source: Annotated[Path, typer.Option("--from", help="a file written by `packbill backup`")],
    force: Annotated[bool, typer.Option(help="replace an existing SQLite file (PostgreSQL: drop what is there first)")] = False,
    db: DbOpt = None,
) -> None:
    """Restore a backup into --db: a new SQLite file, or an existing PostgreSQL database."""
    from ..services import backup as backups

    url = _settings(db=db).db
    try:
        how = backups.restore(source, url, force)
    except backups.BackupError as exc:
        _fail(str(exc))
    _ctx(db).close()  # brought up to date with this version's migrations
    out.print(f"restored {source} into {url} ({how})")


@app.command()
def init(db: DbOpt = None) -> None:
    """Create the database (a SQLite file, or the schema in an existing PostgreSQL database), or
    bring its schema up to date, and say where it is."""
    ctx = _ctx(db, create=True)
    ctx.close()
    path = services.sqlite_file(ctx.db.url)
    out.print(f"the database is ready: {os.path.abspath(path) if path else ctx.db.engine.url.render_as_string(hide_password=True)}")


@app.command()
def citus() -> None:
    """Print the SQL that distributes a migrated packbill database on Citus (every table by its
    account, the operator's small tables as reference tables); see docs/scale.md."""
    from ..services.cluster import citus_statements

    for statement in citus_statements():
        typer.echo(statement)


@app.command()
def dispatch(
    once: Annotated[bool, typer.Option("--once", help="deliver what is due now, then stop")] = False,
    db: DbOpt = None,
) -> None:
    """Deliver webhooks from the outbox (R25) until stopped with Ctrl-C: signed, retried at
    once, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h. Run it apart from the servers when they
    start with --no-dispatch; several dispatchers may run at once."""
    import signal
    import threading

    from datetime import timedelta

    from ..services import notify

    ctx = _ctx(db)
    lease = timedelta(seconds=_settings(db=db).dispatch_lease_seconds)
    if once:
        with _Errors():
            made = notify.dispatch_until_idle(ctx, lease=lease)
        out.print(f"{made} delivery attempt{'s' if made != 1 else ''} made; {notify.outbox_depth(ctx)} pending")
        return
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    out.print("dispatching webhooks; Ctrl-C stops")
    try:
        while not stop.is_set():
            try:
                notify.dispatch_until_idle(ctx, lease=lease)
            except services.Unavailable as exc:
                err.print(f"[yellow]the database is unavailable ({exc.message}); trying again[/yellow]", soft_wrap=True)
            stop.wait(1.0)
    except KeyboardInterrupt:
        pass
    out.print("stopped")


@catalog_app.command("show")
def catalog_show(catalog: CatalogOpt = None, format: Annotated[str, typer.Option(help="table or json")] = "table") -> None:
    """The packages on sale and the pay-as-you-go prices."""
    settings = _settings(catalog=str(catalog) if catalog else None)
    try:
        cat = load_catalog(settings.catalog)
    except (CatalogError, OSError) as exc:
        _fail(str(exc))
    if format == "json":
        sys.stdout.write(json.dumps(present.catalog_json(cat), ensure_ascii=False, indent=2) + "\n")
        return
    if format != "table":
        _fail("--format is table or json")
    table = Table(title="Resource packages")
    for col in ("SKU", "service", "size", "price (CNY)", "validity"):
        table.add_column(col, justify="right" if col in ("size", "price (CNY)") else "left")
    for p in cat.packages.values():
        table.add_row(p.sku, present.service_name(cat, p.service), present.quantity(p.service, p.size), present.money(p.price),
                      present.validity(p.validity))
    out.print(table)
    payg = Table(title="Pay-as-you-go")
    for col in ("service", "name", "price (CNY)", "per"):
        payg.add_column(col, justify="right" if col == "price (CNY)" else "left")
    for s in cat.services.values():
        price = str(s.flat_price) if s.flat_price is not None else "; ".join(
            f"{'≥' + format(prev, ',') + ': ' if prev else ''}{t.price}" for prev, t in zip([0] + [x.up_to for x in s.tiers[:-1]], s.tiers))
        payg.add_row(s.service, f"{s.name_zh} / {s.name_en}", price, present.price_unit(cat, s.service))
    out.print(payg)


@accounts_app.command("create")
def accounts_create(
    name: str,
    site: Annotated[str, typer.Option(help="cn (China site) or intl")] = "cn",
    payment: Annotated[str, typer.Option(help="balance (prepaid) or invoice (monthly billing)")] = "invoice",
    db: DbOpt = None,
) -> None:
    """Create an account and print its token (shown only this once)."""
    ctx = _ctx(db)
    with _Errors(ctx, "account.create", name=name, site=site, payment=payment) as found:
        account, token = services.create_account(ctx, name, site, payment=payment)
        found["target"] = account.id
    out.print(f"account [bold]{account.id}[/bold] ({account.name}, site {account.site.value}, {account.terms.value} terms)")
    out.print(f"token   [bold]{token}[/bold]  (keep it: it is not stored and cannot be shown again)")


@accounts_app.command("list")
def accounts_list(db: DbOpt = None) -> None:
    """Every account."""
    ctx = _ctx(db)
    table = Table()
    for col in ("id", "name", "site", "traffic billing", "pending switch"):
        table.add_column(col)
    for view in services.account_views(ctx):
        a = view.account
        pending = view.traffic_billing_next
        table.add_row(a.id, a.name, a.site.value, view.traffic_billing.value, f"{pending[0].value} from {pending[1]}" if pending else "")
    out.print(table)


@accounts_app.command("show")
def accounts_show(account_id: str, db: DbOpt = None, as_of: AsOfOpt = None) -> None:
    """One account and its traffic billing type."""
    ctx = _ctx(db)
    with _Errors():
        view = services.account_view(ctx, account_id, _moment(as_of, "as-of"))
    a = view.account
    out.print(f"[bold]{a.id}[/bold]  {a.name}  site {a.site.value}  created {a.created_at:%Y-%m-%d}")
    out.print(f"traffic billing: {view.traffic_billing.value}")
    if view.traffic_billing_next:
        mode, day = view.traffic_billing_next
        out.print(f"switching to {mode.value} from {day}")


@accounts_app.command("traffic-billing")
def accounts_traffic_billing(
    account_id: str,
    mode: Annotated[str, typer.Argument(help="traffic or daily_peak_bandwidth")],
    at: Annotated[Optional[str], typer.Option(help="when the request was made (backfills)")] = None,
    db: DbOpt = None,
) -> None:
    """Switch an account's traffic billing type (effective the next day)."""
    ctx = _ctx(db)
    with _Errors(ctx, "traffic_billing.switch", account_id, mode=mode, at=at):
        mode_value, effective = services.switch_traffic_billing(ctx, account_id, mode, _moment(at, "at"))
    out.print(f"{account_id}: traffic billed by {mode_value.value} from {effective}")


@packages_app.command("buy")
def packages_buy(
    account_id: str,
    sku: str,
    count: Annotated[int, typer.Option(min=1, max=100)] = 1,
    at: Annotated[Optional[str], typer.Option(help="purchase time (backfills)")] = None,
    db: DbOpt = None,
) -> None:
    """Buy COUNT packages of SKU for an account."""
    ctx = _ctx(db)
    with _Errors(ctx, "package.buy", account_id, sku=sku, count=count, at=at):
        result = services.buy(ctx, account_id, sku, count, _moment(at, "at"))
    for p in result.packages:
        out.print(f"bought {p.id}  {p.sku}  covers {p.first_day} to {p.last_day}")
    out.print(f"amount: {present.money(result.amount)} CNY")


@packages_app.command("list")
def packages_list(
    account_id: str,
    status: Annotated[Optional[str], typer.Option(help="only packages with this status")] = None,
    as_of: AsOfOpt = None,
    db: DbOpt = None,
) -> None:
    """An account's packages in draw order, with what remains."""
    ctx = _ctx(db)
    with _Errors():
        views = services.list_packages(ctx, account_id, _moment(as_of, "as-of"), status)
    out.print(packages_table(views))


@packages_app.command("refund")
def packages_refund(
    account_id: str,
    package_id: str,
    at: Annotated[Optional[str], typer.Option(help="refund time (backfills)")] = None,
    db: DbOpt = None,
) -> None:
    """The account's one no-reason refund (within 5 days, never drawn on)."""
    ctx = _ctx(db)
    with _Errors(ctx, "package.refund", account_id, target=package_id, at=at):
        result = services.refund(ctx, account_id, package_id, _moment(at, "at"))
    out.print(f"refunded {result.package.id} ({result.package.sku}): {present.money(result.amount)} CNY "
              f"(to cash {present.money(result.paid_back.cash)}, to vouchers {present.money(result.paid_back.voucher_total)})")


@usage_app.command("import")
def usage_import(file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)], db: DbOpt = None) -> None:
    """Import usage events from FILE (.csv with a header, UTF-8 with or without a BOM, or .jsonl).

    Columns / keys: account_id, event_id, service, quantity, region, timestamp. The whole file
    is checked first: if any row is bad, each is reported with its line number and nothing is
    imported. Then it is stored in committed chunks; events already known are counted once, so
    a stopped import is completed exactly by running it again.
    """
    if not file.is_file():  # a pipe or a device: the file is read twice (checked, then stored)
        _fail(f"{file} is not a regular file: save the events to a file first, then import that file")
    ctx = _ctx(db)
    size = file.stat().st_size
    with Progress(TextColumn("{task.description}"), BarColumn(), _Count(),
                  TimeRemainingColumn(), console=err, transient=False) as bar:
        checking = bar.add_task("checking (bytes)", total=size)
        storing = bar.add_task("storing (events)", total=None, visible=False)

        def progress(phase: str, n: int) -> None:
            if phase == "checking":
                bar.update(checking, advance=n)
            else:
                bar.update(storing, advance=n, visible=True)

        with _Errors(ctx, "usage.send", file=str(file)) as found:
            result = services.import_file(ctx, file, progress)
            if result.bad:
                found["outcome"] = "invalid_usage"
        bar.update(storing, total=result.accepted + result.duplicates if not result.bad else 0)
    if result.bad:
        for row in result.bad:
            err.print(f"{file}:{row.line}: {row.reason}", soft_wrap=True, markup=False, highlight=False)
        done = "nothing was imported" if not result.accepted else f"{result.accepted} events were imported before it"
        _fail(f"{len(result.bad)} bad row(s){' (first 100 shown)' if len(result.bad) >= 100 else ''}; {done}")
    out.print(f"{result.rows} rows: {result.accepted} events imported, {result.duplicates} duplicates counted once")


@usage_app.command("archive")
def usage_archive(
    month: Annotated[str, typer.Option(help="the month to archive, YYYY-MM (final, and wholly before the lateness horizon)")],
    to: Annotated[Path, typer.Option("--to", help="the folder the Parquet file is written to")],
    db: DbOpt = None,
) -> None:
    """Move a closed month's raw usage events to a compressed Parquet file (checked against the
    database before anything is removed). Bills, statements and day sums stay as they are."""
    from ..services import archive, books

    ctx = _ctx(db)
    with _Errors(ctx, "usage.archive", month=month, to=str(to)):
        done = archive.archive_month(ctx, books.parse_month(month), to)
    out.print(f"archived {done.rows:,} events of {done.month:%Y-%m} to {done.path} ({done.size:,} bytes, sha256 {done.sha256[:16]}...)")


@usage_app.command("restore")
def usage_restore(month: Annotated[str, typer.Option(help="the archived month, YYYY-MM")], db: DbOpt = None) -> None:
    """Put an archived month's raw events back into the database."""
    from ..services import archive, books

    ctx = _ctx(db)
    with _Errors(ctx, "usage.restore", month=month):
        n = archive.restore_month(ctx, books.parse_month(month))
    out.print(f"restored {n:,} events of {month}")


@usage_app.command("export")
def usage_export(
    account_id: str,
    since: Annotated[str, typer.Option("--from", help="first day, YYYY-MM-DD")],
    until: Annotated[str, typer.Option("--to", help="last day, YYYY-MM-DD")],
    format: Annotated[str, typer.Option(help="jsonl or csv")] = "jsonl",
    db: DbOpt = None,
) -> None:
    """Every raw usage event of an account between two days, archived or not, as the metering sent
    it (for a dispute), to standard output."""
    from ..services import archive

    if format not in ("jsonl", "csv"):
        _fail("--format is jsonl or csv")
    ctx = _ctx(db)
    fields = ["account_id", "event_id", "service", "quantity", "region", "timestamp", "day", "archived"]
    with _Errors():
        events = archive.export(ctx, account_id, _day(since, "from"), _day(until, "to"))
        if format == "csv":
            writer = spreadsheet.writer(sys.stdout)
            writer.writerow(fields)
            writer.writerows([e.get(f) for f in fields] for e in events)
        else:
            for e in events:
                sys.stdout.write(json.dumps(e, ensure_ascii=False) + "\n")


@app.command()
def settle(
    through: Annotated[str, typer.Option(help="settle every day up to and including this one (YYYY-MM-DD)")],
    at: Annotated[Optional[str], typer.Option(help="act as if it were this moment (backfills)")] = None,
    workers: Annotated[int, typer.Option(min=1, max=64, help="processes settling chunks of accounts at once (PostgreSQL; "
                                         "`packbill worker` processes on other machines join in too)")] = 1,
    db: DbOpt = None,
) -> None:
    """Settle every account's unsettled usage through a day that has ended, supplements included."""
    import subprocess

    from ..services import settlement

    ctx = _ctx(db)
    url = _settings(db=db).db
    helpers: list[subprocess.Popen] = []
    with Progress(TextColumn("settling accounts"), BarColumn(), TextColumn("{task.completed}/{task.total}"), console=err) as bar:
        task = bar.add_task("settle", total=None)

        def progress(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        with _Errors(ctx, "settlement.run", through=through, at=at, workers=workers):
            run_id = settlement.start(ctx, _day(through, "through"), _moment(at, "at"))
            if workers > 1 and services.sqlite_file(url) is not None:
                err.print("[yellow]note:[/yellow] SQLite has one writer: the workers take turns (use PostgreSQL to settle in parallel)")
            helpers = [subprocess.Popen([sys.executable, "-m", "packbill", "worker", "--run", str(run_id), "--db", url],
                                        stdout=subprocess.DEVNULL) for _ in range(workers - 1)]
            try:
                result = settlement.finish(ctx, run_id, progress=progress)
            finally:
                for helper in helpers:
                    helper.wait()
    out.print(f"settled {result.days} account-day(s), wrote {result.lines} bill line(s)")
    for account_id, reason in result.failed:
        err.print(f"[yellow]not settled:[/yellow] {escape(account_id)}: {escape(reason)}", soft_wrap=True)
    if result.failed:
        _fail(f"{len(result.failed)} account(s) could not be settled; their days stay unsettled (the others were settled)")


@app.command()
def worker(
    run: Annotated[Optional[int], typer.Option(help="work on this run only, then stop (as `settle --workers` starts them)")] = None,
    db: DbOpt = None,
) -> None:
    """Settle chunks of accounts of any settlement run that has work left, until stopped
    (SIGTERM finishes the chunk in hand). Run it on several machines against one PostgreSQL: each
    chunk is settled by one worker, and a worker that dies leaves its chunk to the others."""
    import signal
    import threading

    from ..services import settlement

    ctx = _ctx(db)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    done = 0
    try:
        if run is not None:
            done = settlement.work(ctx, run, stop=stop.is_set)
        else:
            out.print("settling whatever runs have work left; Ctrl-C stops")
            while not stop.is_set():
                for run_id in settlement.pending_runs(ctx):
                    done += settlement.work(ctx, run_id, stop=stop.is_set)
                stop.wait(1.0)
    except KeyboardInterrupt:
        pass
    except services.Unavailable as exc:
        _fail(f"{exc.message}; the chunk in hand was left to the others")
    out.print(f"{done} chunk{'s' if done != 1 else ''} settled")


@bills_app.command("show")
def bills_show(
    account_id: str,
    from_: Annotated[str, typer.Option("--from", help="first day YYYY-MM-DD")],
    to: Annotated[str, typer.Option("--to", help="last day YYYY-MM-DD")],
    format: Annotated[str, typer.Option(help="table, csv or json")] = "table",
    db: DbOpt = None,
) -> None:
    """An account's bill lines, with the packages that paid."""
    if format not in ("table", "csv", "json"):
        _fail("--format is table, csv or json")
    ctx = _ctx(db)
    with _Errors():
        lines = services.bills(ctx, account_id, _day(from_, "from"), _day(to, "to"))
    bill = present.bill_json(lines)
    rows = bill["lines"]
    if format == "json":
        sys.stdout.write(json.dumps(bill, ensure_ascii=False, indent=2) + "\n")
        return
    if format == "csv":
        writer = spreadsheet.writer(sys.stdout)
        writer.writerow(["day", "service", "quantity", "drawn", "payg_quantity", "amount", "supplement"])
        for r in rows:
            drawn = ";".join(f"{d['package_id']}:{d['quantity']}" for d in r["drawn"])
            writer.writerow([r["day"], r["service"], r["quantity"], drawn, r["payg_quantity"], r["amount"], r["supplement"]])
        return
    table = bill_table(lines, title=f"{account_id}: {from_} to {to}")
    out.print(table)


@app.command()
def reminders(account_id: str, as_of: AsOfOpt = None, db: DbOpt = None,
              lang: Annotated[str, typer.Option(help="en or zh")] = "en") -> None:
    """An account's reminders: packages expiring, running low, used up, frozen; low balance and arrears."""
    ctx = _ctx(db)
    with _Errors():
        at = _moment(as_of, "as-of")
        found = [(r.kind, r.day, present.reminder_message(r, ctx.catalog, lang)) for r in services.reminders(ctx, account_id, at)]
        found += [(r.kind, r.day, present.wallet_reminder_message(r, lang)) for r in services.wallet_reminders(ctx, account_id, at)]
    if not found:
        out.print("no reminders")
    for kind, day, message in found:
        out.print(f"[bold]{kind:11}[/bold] {day}  {escape(message)}")


def run() -> None:
    """Run the command line; a database that fails mid-command is one sentence, never a traceback."""
    try:
        app()
    except services.Unavailable as exc:
        Console(stderr=True).print(f"[red]error:[/red] {escape(exc.message)}; nothing was changed, try again", soft_wrap=True)
        raise SystemExit(1) from None



def _amount(value: str, name: str) -> Decimal:
    from ..domain.money import parse_decimal

    try:
        return parse_decimal(value)
    except ValueError as exc:
        _fail(f"{name}: {exc}")


def _key(account_id: str, *parts) -> services.IdempotencyKey:
    """One Idempotency-Key per command run, as the API's clients send one per request."""
    import hashlib
    import uuid

    return services.IdempotencyKey(account_id, f"cli-{uuid.uuid4().hex}", hashlib.sha256("|".join(map(str, parts)).encode()).hexdigest())


@accounts_app.command("payment")
def accounts_payment(account_id: str, terms: Annotated[str, typer.Argument(help="balance or invoice")], db: DbOpt = None) -> None:
    """Change an account's payment terms."""
    ctx = _ctx(db)
    with _Errors(ctx, "account.payment.set", account_id, payment=terms):
        purse = services.set_payment_terms(ctx, account_id, terms)
    out.print(f"{account_id}: {purse.terms.value} terms")


@wallet_app.command("show")
def wallet_show(account_id: str, as_of: AsOfOpt = None, db: DbOpt = None) -> None:
    """Balance, state, vouchers and service status of an account."""
    ctx = _ctx(db)
    with _Errors():
        view = services.wallet(ctx, account_id, _moment(as_of, "as-of"))
    purse = view.purse
    out.print(f"[bold]{account_id}[/bold]  {purse.terms.value} terms  state [bold]{view.state.value}[/bold]"
              + (f" since {purse.arrears_since:%Y-%m-%d %H:%M}" if purse.arrears_since else ""))
    grid = Table.grid(padding=(0, 2))
    grid.add_column()
    grid.add_column(justify="right")
    grid.add_row("balance (CNY)", present.money(purse.cash))
    grid.add_row("estimated, with unsettled usage", present.money(view.estimated_balance))
    grid.add_row("credit limit", present.money(purse.credit_limit))
    grid.add_row("low-balance alert below", present.money(purse.threshold) if purse.threshold is not None else "off")
    out.print(grid)
    if view.vouchers:
        table = Table(title="vouchers")
        for col in ("voucher", "amount", "remaining", "expires on", "services", "status"):
            table.add_column(col, justify="right" if col in ("amount", "remaining") else "left")
        for v in view.vouchers:
            table.add_row(v.id, present.money(v.amount), present.money(v.remaining), str(v.expires_on),
                          ", ".join(sorted(v.services)) if v.services else "all", v.status(view.day))
        out.print(table)
    stopped = [s for s, st in view.service_status.items() if st == "suspended"]
    if stopped:
        out.print(f"[red]suspended services:[/red] {', '.join(stopped)}")


@wallet_app.command("topup")
def wallet_topup(
    account_id: str,
    amount: Annotated[str, typer.Argument(help="CNY, e.g. 100.00")],
    reference: Annotated[str, typer.Option(help="the payment's own reference (a retry with it adds nothing)")],
    at: Annotated[Optional[str], typer.Option(help="when the payment arrived (backfills)")] = None,
    db: DbOpt = None,
) -> None:
    """Record a top-up (idempotent by its reference)."""
    ctx = _ctx(db)
    with _Errors(ctx, "topup.create", account_id, amount=amount, reference=reference, at=at):
        result = services.topup(ctx, account_id, _amount(amount, "amount"), reference, _moment(at, "at"),
                                _key(account_id, "topup", amount, reference))
    word = "topped up" if result.created else "already recorded"
    out.print(f"{word} {present.money(result.amount)} CNY ({result.reference}); balance {present.money(result.balance)} CNY")


@wallet_app.command("adjust")
def wallet_adjust(
    account_id: str,
    amount: Annotated[str, typer.Argument(help="CNY, negative to take away")],
    reason: Annotated[str, typer.Option(help="why the balance changes")],
    db: DbOpt = None,
) -> None:
    """Correct a balance (positive or negative), with a reason."""
    ctx = _ctx(db)
    with _Errors(ctx, "adjustment.create", account_id, amount=amount, reason=reason):
        result = services.adjust(ctx, account_id, _amount(amount, "amount"), reason, idem=_key(account_id, "adjust", amount, reason))
    out.print(f"adjusted by {present.money(result.amount)} CNY; balance {present.money(result.balance)} CNY")


@vouchers_app.command("grant")
def vouchers_grant(
    account_id: str,
    amount: Annotated[str, typer.Argument(help="CNY")],
    expires_on: Annotated[str, typer.Option(help="the last day it pays on, YYYY-MM-DD")],
    service: Annotated[Optional[list[str]], typer.Option(help="a service it may pay for (repeat; default all)")] = None,
    db: DbOpt = None,
) -> None:
    """Grant a voucher: it pays before cash, never arrears, and expires."""
    ctx = _ctx(db)
    with _Errors(ctx, "voucher.grant", account_id, amount=amount, expires_on=expires_on, services=service):
        v = services.grant_voucher(ctx, account_id, _amount(amount, "amount"), _day(expires_on, "expires-on"), service or None,
                                   idem=_key(account_id, "voucher", amount, expires_on, service))
    out.print(f"granted {v.id}: {present.money(v.amount)} CNY until {v.expires_on}"
              + (f" for {', '.join(sorted(v.services))}" if v.services else ""))


@vouchers_app.command("list")
def vouchers_list(account_id: str, db: DbOpt = None) -> None:
    """An account's vouchers."""
    ctx = _ctx(db)
    with _Errors():
        view = services.wallet(ctx, account_id)
    if not view.vouchers:
        out.print("no vouchers")
    for v in view.vouchers:
        out.print(f"{v.id}  {present.money(v.remaining)} of {present.money(v.amount)} CNY  until {v.expires_on}  {v.status(view.day)}")


@discount_app.command("set")
def discount_set(
    account_id: str,
    rate: Annotated[str, typer.Argument(help="0 < rate <= 1, e.g. 0.85 for 15 % off")],
    effective_day: Annotated[str, typer.Option("--from", help="first day it applies to, YYYY-MM-DD")],
    db: DbOpt = None,
) -> None:
    """Set an account's discount rate from a day on (earlier days keep theirs)."""
    ctx = _ctx(db)
    with _Errors(ctx, "discount.set", account_id, rate=rate, effective_day=effective_day):
        services.set_discount(ctx, account_id, _amount(rate, "rate"), _day(effective_day, "from"))
    out.print(f"{account_id}: rate {rate} from {effective_day}")


@credit_app.command("set")
def credit_limit_set(account_id: str, amount: Annotated[str, typer.Argument(help="CNY, at least 0")], db: DbOpt = None) -> None:
    """Set how far below zero purchases may take an account's cash."""
    ctx = _ctx(db)
    with _Errors(ctx, "credit_limit.set", account_id, amount=amount):
        purse = services.set_credit_limit(ctx, account_id, _amount(amount, "amount"))
    out.print(f"{account_id}: credit limit {present.money(purse.credit_limit)} CNY")


@alert_app.command("set")
def balance_alert_set(account_id: str, threshold: Annotated[str, typer.Argument(help="CNY, or 'off'")], db: DbOpt = None) -> None:
    """Remind the customer when a charge leaves the balance below THRESHOLD."""
    ctx = _ctx(db)
    value = None if threshold.strip().lower() == "off" else _amount(threshold, "threshold")
    with _Errors(ctx, "balance_alert.set", account_id, threshold=threshold):
        services.set_balance_alert(ctx, account_id, value)
    out.print(f"{account_id}: low-balance alert {'off' if value is None else 'below ' + present.money(value) + ' CNY'}")
