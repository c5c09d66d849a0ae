"""The demo's group account (R32): a second kitchen, 金龙餐饮新街口店, that pays through the first
one's wallet from 2 October. The group's finance team tops the payer up by what the branch's
package costs on the morning it is bought, so that the first kitchen's own month reads as it
would alone; the branch's calls stay within its package."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal

from .. import services
from ..domain.days import SHANGHAI
from ..services import Context
from .simulate import MONTH_START

BRANCH = "Golden Dragon Kitchens Xinjiekou 金龙餐饮新街口店"
PACKAGE = "ai.kitchen.100k"
CALLS_A_DAY = 2_400
"""Kitchen calls the branch's cameras make a day (within its 100k package over the month)."""


def open_branch(ctx: Context, clock, payer_id: str) -> str:
    """The branch's account, on balance terms, joining the payer on the 1st (from the 2nd)."""
    branch, _ = services.create_account(ctx, BRANCH, "cn", payment="balance")
    services.set_payer(ctx, branch.id, payer_id, clock.now)
    return branch.id


def morning(ctx: Context, clock, payer_id: str, branch_id: str, day: date) -> None:
    """On the 2nd at 09:00 the group tops the payer up by the package's price, and at 09:05 the
    branch buys it, paid from the payer's wallet."""
    if day != MONTH_START + timedelta(days=1):
        return
    price = ctx.catalog_at(clock.now).sku(PACKAGE).price
    clock.now = datetime.combine(day, time(9), tzinfo=SHANGHAI)
    services.topup(ctx, payer_id, price, f"group-{day:%Y%m%d}-xinjiekou")
    clock.now = datetime.combine(day, time(9, 5), tzinfo=SHANGHAI)
    services.buy(ctx, branch_id, PACKAGE)


def usage(day: date) -> list[dict]:
    """The branch's kitchen calls of a day: one report an hour from 10:00 to 21:00, from the day
    its package is bought (the 2nd)."""
    if day <= MONTH_START:
        return []
    per_hour = CALLS_A_DAY // 12
    return [{"event_id": f"xjk-{day:%m%d}-{h}", "service": "ai.kitchen", "quantity": per_hour, "region": "ap-nanjing",
             "timestamp": datetime.combine(day, time(h, 30), tzinfo=SHANGHAI).isoformat()} for h in range(10, 22)]


def summary(ctx: Context, payer_id: str, branch_id: str) -> str:
    """One line for the terminal: the group, what the payer paid for the branch in October."""
    statement = services.books.statement(ctx, payer_id, MONTH_START)
    rows = [g for g in statement.group if g.account_id == branch_id]
    paid = rows[0].total if rows else Decimal(0)
    members = services.members(ctx, payer_id)
    since = members[0].since if members else None
    return (f"group accounts (R32): {BRANCH} ({branch_id}) paid through {statement.account_name} from {since}: "
            f"{paid:,.2f} CNY in October, on its statement's member section")
