"""What a buyer is shown before buying (R2, R13, R16, R18): the quote, and for a traffic package
bought on daily-peak billing the warning that it stays frozen, with what each billing type cost."""

from __future__ import annotations

from dataclasses import dataclass

from ..domain.catalog import TRAFFIC_SERVICES
from ..domain.days import shanghai_day
from ..domain.model import TrafficBilling
from ..domain.purchase import Quote, quote
from ..domain.traffic_what_if import TrafficWhatIf
from ..storage import accounts as accounts_store
from ..storage import wallet as wallet_store
from .accounts import account_view
from .advice import traffic_costs
from .context import Context
from .groups import payer_of


@dataclass(frozen=True, slots=True)
class Confirmation:
    """What the buyer is shown before buying: the quote, and for a traffic package bought on
    daily-peak billing the warning that it stays frozen (R13) with what each billing type cost
    over the last 30 days."""

    quote: Quote
    frozen: bool
    costs: TrafficWhatIf | None
    payer: tuple[str, str] | None = None
    """R32: (id, name) of the payer whose wallet would pay, when it is not the buyer's."""


def confirmation(ctx: Context, account_id: str, sku: str, count: int = 1) -> Confirmation:
    """What buying would mean now (``domain.purchase.quote``); refused as a purchase is (the
    site, an unknown SKU, the count), but money short is part of the answer. A member's quote is
    paid from its payer's wallet of today (R32), as the purchase would be."""
    at = ctx.now()
    with ctx.db.read() as conn:
        account = accounts_store.get_account(conn, account_id)
        payer = payer_of(conn, account_id, shanghai_day(at))
        purse = wallet_store.load_purse(conn, payer or account_id)
        named = (payer, accounts_store.get_account(conn, payer).name) if payer else None
        rates = wallet_store.load_rates(conn, [account_id])[account_id]
    found = quote(ctx.catalog_at(at), account_id, account.site, sku, count, at, rates, purse)
    frozen = freezes(ctx, account_id, sku)
    return Confirmation(found, frozen, traffic_costs(ctx, account_id) if frozen else None, named)


def freezes(ctx: Context, account_id: str, sku: str) -> bool:
    """R13: a package of ``sku`` bought now would stay frozen (traffic, on daily-peak billing)."""
    return (ctx.catalog.sku(sku).service in TRAFFIC_SERVICES
            and account_view(ctx, account_id, ctx.now()).traffic_billing is TrafficBilling.DAILY_PEAK_BANDWIDTH)
