"""``packbill statements``, ``invoices``, ``revenue`` and ``audit``: the books from the command line."""

from __future__ import annotations

import json
import sys
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from .. import present
from ..client import schemas
from ..pdf import PdfUnavailable, html_to_pdf
from ..present.books import close_json, revenue_csv, revenue_json, statement_csv, statement_html, statement_json
from ..services import audit as audit_service
from ..services import books
from .common import DbOpt, Errors, fail, lang_option, open_ctx, out, parse_day
from .remote import ServerOpt, TokenOpt, answer, call, connect, money_text, shaped

statements_app = typer.Typer(help="Monthly statements (provisional, then final and numbered).", no_args_is_help=True)
invoices_app = typer.Typer(help="Invoices issued, never above the invoiceable amount.", no_args_is_help=True)
app = typer.Typer()
"""Commands at the top level."""
GROUPS = {"statements": statements_app, "invoices": invoices_app}

LangOpt = Annotated[str, lang_option("The language of the file: zh or en.")]


def _statement(account_id: str, month: str, db: str | None):
    ctx = open_ctx(db)
    with Errors():
        return ctx, books.statement(ctx, account_id, books.parse_month(month))


def _statement_file(account_id: str, month: str, format: str, lang: str, db: str | None, client) -> tuple[bytes, dict]:
    """The statement as a file's bytes (pdf, csv or json) and as the API's JSON, either way."""
    if client is not None:
        found = answer(call(lambda: client.statement(account_id, month)))
        if format == "json":
            return json.dumps(found, ensure_ascii=False, indent=2).encode("utf-8"), found
        return call(lambda: client.statement_file(account_id, month, format, lang)), found  # type: ignore[arg-type]
    ctx, s = _statement(account_id, month, db)
    found = shaped(schemas.StatementOut, statement_json(s))
    if format == "pdf":
        try:
            return html_to_pdf(statement_html(s, ctx.catalog, lang, ctx.issuer), ctx.chromium), found
        except PdfUnavailable as exc:
            fail(str(exc))
    if format == "csv":
        return statement_csv(s, ctx.catalog, lang, ctx.issuer).encode("utf-8-sig"), found
    return json.dumps(found, ensure_ascii=False, indent=2).encode("utf-8"), found


@statements_app.command("show")
def statements_show(
    account_id: str,
    month: Annotated[str, typer.Argument(help="The month, YYYY-MM.")],
    format: Annotated[str, typer.Option(help="The output: table, json or csv.")] = "table",
    lang: LangOpt = "zh",
    db: DbOpt = None,
    server: ServerOpt = None,
    token: TokenOpt = None,
) -> None:
    """Show an account's statement of a month (the CSV in the language of --lang)."""
    if format not in ("table", "json", "csv"):
        fail("--format is table, json or csv")
    data, s = _statement_file(account_id, month, "json" if format == "table" else format, lang, db, connect(server, token, db))
    if format != "table":
        sys.stdout.write(data.decode("utf-8-sig") + ("\n" if format == "json" else ""))
        return
    money = present.money
    console = out()
    console.print(f"[bold]{s['account_name']}[/bold] ({s['account_id']})  {s['month']}  [bold]{s['status']}[/bold]"
                  + (f"  no. {s['number']}" if s["number"] else ""))
    grid = Table.grid(padding=(0, 2))
    grid.add_column()
    grid.add_column(justify="right")
    for label, value in (("opening balance", Decimal(s["opening_balance"])), ("top-ups", Decimal(s["topups"])),
                         ("adjustments", Decimal(s["adjustments"])), ("package purchases (cash)", -Decimal(s["purchases"]["cash"])),
                         ("refunds (cash)", Decimal(s["refunds"]["cash"])), ("pay-as-you-go (cash)", -Decimal(s["payg_cash"])),
                         *([("group accounts (cash)", Decimal(s["group_cash"]))] if s.get("group") else []),
                         ("closing balance", Decimal(s["closing_balance"])), ("invoiceable", Decimal(s["invoiceable"]))):
        grid.add_row(label, money(value))
    console.print(grid)
    if s["payg"]:
        table = Table(title="pay-as-you-go")
        for col in ("service", "quantity", "list", "amount", "voucher", "cash"):
            table.add_column(col, justify="left" if col == "service" else "right")
        for r in s["payg"]:
            table.add_row(r["service"], present.quantity(r["service"], r["quantity"]),
                          *(money_text(r[k]) for k in ("list_amount", "amount", "voucher", "cash")))
        console.print(table)
    if s["usage"]:
        table = Table(title="usage")
        for col in ("service", "from packages", "pay-as-you-go", "mainland", "other regions"):
            table.add_column(col, justify="left" if col == "service" else "right")
        for u in s["usage"]:
            table.add_row(u["service"], *(present.quantity(u["service"], u[k]) for k in ("drawn", "payg_quantity", "mainland", "other")))
        console.print(table)
    if s["packages"]:
        table = Table(title="packages")
        for col in ("package", "sku", "valid", "left at month end", "status"):
            table.add_column(col, justify="right" if col == "left at month end" else "left")
        for p in s["packages"]:
            table.add_row(p["id"], p["sku"], f"{p['first_day']} to {p['last_day']}", present.quantity(p["service"], p["remaining"]), p["status"])
        console.print(table)


@statements_app.command("export")
def statements_export(
    account_id: str,
    month: Annotated[str, typer.Argument(help="The month, YYYY-MM.")],
    out_file: Annotated[Path, typer.Option("--out", help="The file to write; its format follows --format.")],
    format: Annotated[str, typer.Option(help="The file format: pdf, csv or json.")] = "pdf",
    lang: LangOpt = "zh",
    db: DbOpt = None,
    server: ServerOpt = None,
    token: TokenOpt = None,
) -> None:
    """Write an account's statement of a month to a file (PDF in Chinese or English, CSV, JSON)."""
    if format not in ("pdf", "csv", "json"):
        fail("--format is pdf, csv or json")
    data, s = _statement_file(account_id, month, format, lang, db, connect(server, token, db))
    try:
        out_file.write_bytes(data)
    except OSError as exc:
        fail(f"cannot write {out_file}: {exc.strerror}")
    out().print(f"wrote {out_file} ({len(data):,} bytes, {s['status']} statement of {s['month']})")


@invoices_app.command("add")
def invoices_add(
    account_id: str,
    amount: Annotated[str, typer.Option(help="The amount in CNY, at most the invoiceable amount.")],
    number: Annotated[str, typer.Option(help="The invoice's own number.")],
    db: DbOpt = None,
) -> None:
    """Record an invoice issued to an account."""
    try:
        value = Decimal(amount)
    except InvalidOperation:
        fail("--amount must be an amount in CNY, e.g. 120.50")
    ctx = open_ctx(db)
    with Errors(ctx, "invoice.create", account_id, amount=amount, number=number):
        invoice = books.record_invoice(ctx, account_id, value, number)
    out().print(f"invoice {invoice.number}: {present.money(invoice.amount)} CNY recorded; "
                  f"{present.money(invoice.invoiceable)} CNY is still invoiceable")


@invoices_app.command("list")
def invoices_list(account_id: str, db: DbOpt = None) -> None:
    """List an account's invoices and what is invoiceable now."""
    from ..domain.days import from_us

    ctx = open_ctx(db)
    with Errors():
        found = books.invoices(ctx, account_id)
        available = books.invoiceable_now(ctx, account_id)
    table = Table(title=f"invoices of {account_id} (times in Beijing time)")
    for col in ("number", "amount", "recorded"):
        table.add_column(col, justify="right" if col == "amount" else "left")
    for _id, number, amount, at in found:
        table.add_row(number, present.money(amount), present.beijing(from_us(at)))
    out().print(table)
    out().print(f"invoiceable now: {present.money(available)} CNY")


@app.command()
def revenue(
    from_: Annotated[str | None, typer.Option("--from", help="The first day, YYYY-MM-DD \\[default: 29 days before --to].")] = None,
    to: Annotated[str | None, typer.Option(help="The last day, YYYY-MM-DD \\[default: today in Beijing].")] = None,
    format: Annotated[str, typer.Option(help="The output: table, json or csv (a spreadsheet; --lang for its headers and names).")] = "table",
    lang: Annotated[str, lang_option("The language of the CSV: zh or en.")] = "zh",
    db: DbOpt = None,
    server: ServerOpt = None,
    token: TokenOpt = None,
) -> None:
    """Report revenue per day and service, dated by the usage day it serves: recognised from packages,
    breakage, pay-as-you-go, and the deferred balance at each day's end."""
    from datetime import UTC, datetime, timedelta

    from ..domain.days import shanghai_day

    if format not in ("table", "json", "csv"):
        fail("--format is table, json or csv")
    client = connect(server, token, db)
    ctx = None if client else open_ctx(db)
    last = parse_day(to, "to") if to else shanghai_day(ctx.now() if ctx else datetime.now(UTC))
    first = parse_day(from_, "from") if from_ else last - timedelta(days=29)
    if client is not None:
        if format == "csv":
            sys.stdout.write(call(lambda: client.revenue_csv(first, last, lang)).decode("utf-8-sig"))
            return
        found = answer(call(lambda: client.revenue(first, last)))
    else:
        with Errors():
            days = books.revenue(ctx, first, last)
        if format == "csv":
            sys.stdout.write(revenue_csv(days, ctx.catalog, lang))
            return
        found = shaped(schemas.RevenueOut, revenue_json(days))
    if format == "json":
        sys.stdout.write(json.dumps(found, indent=2) + "\n")
        return
    table = Table(title=f"revenue {first} to {last} (CNY)")
    for col in ("day", "service", "recognised", "breakage", "pay-as-you-go", "deferred at day end"):
        table.add_column(col, justify="left" if col in ("day", "service") else "right")
    for d in found["days"]:
        for i, f in enumerate(d["services"]):
            table.add_row(d["day"] if i == 0 else "", f["service"], *(money_text(f[k]) for k in ("recognised", "breakage", "payg")),
                          money_text(d["deferred"]) if i == 0 else "")
    out().print(table)


@app.command()
def close(
    month: Annotated[str, typer.Argument(help="The month, YYYY-MM.")],
    format: Annotated[str, typer.Option(help="The output: table or json.")] = "table",
    db: DbOpt = None,
    server: ServerOpt = None,
    token: TokenOpt = None,
) -> None:
    """Reconcile a month: its statements' pay-as-you-go against its revenue per service, with the
    deferred revenue at both ends; exit status 1 when a difference is not 0.00."""
    if format not in ("table", "json"):
        fail("--format is table or json")
    client = connect(server, token, db)
    if client is not None:
        found = answer(call(lambda: client.month_close(month)))
    else:
        ctx = open_ctx(db)
        with Errors():
            found = shaped(schemas.CloseOut, close_json(books.month_close(ctx, books.parse_month(month))))
    if format == "json":
        sys.stdout.write(json.dumps(found, indent=2) + "\n")
    else:
        console = out()
        table = Table(title=f"close of {found['month']} ({'final' if found['final'] else 'provisional'}; CNY)")
        for col in ("service", "statements' pay-as-you-go", "pay-as-you-go revenue", "difference", "recognised", "breakage"):
            table.add_column(col, justify="left" if col == "service" else "right")
        for row in found["services"]:
            table.add_row(row["service"], *(money_text(row[k]) for k in ("statements_payg", "revenue_payg", "difference",
                                                                                      "recognised", "breakage")))
        console.print(table)
        console.print(f"deferred revenue: {money_text(found['deferred_opening'])} at the start, "
                      f"{money_text(found['deferred_closing'])} at the end")
        console.print("balanced: the statements and the revenue agree for every service" if found["balanced"]
                      else "[red]not balanced[/red]: a difference is not 0.00")
    if not found["balanced"]:
        raise typer.Exit(1)


@app.command()
def audit(db: DbOpt = None) -> None:
    """Check every invariant of the books over the whole database; exit status 1 on any violation.

    Every journal entry balances; every wallet and voucher balance equals its postings; for every
    package, deferred + recognised + breakage + refunded = paid and recognised = paid x drawn /
    size; remaining = size - draws; bill lines equal their postings; the day sums equal the
    events and settled days are wholly billed."""
    ctx = open_ctx(db)
    with Errors():
        found = audit_service.audit(ctx)
    if not found:
        out().print(f"the books are sound: {len(audit_service.CHECKS)} invariants hold over the whole database")
        return
    table = Table(title=f"{len(found)} violation{'s' if len(found) != 1 else ''}")
    table.add_column("invariant")
    table.add_column("what is wrong")
    table.add_column("row")
    for v in found[:500]:
        table.add_row(v.check, v.message, " | ".join(str(x) for x in v.row))
    out().print(table)
    if len(found) > 500:
        out().print(f"... and {len(found) - 500} more")
    raise typer.Exit(1)
