"""``packbill packages``: buy, list, refund."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from .. import present, services
from ..present.tables import packages_table
from .common import AsOfOpt, DbOpt, Errors, fail, moment, open_ctx, out

packages_app = typer.Typer(help="Packages: buy, list, refund.", no_args_is_help=True)
package_alert_app = typer.Typer(help="Package alerts: when what a service's packages have left runs low (R29).", no_args_is_help=True)
GROUPS = {"packages": packages_app, "package-alert": package_alert_app}


@packages_app.command("buy")
def packages_buy(
    account_id: str,
    sku: str,
    count: Annotated[int, typer.Option(min=1, max=100)] = 1,
    at: Annotated[str | None, typer.Option(help="The purchase time (for backfills).")] = None,
    db: DbOpt = None,
) -> None:
    """Buy COUNT packages of SKU for an account."""
    ctx = open_ctx(db)
    with Errors(ctx, "package.buy", account_id, sku=sku, count=count, at=at):
        result = services.buy(ctx, account_id, sku, count, moment(at, "at"))
    for p in result.packages:
        out().print(f"bought {p.id}  {p.sku}  covers {p.first_day} to {p.last_day}")
    out().print(f"amount: {present.money(result.amount)} CNY")


@packages_app.command("list")
def packages_list(
    account_id: str,
    status: Annotated[str | None, typer.Option(help="Only packages with this status.")] = None,
    as_of: AsOfOpt = None,
    db: DbOpt = None,
) -> None:
    """List an account's packages in draw order, with what remains and, now, when each runs out or what it forfeits."""
    ctx = open_ctx(db)
    with Errors():
        views = services.list_packages(ctx, account_id, moment(as_of, "as-of"), status)
        ahead = services.package_forecasts(ctx, account_id, services.remaining_now(ctx, account_id)) if as_of is None else None
    out().print(packages_table(views, ctx.catalog, forecasts=ahead))


@packages_app.command("refund")
def packages_refund(
    account_id: str,
    package_id: str,
    at: Annotated[str | None, typer.Option(help="The refund time (for backfills).")] = None,
    db: DbOpt = None,
) -> None:
    """Refund a package: the account's one no-reason refund (within 5 days, never drawn on)."""
    ctx = open_ctx(db)
    with Errors(ctx, "package.refund", account_id, target=package_id, at=at):
        result = services.refund(ctx, account_id, package_id, moment(at, "at"))
    out().print(f"refunded {result.package.id} ({result.package.sku}): {present.money(result.amount)} CNY "
              f"(to cash {present.money(result.paid_back.cash)}, to vouchers {present.money(result.paid_back.voucher_total)})")


@package_alert_app.command("list")
def package_alert_list(account_id: str, db: DbOpt = None) -> None:
    """Show each service's package alert threshold and what its active packages have left now."""
    ctx = open_ctx(db)
    with Errors():
        alerts = services.package_alerts(ctx, account_id)
    table = Table(title=f"package alerts of {account_id}")
    for col in ("service", "alert below", "left now"):
        table.add_column(col, justify="left" if col == "service" else "right")
    for a in alerts:
        below = "off" if a.threshold_percent is None else f"{a.threshold_percent}%" + (" (default)" if a.default else "")
        table.add_row(present.service_name(ctx.catalog, a.service), below, "" if a.left_percent is None else f"{a.left_percent}%")
    out().print(table)


@package_alert_app.command("set")
def package_alert_set(account_id: str, service: str,
                      percent: Annotated[str, typer.Argument(help="A whole percent from 1 to 99, or 'off'.")],
                      db: DbOpt = None) -> None:
    """Remind the customer once when a service's active packages have less than PERCENT of what they held left."""
    ctx = open_ctx(db)
    value: int | None = None
    if percent.strip().lower() != "off":
        try:
            value = int(percent.strip().rstrip("%"))
        except ValueError:
            fail(f"{percent!r} is not a whole percent (1 to 99) or 'off'")
    with Errors(ctx, "package_alert.set", account_id, service=service, threshold_percent=value):
        alert = services.set_package_alert(ctx, account_id, service, value)
    out().print(f"{account_id}: {present.service_name(ctx.catalog, service)} package alert "
                f"{'off' if alert.threshold_percent is None else 'below ' + str(alert.threshold_percent) + '%'}")

