"""packbill's command line (Typer + Rich). It calls the same services as the HTTP API."""

from __future__ import annotations

import csv
import json
import os
import sys
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from .. import services
from ..domain import BillingError, CatalogError, UnknownSku
from ..domain.money import format_mbps, format_money, format_quantity
from ..domain.usage import parse_timestamp
from ..storage.db import DEFAULT_URL
from .tables import packages_table

app = typer.Typer(help="packbill: billing of prepaid resource packages for a video-AI cloud.", no_args_is_help=True)
catalog_app = typer.Typer(help="The catalog of packages and pay-as-you-go prices.", no_args_is_help=True)
accounts_app = typer.Typer(help="Accounts: create, list, show, switch traffic billing.", no_args_is_help=True)
packages_app = typer.Typer(help="Packages: buy, list, refund.", no_args_is_help=True)
usage_app = typer.Typer(help="Usage: bulk import from CSV or JSON Lines.", no_args_is_help=True)
bills_app = typer.Typer(help="Bills: what was drawn from which package and what was billed.", no_args_is_help=True)
app.add_typer(catalog_app, name="catalog")
app.add_typer(accounts_app, name="accounts")
app.add_typer(packages_app, name="packages")
app.add_typer(usage_app, name="usage")
app.add_typer(bills_app, name="bills")

out = Console()
err = Console(stderr=True)


@app.callback()
def _consoles() -> None:
    """Consoles are made per invocation, so that COLUMNS and the terminal of this run count."""
    global out, err
    wide = None if os.environ.get("COLUMNS") or sys.stdout.isatty() else 160
    out = Console(width=wide)
    err = Console(stderr=True, width=wide)

DbOpt = Annotated[str, typer.Option("--db", envvar="PACKBILL_DB", help="sqlite:///file.db or postgresql://user@host:port/db")]
CatalogOpt = Annotated[Optional[Path], typer.Option("--catalog", envvar="PACKBILL_CATALOG", help="a catalog TOML file (default: the shipped one)")]


def _ctx(db: str, catalog: Optional[Path] = None) -> services.Context:
    """Services on ``db`` with the catalog of --catalog, else $PACKBILL_CATALOG, else the shipped one."""
    path = str(catalog) if catalog else os.environ.get("PACKBILL_CATALOG") or None
    try:
        return services.Context.open(db, path)
    except CatalogError as exc:
        _fail(str(exc))


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
        return date.fromisoformat(value)
    except ValueError:
        _fail(f"--{name} must be a day written YYYY-MM-DD")


class _Errors:
    """Turn the rules' refusals into a clear message and exit code 1."""

    def __enter__(self):
        return self

    def __exit__(self, kind, exc, tb):
        if isinstance(exc, (BillingError, UnknownSku)):
            _fail(getattr(exc, "message", str(exc)))
        return False


@app.command()
def serve(
    db: DbOpt = DEFAULT_URL,
    host: Annotated[str, typer.Option(help="address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="port to listen on")] = 8000,
    catalog: CatalogOpt = None,
    workers: Annotated[int, typer.Option(help="server processes (PostgreSQL; SQLite works with several too)")] = 1,
) -> None:
    """Start the HTTP service (API v1 and the console). The operator token is $PACKBILL_OPERATOR_TOKEN."""
    import uvicorn

    if not os.environ.get("PACKBILL_OPERATOR_TOKEN"):
        err.print("[yellow]warning:[/yellow] PACKBILL_OPERATOR_TOKEN is not set: no operator can sign in")
    ctx = _ctx(db, catalog)  # migrates the schema before the server answers
    ctx.close()
    os.environ["PACKBILL_DB"] = db
    if catalog:
        os.environ["PACKBILL_CATALOG"] = str(catalog)
    uvicorn.run("packbill.api.serve:app_from_env", factory=True, host=host, port=port, workers=workers, log_level="info")


@catalog_app.command("show")
def catalog_show(catalog: CatalogOpt = None, format: Annotated[str, typer.Option(help="table or json")] = "table") -> None:
    """The packages on sale and the pay-as-you-go prices."""
    from ..domain import load_catalog
    from ..domain.catalog import PRICE_UNIT_LABEL

    try:
        cat = load_catalog(catalog)
    except CatalogError as exc:
        _fail(str(exc))
    if format == "json":
        out.print_json(json.dumps({
            "packages": [{"sku": p.sku, "service": p.service, "size": p.size, "price": format_money(p.price),
                          "validity": str(p.validity)} for p in cat.packages.values()],
            "payg": [{"service": s.service, "tiers": [{"up_to": t.up_to, "price": str(t.price)} for t in s.tiers]}
                     for s in cat.services.values()],
        }))
        return
    table = Table(title="Resource packages")
    for col in ("SKU", "service", "size", "price (CNY)", "validity"):
        table.add_column(col, justify="right" if col in ("size", "price (CNY)") else "left")
    for p in cat.packages.values():
        table.add_row(p.sku, p.service, format_quantity(p.service, p.size), format_money(p.price), str(p.validity))
    out.print(table)
    payg = Table(title="Pay-as-you-go")
    for col in ("service", "name", "price (CNY)", "per"):
        payg.add_column(col)
    for s in cat.services.values():
        price = str(s.flat_price) if s.flat_price is not None else "; ".join(
            f"{'≥' + format(prev, ',') + ': ' if prev else ''}{t.price}" for prev, t in zip([0] + [x.up_to for x in s.tiers[:-1]], s.tiers))
        payg.add_row(s.service, f"{s.name_zh} / {s.name_en}", price, PRICE_UNIT_LABEL[s.unit])
    out.print(payg)


@accounts_app.command("create")
def accounts_create(
    name: str,
    site: Annotated[str, typer.Option(help="cn (China site) or intl")] = "cn",
    db: DbOpt = DEFAULT_URL,
) -> None:
    """Create an account and print its token (shown only this once)."""
    ctx = _ctx(db)
    with _Errors():
        account, token = services.create_account(ctx, name, site)
    out.print(f"account [bold]{account.id}[/bold] ({account.name}, site {account.site.value})")
    out.print(f"token   [bold]{token}[/bold]  (keep it: it is not stored and cannot be shown again)")


@accounts_app.command("list")
def accounts_list(db: DbOpt = DEFAULT_URL) -> None:
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
def accounts_show(account_id: str, db: DbOpt = DEFAULT_URL, as_of: Annotated[Optional[str], typer.Option("--as-of")] = None) -> None:
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
    db: DbOpt = DEFAULT_URL,
) -> None:
    """Switch an account's traffic billing type (effective the next day)."""
    ctx = _ctx(db)
    with _Errors():
        mode_value, effective = services.switch_traffic_billing(ctx, account_id, mode, _moment(at, "at"))
    out.print(f"{account_id}: traffic billed by {mode_value.value} from {effective}")


@packages_app.command("buy")
def packages_buy(
    account_id: str,
    sku: str,
    count: Annotated[int, typer.Option(min=1, max=100)] = 1,
    at: Annotated[Optional[str], typer.Option(help="purchase time (backfills)")] = None,
    db: DbOpt = DEFAULT_URL,
) -> None:
    """Buy COUNT packages of SKU for an account."""
    ctx = _ctx(db)
    with _Errors():
        result = services.buy(ctx, account_id, sku, count, _moment(at, "at"))
    for p in result.packages:
        out.print(f"bought {p.id}  {p.sku}  covers {p.first_day} to {p.last_day}")
    out.print(f"amount: {format_money(result.amount)} CNY")


@packages_app.command("list")
def packages_list(
    account_id: str,
    status: Annotated[Optional[str], typer.Option(help="only packages with this status")] = None,
    as_of: Annotated[Optional[str], typer.Option("--as-of")] = None,
    db: DbOpt = DEFAULT_URL,
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
    db: DbOpt = DEFAULT_URL,
) -> None:
    """The account's one no-reason refund (within 5 days, never drawn on)."""
    ctx = _ctx(db)
    with _Errors():
        package, amount = services.refund(ctx, account_id, package_id, _moment(at, "at"))
    out.print(f"refunded {package.id} ({package.sku}): {format_money(amount)} CNY")


@usage_app.command("import")
def usage_import(file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)], db: DbOpt = DEFAULT_URL) -> None:
    """Import usage events from FILE (.csv with a header, or .jsonl).

    Columns / keys: account_id, event_id, service, quantity, region, timestamp. The import is
    one transaction: if any row is bad, each is reported with its line number and nothing is
    imported. Events already known are counted once, so a stopped import can be run again.
    """
    ctx = _ctx(db)
    size = file.stat().st_size
    with Progress(TextColumn("{task.description}"), BarColumn(), DownloadColumn(), TimeRemainingColumn(),
                  console=err, transient=False) as bar:
        task = bar.add_task("importing", total=size)

        def progress(n: int) -> None:
            bar.update(task, advance=n)

        with _Errors():
            result = services.import_file(ctx, file, progress)
    if result.bad:
        for row in result.bad:
            err.print(f"{file}:{row.line}: {row.reason}", soft_wrap=True, markup=False, highlight=False)
        _fail(f"{len(result.bad)} bad row(s){' (first 100 shown)' if len(result.bad) >= 100 else ''}; nothing was imported")
    out.print(f"{result.rows} rows: {result.accepted} events imported, {result.duplicates} duplicates counted once")


@app.command()
def settle(
    through: Annotated[str, typer.Option(help="settle every day up to and including this one (YYYY-MM-DD)")],
    at: Annotated[Optional[str], typer.Option(help="act as if it were this moment (backfills)")] = None,
    db: DbOpt = DEFAULT_URL,
) -> None:
    """Settle every account's unsettled usage through a day that has ended, supplements included."""
    ctx = _ctx(db)
    with Progress(TextColumn("settling accounts"), BarColumn(), TextColumn("{task.completed}/{task.total}"), console=err) as bar:
        task = bar.add_task("settle", total=None)

        def progress(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        with _Errors():
            result = services.settle(ctx, _day(through, "through"), _moment(at, "at"), progress)
    out.print(f"settled {result.days} account-day(s), wrote {result.lines} bill line(s)")


@bills_app.command("show")
def bills_show(
    account_id: str,
    from_: Annotated[str, typer.Option("--from", help="first day YYYY-MM-DD")],
    to: Annotated[str, typer.Option("--to", help="last day YYYY-MM-DD")],
    format: Annotated[str, typer.Option(help="table, csv or json")] = "table",
    db: DbOpt = DEFAULT_URL,
) -> None:
    """An account's bill lines, with the packages that paid."""
    from ..api.app import line_out

    ctx = _ctx(db)
    with _Errors():
        lines = services.bills(ctx, account_id, _day(from_, "from"), _day(to, "to"))
    total = sum((l.amount for l in lines), Decimal(0))
    rows = [line_out(l) for l in lines]
    if format == "json":
        sys.stdout.write(json.dumps({"lines": rows, "total": format_money(total)}, ensure_ascii=False, indent=2) + "\n")
        return
    if format == "csv":
        writer = csv.writer(sys.stdout)
        writer.writerow(["day", "service", "quantity", "drawn", "payg_quantity", "amount", "supplement"])
        for r in rows:
            drawn = ";".join(f"{d['package_id']}:{d['quantity']}" for d in r["drawn"])
            writer.writerow([r["day"], r["service"], r["quantity"], drawn, r["payg_quantity"], r["amount"], r["supplement"]])
        return
    if format != "table":
        _fail("--format is table, csv or json")
    table = Table(title=f"{account_id}: {from_} to {to}")
    for col in ("day", "service", "quantity", "drawn from packages", "pay-as-you-go", "amount (CNY)", ""):
        table.add_column(col, justify="right" if col in ("quantity", "pay-as-you-go", "amount (CNY)") else "left")
    for l in lines:
        drawn = "\n".join(f"{d.package_id}: {d.quantity:,}" for d in l.drawn)
        bw = l.service.startswith("bandwidth.")
        q = f"{format_mbps(l.quantity)} Mbps" if bw else format_quantity(l.service, l.quantity)
        payg = f"{format_mbps(l.payg_quantity)} Mbps" if bw else format_quantity(l.service, l.payg_quantity)
        table.add_row(str(l.day), l.service, q, drawn, payg, format_money(l.amount), "supplement" if l.supplement else "")
    table.add_section()
    table.add_row("", "total", "", "", "", f"[bold]{format_money(total)}[/bold]", "")
    out.print(table)


@app.command()
def reminders(account_id: str, as_of: Annotated[Optional[str], typer.Option("--as-of")] = None, db: DbOpt = DEFAULT_URL,
              lang: Annotated[str, typer.Option(help="en or zh")] = "en") -> None:
    """An account's reminders: expiring, running low, used up, frozen."""
    ctx = _ctx(db)
    with _Errors():
        found = services.reminders(ctx, account_id, _moment(as_of, "as-of"))
    if not found:
        out.print("no reminders")
    for r in found:
        out.print(f"[bold]{r.kind:9}[/bold] {r.day}  {r.message_zh if lang == 'zh' else r.message}")


@app.command()
def demo(
    db: DbOpt = "sqlite:///packbill-demo.db",
    seed: Annotated[int, typer.Option(help="random seed: the same seed gives the same month")] = 7,
    report: Annotated[Path, typer.Option(help="where to write the HTML report")] = Path("packbill-demo-report.html"),
    fresh: Annotated[bool, typer.Option(help="start from an empty database file")] = True,
) -> None:
    """Simulate a month of a real-looking customer, settle every day, print and chart the result."""
    from ..demo import run_demo

    run_demo(db, seed, report, fresh, out, err)
