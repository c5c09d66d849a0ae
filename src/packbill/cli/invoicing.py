"""``packbill invoices titles|title-add|title-remove|request|requests|issue|reject|export``: invoices
as Chinese companies need them (R33). The group is ``invoices`` (``cli/books.py`` adds and lists
the invoices themselves). Each works on the database or through a server (``cli/remote.py``)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from ..present.invoices import request_json, requests_csv, requests_xlsx, title_json
from ..services import invoicing
from .books import invoices_app
from .common import DbOpt, Errors, fail, lang_option, open_ctx, out, parse_amount
from .remote import ServerOpt, TokenOpt, answer, call, connect, money_text

GROUPS: dict = {}
"""Its commands join ``invoices`` (``cli/books.py``)."""


@invoices_app.command("titles")
def titles(account_id: str, db: DbOpt = None, server: ServerOpt = None, token: TokenOpt = None) -> None:
    """List an account's invoice titles (抬头)."""
    client = connect(server, token, db)
    if client is not None:
        found = answer(call(lambda: client.invoice_titles(account_id)))["titles"]
    else:
        ctx = open_ctx(db)
        with Errors():
            found = [title_json(t) for t in invoicing.titles(ctx, account_id)]
    if not found:
        out().print(f"{account_id} has no invoice title yet")
        return
    table = Table(title=f"invoice titles of {account_id}")
    for col in ("id", "type", "name", "tax id", "address", "telephone", "bank", "account"):
        table.add_column(col)
    for t in found:
        table.add_row(t["id"], "special VAT" if t["type"] == "special" else "normal", t["name"], t["tax_id"], t["address"], t["phone"],
                      t["bank"], t["bank_account"])
    out().print(table)


@invoices_app.command("title-add")
def title_add(
    account_id: str,
    name: Annotated[str, typer.Argument(help="The buyer's registered name.")],
    tax_id: Annotated[str, typer.Argument(help="The unified social credit code, 18 characters.")],
    special: Annotated[bool, typer.Option(help="A special VAT invoice title (needs the address, telephone, bank and account).")] = False,
    address: Annotated[str | None, typer.Option(help="The registered address (special).")] = None,
    phone: Annotated[str | None, typer.Option(help="The telephone (special).")] = None,
    bank: Annotated[str | None, typer.Option(help="The bank (special).")] = None,
    bank_account: Annotated[str | None, typer.Option(help="The bank account (special).")] = None,
    db: DbOpt = None,
    server: ServerOpt = None,
    token: TokenOpt = None,
) -> None:
    """Add an invoice title; its code's check character is verified."""
    fields = {"type": "special" if special else "normal", "name": name, "tax_id": tax_id, "address": address, "phone": phone,
              "bank": bank, "bank_account": bank_account}
    client = connect(server, token, db)
    if client is not None:
        extra = {k: v for k, v in fields.items() if k not in ("type", "name", "tax_id") and v is not None}
        made = answer(call(lambda: client.add_invoice_title(account_id, fields["type"], name, tax_id, **extra)))  # type: ignore[arg-type]
    else:
        ctx = open_ctx(db)
        with Errors(ctx, "invoice_title.create", account_id, **fields):
            made = title_json(invoicing.add_title(ctx, account_id, fields))
    out().print(f"{account_id}: invoice title {made['id']} added ({made['name']}, {made['tax_id']})")


@invoices_app.command("title-remove")
def title_remove(account_id: str, title_id: str, db: DbOpt = None, server: ServerOpt = None, token: TokenOpt = None) -> None:
    """Remove an invoice title (the requests that name it keep it)."""
    client = connect(server, token, db)
    if client is not None:
        call(lambda: client.remove_invoice_title(account_id, title_id))
    else:
        ctx = open_ctx(db)
        with Errors(ctx, "invoice_title.delete", account_id, title_id=title_id):
            invoicing.delete_title(ctx, account_id, title_id)
    out().print(f"{account_id}: invoice title {title_id} removed")


@invoices_app.command("request")
def request(account_id: str, title_id: str, amount: Annotated[str, typer.Argument(help="CNY including tax.")], db: DbOpt = None,
            server: ServerOpt = None, token: TokenOpt = None) -> None:
    """Request an invoice of AMOUNT (tax included) on a title, up to what is invoiceable now."""
    value = parse_amount(amount, "amount")
    client = connect(server, token, db)
    if client is not None:
        made = answer(call(lambda: client.request_invoice(account_id, title_id, value)))
    else:
        ctx = open_ctx(db)
        with Errors(ctx, "invoice.request", account_id, title_id=title_id, amount=str(value)):
            made = request_json(invoicing.request(ctx, account_id, title_id, value))
    out().print(f"invoice request {made['id']}: {money_text(made['amount'])} CNY ({money_text(made['net'])} net + {money_text(made['tax'])} tax "
                f"at {(Decimal(made['rate']) * 100).normalize():f} %), pending")


@invoices_app.command("requests")
def requests(account_id: Annotated[str | None, typer.Argument(help="One account's (default: every account's).")] = None,
             status: Annotated[str | None, typer.Option(help="Only the requests pending, issued or rejected.")] = None, db: DbOpt = None,
             server: ServerOpt = None, token: TokenOpt = None) -> None:
    """List invoice requests, red-letter ones included."""
    client = connect(server, token, db)
    if client is not None:
        found = answer(call(lambda: client.account_invoice_requests(account_id, status) if account_id
                            else client.invoice_requests(status)))["requests"]
    else:
        ctx = open_ctx(db)
        with Errors():
            found = [request_json(r) for r in invoicing.requests(ctx, account_id, status)]
    table = Table(title="invoice requests (amounts in CNY, tax included)")
    for col in ("request", "account", "kind", "amount", "net", "tax", "status", "number / reason", "reverses"):
        table.add_column(col, justify="right" if col in ("amount", "net", "tax") else "left")
    for r in found:
        table.add_row(r["id"], r["account_id"], "red-letter" if r["kind"] == "red" else "invoice", money_text(r["amount"]), money_text(r["net"]),
                      money_text(r["tax"]), r["status"], r["number"] or r["reason"] or "", ", ".join(r["reverses"]))
    out().print(table)


def _decide(request_id: str, action: str, db: str | None, change, **parameters) -> dict:
    """Issue or reject a request, recorded against its account (R24)."""
    ctx = open_ctx(db)
    with Errors():
        account_id = invoicing.request_by_id(ctx, request_id).account_id
    with Errors(ctx, action, account_id, target=request_id, **parameters):
        return request_json(change(ctx))


@invoices_app.command("issue")
def issue(request_id: str, number: Annotated[str, typer.Argument(help="The all-electronic invoice's 20 digits.")], db: DbOpt = None,
          server: ServerOpt = None, token: TokenOpt = None) -> None:
    """Record the invoice issued for a pending request."""
    client = connect(server, token, db)
    if client is not None:
        done = answer(call(lambda: client.issue_invoice(request_id, number)))
    else:
        done = _decide(request_id, "invoice.issue", db, lambda ctx: invoicing.issue(ctx, request_id, number), number=number)
    out().print(f"invoice request {done['id']}: issued as {done['number']} ({money_text(done['amount'])} CNY)")


@invoices_app.command("reject")
def reject(request_id: str, reason: Annotated[str, typer.Argument(help="Why, for the customer.")], db: DbOpt = None,
           server: ServerOpt = None, token: TokenOpt = None) -> None:
    """Reject a pending invoice request, saying why."""
    client = connect(server, token, db)
    if client is not None:
        done = answer(call(lambda: client.reject_invoice(request_id, reason)))
    else:
        done = _decide(request_id, "invoice.reject", db, lambda ctx: invoicing.reject(ctx, request_id, reason), reason=reason)
    out().print(f"invoice request {done['id']}: rejected")


@invoices_app.command("export")
def export(out_file: Annotated[Path, typer.Argument(help="The file to write: .xlsx or .csv.")],
           status: Annotated[str, typer.Option(help="Which requests: pending, issued or rejected.")] = "pending",
           lang: Annotated[str, lang_option("The headers' language: zh or en.")] = "zh", db: DbOpt = None,
           server: ServerOpt = None, token: TokenOpt = None) -> None:
    """Write invoice requests (pending by default) as one row per invoice line, for batch issuing."""
    suffix = out_file.suffix.lower()
    if suffix not in (".xlsx", ".csv"):
        fail("the file's name ends in .xlsx or .csv")
    client = connect(server, token, db)
    if client is not None:
        count = len(answer(call(lambda: client.invoice_requests(status)))["requests"])
        data = call(lambda: client.invoice_requests_file(status, suffix[1:], lang))  # type: ignore[arg-type]  # the CSV with its BOM
    else:
        ctx = open_ctx(db)
        with Errors():
            found = invoicing.requests(ctx, None, status)
        titles_by_id = invoicing.titles_of(ctx, found)
        count = len(found)
        data = requests_xlsx(found, titles_by_id, lang) if suffix == ".xlsx" else requests_csv(found, titles_by_id, lang).encode("utf-8-sig")
    try:
        out_file.write_bytes(data)
    except OSError as exc:
        fail(f"cannot write {out_file}: {exc.strerror}")
    out().print(f"wrote {out_file}: {count} {status} request(s)")
