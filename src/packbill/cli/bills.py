"""``packbill bills`` and ``reminders``: what was drawn and billed, and what the customer is told."""

from __future__ import annotations

import json
import sys
from typing import Annotated

import typer
from rich.markup import escape

from .. import present, services
from ..present.books import bill_detail_csv
from ..present.tables import bill_table
from .common import AsOfOpt, DbOpt, Errors, fail, lang_option, moment, open_ctx, out, parse_day

bills_app = typer.Typer(help="Bills: what was drawn from which package and what was billed.", no_args_is_help=True)
app = typer.Typer()
"""Commands at the top level."""
GROUPS = {"bills": bills_app}


@bills_app.command("show")
def bills_show(
    account_id: str,
    from_: Annotated[str, typer.Option("--from", help="The first day, YYYY-MM-DD.")],
    to: Annotated[str, typer.Option("--to", help="The last day, YYYY-MM-DD.")],
    format: Annotated[str, typer.Option(help="The output: table, csv (the bill detail as a spreadsheet) or json.")] = "table",
    lang: Annotated[str, lang_option("The language of the CSV's headers and names: zh or en.")] = "zh",
    db: DbOpt = None,
) -> None:
    """Show an account's bill lines, with the packages that paid."""
    if format not in ("table", "csv", "json"):
        fail("--format is table, csv or json")
    ctx = open_ctx(db)
    with Errors():
        lines = services.bills(ctx, account_id, parse_day(from_, "from"), parse_day(to, "to"))
    bill = present.bill_json(lines)
    if format == "json":
        sys.stdout.write(json.dumps(bill, ensure_ascii=False, indent=2) + "\n")
        return
    if format == "csv":
        skus = {v.package.id: v.package.sku for v in services.list_packages(ctx, account_id)}
        sys.stdout.write(bill_detail_csv(lines, ctx.catalog, skus, lang))
        return
    table = bill_table(lines, ctx.catalog, title=f"{account_id}: {from_} to {to}")
    out().print(table)


@app.command()
def reminders(account_id: str, as_of: AsOfOpt = None, db: DbOpt = None,
              lang: Annotated[str, lang_option("The language: en or zh.")] = "en") -> None:
    """Show an account's reminders: packages expiring, running low, used up, frozen or lapsing; low balance and
    arrears; unusual spend, rebuys refused and the budget."""
    ctx = open_ctx(db)
    with Errors():
        at = moment(as_of, "as-of")
        found = [(r["kind"], r["day"], r["message"]) for r in present.reminder_rows(services.every_reminder(ctx, account_id, at), ctx.catalog, lang)]
    if not found:
        out().print("no reminders")
    for kind, day, message in found:
        out().print(f"[bold]{kind:11}[/bold] {day}  {escape(message)}")

