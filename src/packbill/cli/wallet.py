"""``packbill wallet``, ``vouchers``, ``discount``, ``credit-limit``, ``balance-alert``: an account's money."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from .. import present, services
from ..client import schemas
from ..domain.days import shanghai_day
from .common import AsOfOpt, DbOpt, Errors, moment, open_ctx, out, parse_amount, parse_day, run_key
from .remote import ServerOpt, TokenOpt, answer, beijing_text, call, connect, money_text, shaped

wallet_app = typer.Typer(help="The wallet: balance, state, top-ups and adjustments (operator).", no_args_is_help=True)
vouchers_app = typer.Typer(help="Vouchers: grant and list (operator).", no_args_is_help=True)
discount_app = typer.Typer(help="Discount rates (contracted prices).", no_args_is_help=True)
credit_app = typer.Typer(help="Credit limits.", no_args_is_help=True)
alert_app = typer.Typer(help="Low-balance alerts.", no_args_is_help=True)
GROUPS = {"wallet": wallet_app, "vouchers": vouchers_app, "discount": discount_app, "credit-limit": credit_app, "balance-alert": alert_app}


@wallet_app.command("show")
def wallet_show(account_id: str, as_of: AsOfOpt = None, db: DbOpt = None, server: ServerOpt = None, token: TokenOpt = None) -> None:
    """Show an account's balance, state, vouchers and service status."""
    client = connect(server, token, db)
    if client is not None:
        w = answer(call(lambda: client.wallet(account_id, as_of)))
    else:
        ctx = open_ctx(db)
        with Errors():
            w = shaped(schemas.WalletOut, present.wallet_json(services.wallet(ctx, account_id, moment(as_of, "as-of"))))
    out().print(f"[bold]{account_id}[/bold]  {w['payment']} terms  state [bold]{w['state']}[/bold]"
                + (f" since {beijing_text(w['arrears_since'])} (Beijing time)" if w["arrears_since"] else ""))
    grid = Table.grid(padding=(0, 2))
    grid.add_column()
    grid.add_column(justify="right")
    grid.add_row("balance (CNY)", money_text(w["balance"]))
    grid.add_row("estimated, with unsettled usage", money_text(w["estimated_balance"]))
    grid.add_row("credit limit", money_text(w["credit_limit"]))
    threshold = w["low_balance_threshold"]
    grid.add_row("low-balance alert below", money_text(threshold) if threshold is not None else "off")
    out().print(grid)
    if w["vouchers"]:
        table = Table(title="vouchers")
        for col in ("voucher", "amount", "remaining", "expires on", "services", "status"):
            table.add_column(col, justify="right" if col in ("amount", "remaining") else "left")
        for v in w["vouchers"]:
            table.add_row(v["id"], money_text(v["amount"]), money_text(v["remaining"]), v["expires_on"],
                          ", ".join(sorted(v["services"])) if v["services"] else "all", v["status"])
        out().print(table)
    stopped = [s for s, st in w["service_status"].items() if st == "suspended"]
    if stopped:
        out().print(f"[red]suspended services:[/red] {', '.join(stopped)}")
    capped = [s for s, st in w["service_status"].items() if st == "capped"]
    if capped:
        out().print(f"[yellow]capped services (their pay-as-you-go cap reached this month):[/yellow] {', '.join(capped)}")


@wallet_app.command("topup")
def wallet_topup(
    account_id: str,
    amount: Annotated[str, typer.Argument(help="The amount in CNY, e.g. 100.00.")],
    reference: Annotated[str, typer.Option(help="The payment's own reference (a retry with it adds nothing).")],
    at: Annotated[str | None, typer.Option(help="When the payment arrived (backfills).")] = None,
    db: DbOpt = None,
    server: ServerOpt = None,
    token: TokenOpt = None,
) -> None:
    """Record a top-up (idempotent by its reference)."""
    value = parse_amount(amount, "amount")
    client = connect(server, token, db)
    if client is not None:
        made = call(lambda: client.topup(account_id, value, reference, at))
        created, result = client.last_status == 201, answer(made)
    else:
        ctx = open_ctx(db)
        with Errors(ctx, "topup.create", account_id, amount=amount, reference=reference, at=at):
            done = services.topup(ctx, account_id, value, reference, moment(at, "at"), run_key(account_id, "topup", amount, reference))
        created, result = done.created, {"amount": present.money_json(done.amount), "reference": done.reference,
                                         "balance": present.money_json(done.balance)}
    word = "topped up" if created else "already recorded"
    out().print(f"{word} {money_text(result['amount'])} CNY ({result['reference']}); balance {money_text(result['balance'])} CNY")


@wallet_app.command("adjust")
def wallet_adjust(
    account_id: str,
    amount: Annotated[str, typer.Argument(help="The amount in CNY; a negative amount takes money away.")],
    reason: Annotated[str, typer.Option(help="Why the balance changes.")],
    db: DbOpt = None,
    server: ServerOpt = None,
    token: TokenOpt = None,
) -> None:
    """Correct a balance (positive or negative), with a reason."""
    value = parse_amount(amount, "amount")
    client = connect(server, token, db)
    if client is not None:
        result = answer(call(lambda: client.adjust(account_id, value, reason)))
    else:
        ctx = open_ctx(db)
        with Errors(ctx, "adjustment.create", account_id, amount=amount, reason=reason):
            done = services.adjust(ctx, account_id, value, reason, idem=run_key(account_id, "adjust", amount, reason))
        result = {"amount": present.money_json(done.amount), "balance": present.money_json(done.balance)}
    out().print(f"adjusted by {money_text(result['amount'])} CNY; balance {money_text(result['balance'])} CNY")


@vouchers_app.command("grant")
def vouchers_grant(
    account_id: str,
    amount: Annotated[str, typer.Argument(help="The amount in CNY.")],
    expires_on: Annotated[str, typer.Option(help="The last day it pays on, YYYY-MM-DD.")],
    service: Annotated[list[str] | None, typer.Option(help="A service it may pay for (repeat; default all).")] = None,
    db: DbOpt = None,
    server: ServerOpt = None,
    token: TokenOpt = None,
) -> None:
    """Grant a voucher: it pays before cash, never arrears, and expires."""
    value, last = parse_amount(amount, "amount"), parse_day(expires_on, "expires-on")
    client = connect(server, token, db)
    if client is not None:
        v = answer(call(lambda: client.grant_voucher(account_id, value, last, service or None)))
    else:
        ctx = open_ctx(db)
        with Errors(ctx, "voucher.grant", account_id, amount=amount, expires_on=expires_on, services=service):
            made = services.grant_voucher(ctx, account_id, value, last, service or None,
                                          idem=run_key(account_id, "voucher", amount, expires_on, service))
        v = present.voucher_json(made, shanghai_day(ctx.now()))
    out().print(f"granted {v['id']}: {money_text(v['amount'])} CNY until {v['expires_on']}"
                + (f" for {', '.join(sorted(v['services']))}" if v["services"] else ""))


@vouchers_app.command("list")
def vouchers_list(account_id: str, db: DbOpt = None, server: ServerOpt = None, token: TokenOpt = None) -> None:
    """List an account's vouchers."""
    client = connect(server, token, db)
    if client is not None:
        found = answer(call(lambda: client.wallet(account_id)))["vouchers"]
    else:
        ctx = open_ctx(db)
        with Errors():
            found = shaped(schemas.WalletOut, present.wallet_json(services.wallet(ctx, account_id)))["vouchers"]
    if not found:
        out().print("no vouchers")
    for v in found:
        out().print(f"{v['id']}  {money_text(v['remaining'])} of {money_text(v['amount'])} CNY  until {v['expires_on']}  {v['status']}")


@discount_app.command("set")
def discount_set(
    account_id: str,
    rate: Annotated[str, typer.Argument(help="The rate, above 0 and at most 1, e.g. 0.85 for 15 % off.")],
    effective_day: Annotated[str, typer.Option("--from", help="First day it applies to, YYYY-MM-DD.")],
    db: DbOpt = None,
    server: ServerOpt = None,
    token: TokenOpt = None,
) -> None:
    """Set an account's discount rate from a day on (earlier days keep theirs)."""
    value, first = parse_amount(rate, "rate"), parse_day(effective_day, "from")
    client = connect(server, token, db)
    if client is not None:
        call(lambda: client.set_discount(account_id, value, first))
    else:
        ctx = open_ctx(db)
        with Errors(ctx, "discount.set", account_id, rate=rate, effective_day=effective_day):
            services.set_discount(ctx, account_id, value, first)
    out().print(f"{account_id}: rate {rate} from {effective_day}")


@credit_app.command("set")
def credit_limit_set(account_id: str, amount: Annotated[str, typer.Argument(help="The threshold in CNY, at least 0.")], db: DbOpt = None,
                     server: ServerOpt = None, token: TokenOpt = None) -> None:
    """Set how far below zero purchases may take an account's cash."""
    value = parse_amount(amount, "amount")
    client = connect(server, token, db)
    if client is not None:
        limit = call(lambda: client.set_credit_limit(account_id, value))["credit_limit"]
    else:
        ctx = open_ctx(db)
        with Errors(ctx, "credit_limit.set", account_id, amount=amount):
            limit = present.money_json(services.set_credit_limit(ctx, account_id, value).credit_limit)
    out().print(f"{account_id}: credit limit {money_text(limit)} CNY")


@alert_app.command("set")
def balance_alert_set(account_id: str,
                      threshold: Annotated[str, typer.Argument(help="The threshold in CNY, or 'off' to switch the alert off.")],
                      db: DbOpt = None, server: ServerOpt = None, token: TokenOpt = None) -> None:
    """Remind the customer when a charge leaves the balance below THRESHOLD."""
    value = None if threshold.strip().lower() == "off" else parse_amount(threshold, "threshold")
    client = connect(server, token, db)
    if client is not None:
        call(lambda: client.set_balance_alert(account_id, value))
    else:
        ctx = open_ctx(db)
        with Errors(ctx, "balance_alert.set", account_id, threshold=threshold):
            services.set_balance_alert(ctx, account_id, value)
    out().print(f"{account_id}: low-balance alert {'off' if value is None else 'below ' + present.money(value) + ' CNY'}")
