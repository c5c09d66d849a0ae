"""``packbill packages``: buy, list, refund."""

from __future__ import annotations

from typing import Annotated

import typer

from .. import present, services
from ..present.tables import packages_table
from .common import AsOfOpt, DbOpt, Errors, moment, open_ctx, out

packages_app = typer.Typer(help="Packages: buy, list, refund.", no_args_is_help=True)
GROUPS = {"packages": packages_app}


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
    """List an account's packages in draw order, with what remains."""
    ctx = open_ctx(db)
    with Errors():
        views = services.list_packages(ctx, account_id, moment(as_of, "as-of"), status)
    out().print(packages_table(views))


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

