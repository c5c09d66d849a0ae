"""``packbill auto-rebuy`` (R28) and ``packbill budget`` (R30): the customer's controls."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from .. import present
from ..services import auto_rebuy, budget
from .common import DbOpt, Errors, fail, open_ctx, out, parse_amount

rebuy_app = typer.Typer(help="Auto-rebuy: buy a service's package again when it is used up or about to expire (R28).",
                        no_args_is_help=True)
budget_app = typer.Typer(help="The monthly budget and the pay-as-you-go caps per service (R30).", no_args_is_help=True)
GROUPS = {"auto-rebuy": rebuy_app, "budget": budget_app}


@rebuy_app.command("list")
def rebuy_list(account_id: str, db: DbOpt = None) -> None:
    """Show the account's auto-rebuy rules and what each has spent this month."""
    ctx = open_ctx(db)
    with Errors():
        found = auto_rebuy.rules(ctx, account_id)
    if not found:
        out().print(f"{account_id}: auto-rebuy is off for every service")
        return
    table = Table(title=f"auto-rebuy of {account_id}")
    for col in ("service", "package", "when", "monthly cap", "spent this month"):
        table.add_column(col, justify="right" if col in ("monthly cap", "spent this month") else "left")
    for v in found:
        r = v.rule
        when = "used up" if r.days_before is None else f"{r.days_before} days before the last day"
        table.add_row(present.service_name(ctx.catalog, r.service), present.package_name(ctx.catalog, r.sku), when,
                      present.money(r.monthly_cap), present.money(v.spent_this_month))
    out().print(table)


@rebuy_app.command("set")
def rebuy_set(
    account_id: str,
    service: str,
    sku: Annotated[str, typer.Argument(help="The package to buy, a SKU of the service.")],
    monthly_cap: Annotated[str, typer.Option("--monthly-cap", help="The most auto-rebuy may spend in a month, in CNY.")],
    days_before: Annotated[int | None, typer.Option(help="Buy this many days before the last package's last day, instead of "
                                                         "when it is used up.")] = None,
    db: DbOpt = None,
) -> None:
    """Buy one SKU at the settlement that finds the service's packages used up (or DAYS_BEFORE their end)."""
    ctx = open_ctx(db)
    cap = parse_amount(monthly_cap, "monthly cap")
    trigger = "exhausted" if days_before is None else "expiring"
    with Errors(ctx, "auto_rebuy.set", account_id, service=service, sku=sku, trigger=trigger, days_before=days_before,
                monthly_cap=str(cap)):
        view = auto_rebuy.set_rule(ctx, account_id, service, sku, trigger, days_before, cap)
    when = "when used up" if days_before is None else f"{days_before} days before the last day"
    out().print(f"{account_id}: auto-rebuy of {present.service_name(ctx.catalog, service)} on: "
                f"{present.package_name(ctx.catalog, view.rule.sku)} {when}, at most {present.money(view.rule.monthly_cap)} CNY a month")


@rebuy_app.command("off")
def rebuy_off(account_id: str, service: str, db: DbOpt = None) -> None:
    """Turn a service's auto-rebuy off."""
    ctx = open_ctx(db)
    with Errors(ctx, "auto_rebuy.delete", account_id, service=service):
        was = auto_rebuy.remove_rule(ctx, account_id, service)
    out().print(f"{account_id}: auto-rebuy of {service} {'turned off' if was else 'was off already'}")


@budget_app.command("show")
def budget_show(account_id: str, db: DbOpt = None) -> None:
    """Show the month's budget, spending and forecast, and each service's cap."""
    ctx = open_ctx(db)
    with Errors():
        view = budget.view(ctx, account_id)
    grid = Table.grid(padding=(0, 2))
    grid.add_column()
    grid.add_column(justify="right")
    grid.add_row(f"budget of {view.spend.month:%Y-%m} (CNY)", "none" if view.monthly is None else present.money(view.monthly))
    grid.add_row("spent so far, unsettled usage estimated", present.money(view.spend.total))
    grid.add_row("forecast for the month", present.money(view.spend.forecast))
    out().print(grid)
    shown = [s for s in budget.SERVICES if s in view.spend.payg or s in view.caps]
    if not shown:
        out().print("no pay-as-you-go this month and no caps set")
        return
    capped = view.capped
    table = Table(title="pay-as-you-go this month and caps")
    for col in ("service", "pay-as-you-go", "cap", "status"):
        table.add_column(col, justify="left" if col in ("service", "status") else "right")
    for service in shown:
        spent = view.spend.payg.get(service)
        table.add_row(present.service_name(ctx.catalog, service), present.money(spent or 0),
                      present.money(view.caps[service]) if service in view.caps else "none", "capped" if service in capped else "")
    out().print(table)


def _limit(value: str) -> object:
    return None if value.strip().lower() in ("off", "none") else parse_amount(value, "monthly amount")


@budget_app.command("set")
def budget_set(account_id: str, monthly: Annotated[str, typer.Argument(help="CNY a month, or 'off'.")], db: DbOpt = None) -> None:
    """Set the monthly budget (alerts at 50, 80 and 100 percent and when the forecast passes it)."""
    ctx = open_ctx(db)
    amount = _limit(monthly)
    with Errors(ctx, "budget.set", account_id, monthly=None if amount is None else str(amount)):
        view = budget.set_budget(ctx, account_id, amount)  # type: ignore[arg-type]
    out().print(f"{account_id}: monthly budget {'off' if view.monthly is None else present.money(view.monthly) + ' CNY'}")


@budget_app.command("cap")
def budget_cap(account_id: str, service: str, monthly: Annotated[str, typer.Argument(help="CNY a month, or 'off'.")],
               db: DbOpt = None) -> None:
    """Cap a service's pay-as-you-go in a month: once reached, its service status is capped until the month ends."""
    ctx = open_ctx(db)
    amount = _limit(monthly)
    if service not in budget.SERVICES:
        fail(f"unknown service {service!r}: caps are for {', '.join(budget.SERVICES)}")
    with Errors(ctx, "cap.set", account_id, service=service, monthly=None if amount is None else str(amount)):
        view = budget.set_cap(ctx, account_id, service, amount)  # type: ignore[arg-type]
    cap = view.caps.get(service)
    out().print(f"{account_id}: {present.service_name(ctx.catalog, service)} pay-as-you-go cap "
                f"{'off' if cap is None else present.money(cap) + ' CNY a month'}" + (" (capped now)" if service in view.capped else ""))
