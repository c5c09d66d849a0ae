"""Buying packages (R2, R4): one-time, effective the same day, never renewed."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from . import journal
from .books import late_month
from .catalog import Catalog
from .days import require_aware, shanghai_day
from .errors import InvalidRequest, SiteNotEligible
from .journal import Entry
from .limits import MAX_COUNT
from .model import Package, Site
from .money import ZERO
from .wallet import DiscountRate, InsufficientFunds, Payment, Purse, after_movement, contracted, pay, rate_on, split, split_payment


def purchase(
    catalog: Catalog,
    account_id: str,
    site: Site,
    sku: str,
    count: int,
    at: datetime,
    first_seq: int,
    new_id: Callable[[], str],
) -> tuple[list[Package], Decimal]:
    """The packages a purchase creates and its total price; refuses before creating anything."""
    if Site(site) is not Site.CN:
        raise SiteNotEligible(
            "resource packages can be bought only by accounts on the China site (cn); "
            "this account is on the international site",
            {"site": str(site)},
        )
    item = catalog.sku(sku)
    if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= MAX_COUNT:
        raise InvalidRequest(f"count must be an integer from 1 to {MAX_COUNT}")
    require_aware(at)
    first_day = shanghai_day(at)
    last_day = item.validity.last_day(first_day)
    packages = [
        Package(
            id=new_id(),
            account_id=account_id,
            sku=item.sku,
            service=item.service,
            size=item.size,
            price=item.price,
            purchased_at=at,
            seq=first_seq + i,
            first_day=first_day,
            last_day=last_day,
            list_price=item.price,
        )
        for i in range(count)
    ]
    return packages, item.price * count


@dataclass(frozen=True, slots=True)
class Sale:
    """Everything one order means (R2, R4, R16 to R20): its packages, each priced at its share of
    the contracted total, how the total is paid, the purse after, the journal entry, the wallet
    events and the ``package.bought`` notification."""

    order_id: str
    packages: list[Package]
    list_amount: Decimal
    amount: Decimal
    payment: Payment
    payments: list[tuple[str, Payment]]
    """Each package's share of the payment."""
    purse: Purse
    events: list[str]
    entry: Entry
    statement_month: date | None
    """The month whose statement shows the purchase when its own month is final (late money)."""

    def notice(self) -> tuple[str, str, dict[str, Any], None]:
        """The ``package.bought`` notification (the packages carry the account and the SKU)."""
        first = self.packages[0]
        return (first.account_id, "package.bought", {
            "order_id": self.order_id, "sku": first.sku, "count": len(self.packages), "package_ids": [p.id for p in self.packages],
            "amount": str(self.amount), "list_amount": str(self.list_amount),
            "paid": {"voucher": str(self.payment.voucher_total), "cash": str(self.payment.cash)},
            "first_day": first.first_day.isoformat(), "last_day": first.last_day.isoformat()}, None)


def _priced(catalog: Catalog, account_id: str, site: Site, sku: str, count: int, at: datetime, rates: Sequence[DiscountRate],
            first_seq: int, new_id: Callable[[], str]) -> tuple[list[Package], Decimal, Decimal]:
    """The packages of an order and its list and contracted (R16) totals: what ``sell`` and
    ``quote`` both start from."""
    packages, list_exact = purchase(catalog, account_id, site, sku, count, at, first_seq, new_id)
    return (packages, *contracted(list_exact, rate_on(shanghai_day(at), rates)))


def sell(catalog: Catalog, account_id: str, site: Site, sku: str, count: int, at: datetime, rates: Sequence[DiscountRate],
         purse: Purse, final_months: Iterable[date], order_id: str, new_id: Callable[[], str], first_seq: int = 0,
         payer: str | None = None) -> Sale:
    """What buying ``count`` of ``sku`` at ``at`` means for the account (``rates``: its discount
    rates, ``purse``: the money that pays, before): refused before anything when the site, the
    SKU, the count or the funds do not allow it (R2, R18). ``payer``: the account whose wallet
    ``purse`` is when it is not the buyer's (R32): the entry is in its books, naming the buyer."""
    day = shanghai_day(at)
    packages, list_amount, amount = _priced(catalog, account_id, site, sku, count, at, rates, first_seq, new_id)
    payment, paid = pay(purse, amount, packages[0].service, day, refusable=True)
    shares = split(amount, count)
    packages = [replace(p, price=share) for p, share in zip(packages, shares, strict=True)]
    payments = list(zip([p.id for p in packages], split_payment(payment, shares), strict=True))
    after, events = after_movement(paid, at, day, charge=True)
    entry = journal.purchase(payer, order_id, payments, member=account_id) if payer else journal.purchase(account_id, order_id, payments)
    return Sale(order_id, packages, list_amount, amount, payment, payments, after, events, entry, late_month(day, final_months))


@dataclass(frozen=True, slots=True)
class Quote:
    """What buying ``count`` of ``sku`` now would mean, before anything is bought (the buyer's
    confirmation): the validity, the list and contracted (R16) amounts, what vouchers and cash
    would pay (R18) and the balance after; or, when the money does not reach, how much is
    missing. The same rules as ``sell``, so that the confirmation is what the purchase does."""

    sku: str
    count: int
    first_day: date
    last_day: date
    list_amount: Decimal
    amount: Decimal
    voucher: Decimal
    cash: Decimal
    balance_after: Decimal
    available: Decimal
    """What vouchers and balance (down to the credit limit) can pay for it."""
    short: Decimal
    """How much is missing (0 when it can be bought)."""

    @property
    def discount(self) -> Decimal:
        return self.list_amount - self.amount


def quote(catalog: Catalog, account_id: str, site: Site, sku: str, count: int, at: datetime, rates: Sequence[DiscountRate],
          purse: Purse) -> Quote:
    """R2, R4, R16, R18 as ``sell`` applies them, without selling; refused as ``sell`` refuses
    (the site, the SKU, the count), except that money short is an answer, not a refusal."""
    day = shanghai_day(at)
    packages, list_amount, amount = _priced(catalog, account_id, site, sku, count, at, rates, 0, lambda: "quote")
    service = packages[0].service
    available = purse.available(service, day)
    try:
        payment, paid = pay(purse, amount, service, day, refusable=True)
    except InsufficientFunds:
        return Quote(sku, count, packages[0].first_day, packages[0].last_day, list_amount, amount, ZERO, ZERO, purse.cash, available,
                     amount - available)
    return Quote(sku, count, packages[0].first_day, packages[0].last_day, list_amount, amount, payment.voucher_total, payment.cash,
                 paid.cash, available, ZERO)
