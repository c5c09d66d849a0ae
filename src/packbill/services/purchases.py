"""Buying packages (R2, R4, R16, R18) and the lifetime refund (R10, R18)."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy.engine import Connection

from ..domain import journal
from ..domain.catalog import UnknownSku
from ..domain.days import shanghai_day
from ..domain.errors import BillingError
from ..domain.limits import MAX_COUNT
from ..domain.model import Package, Site
from ..domain.purchase import sell
from ..domain.refund import check_refund
from ..domain.wallet import Payment, pay_back
from ..storage import accounts as accounts_store
from ..storage import books as books_store
from ..storage import notify as notify_store
from ..storage import packages as packages_store
from ..storage import wallet as wallet_store
from ..storage.sql import lock_accounts
from . import groups, idempotency, invoicing
from .context import Context, not_ahead
from .idempotency import IdempotencyKey, Replayed
from .operators import Principal, recorded
from .wallet import commit_movement, record_movement


def _new_id(prefix: str) -> str:
    return prefix + uuid.uuid4().hex[:20]


@dataclass(frozen=True, slots=True)
class Purchase:
    order_id: str
    packages: list[Package]
    amount: Decimal
    """The contracted total (R16)."""
    list_amount: Decimal = Decimal("0.00")
    paid: Payment = Payment()
    balance: Decimal | None = None
    """The cash balance right after the purchase (None for an order read back later)."""


def buy(ctx: Context, account_id: str, sku: str, count: int = 1, at: datetime | None = None,
        idem: IdempotencyKey | None = None) -> Purchase:
    """Create the packages of one order and pay for them (vouchers first, then cash); nothing is
    created or charged when the purchase is refused (R2, unknown SKU, R18 insufficient funds)."""
    at = not_ahead(ctx, at, "a purchase")

    def work(conn: Connection) -> Purchase:
        # what the account has (under its lock and its payer's, R32; finalising a month takes them too)
        groups.lock_with_payer(conn, account_id, shanghai_day(at))
        account = accounts_store.get_account(conn, account_id)
        idempotency.check(conn, idem)
        bought = buy_locked(ctx, conn, account.site, account_id, sku, count, at)
        idempotency.claim(conn, idem, bought.order_id, at)
        return bought

    bought = idempotency.run(ctx, idem, work)
    if ctx.touched is not None:  # the live sweep looks at the account's budget (R30)
        ctx.touched.add((account_id,))
    return bought


def buy_locked(ctx: Context, conn: Connection, site: Site, account_id: str, sku: str, count: int, at: datetime,
               also: dict | None = None) -> Purchase:
    """One purchase in the caller's transaction, which holds the account's lock: the rules
    (``domain.purchase.sell``), then the order, the payment, the journal and the ``package.bought``
    event (``also``: more for its data, e.g. the auto-rebuy trigger that made it). The wallet that
    pays is the account's payer's of the purchase's day, if it has one (R32): its money, terms,
    credit limit and arrears; the packages are the account's."""
    owner = groups.wallet_owner(conn, account_id, shanghai_day(at))
    payer = owner if owner != account_id else None
    before = wallet_store.load_purse(conn, owner)
    rates = wallet_store.load_rates(conn, [account_id])[account_id]
    final = books_store.final_month_rows(conn)
    catalog = ctx.catalog_at(at)  # R31: the version in force at the purchase's moment
    sale = sell(catalog, account_id, site, sku, count, at, rates, before, final, _new_id("ord_"), lambda: _new_id("pkg_"), payer=payer)
    stored = packages_store.insert_order(conn, sale.order_id, account_id, sku, count, sale.amount, at, sale.packages, sale.list_amount,
                                         catalog.sku(sku).price, sale.payment, statement_month=sale.statement_month, paid_by=payer)
    wallet_store.record_package_payments(conn, account_id, sale.payments)
    record_movement(conn, owner, before, sale.purse, sale.events, at, [sale.entry], sale.statement_month,
                    suspend_after=ctx.delays.suspend_after)
    account, kind, data, once = sale.notice()
    notify_store.emit(conn, [(account, kind, {**data, **(also or {})}, once)], at)
    return Purchase(sale.order_id, stored, sale.amount, sale.list_amount, sale.payment, sale.purse.cash)


@dataclass(frozen=True, slots=True)
class Refund:
    package: Package
    amount: Decimal
    paid_back: Payment


def refund(ctx: Context, account_id: str, package_id: str, at: datetime | None = None,
           idem: IdempotencyKey | None = None) -> Refund:
    """R10: the one no-reason refund; R18: it pays back exactly what was paid, to cash and to the
    vouchers it came from (a voucher's part that has expired since is forfeited), in the wallet
    that paid: the payer's when the package was bought through one (R32)."""
    at = not_ahead(ctx, at, "a refund")

    def work(conn) -> Refund:
        payer = packages_store.package_payer(conn, account_id, package_id)  # R32: the wallet that paid (an order never changes)
        owner = payer or account_id
        lock_accounts(conn, [account_id, owner])
        account = accounts_store.get_account(conn, account_id)
        idempotency.check(conn, idem)
        package = packages_store.get_package(conn, account_id, package_id)
        amount = check_refund(package, packages_store.drawn_total(conn, package_id), account.refunds, at)
        packages_store.mark_refunded(conn, account_id, package_id, at, amount)
        accounts_store.count_refund(conn, account_id)
        before = wallet_store.load_purse(conn, owner)
        back, forfeited, after = pay_back(before, wallet_store.package_payments(conn, account_id, package_id), shanghai_day(at))
        commit_movement(conn, owner, before, after, at, [journal.refund(owner, package_id, back, forfeited, member=account_id if payer else None)],
                        charge=False, suspend_after=ctx.delays.suspend_after)
        invoicing.red_letter(ctx, conn, owner, at)  # R33: invoiced above what the payments now allow: a red-letter request
        notify_store.emit(conn, [(account_id, "package.refunded", {
            "package_id": package_id, "sku": package.sku, "amount": str(amount),
            "paid_back": {"voucher": str(back.voucher_total), "cash": str(back.cash)}}, None)], at)
        idempotency.claim(conn, idem, package_id, at)
        return Refund(packages_store.get_package(conn, account_id, package_id), amount, back)

    return idempotency.run(ctx, idem, work)


def order(ctx: Context, account_id: str, order_id: str) -> Purchase:
    """An order as it was bought (for replaying the purchase's answer)."""
    with ctx.db.read() as conn:
        amount, list_amount, paid, ids = packages_store.get_order(conn, account_id, order_id)
        packages = [packages_store.get_package(conn, account_id, pid) for pid in ids]
    return Purchase(order_id, packages, amount, list_amount, paid)


def refund_of(ctx: Context, account_id: str, package_id: str) -> Refund:
    with ctx.db.read() as conn:
        return Refund(packages_store.get_package(conn, account_id, package_id), packages_store.refunded_amount(conn, account_id, package_id),
                      wallet_store.package_payments(conn, account_id, package_id))


@dataclass(frozen=True, slots=True)
class PlanBought:
    """What buying a plan did: the amount spent, and the refusal that stopped it (None: all bought)."""

    spent: Decimal
    refused: Exception | None = None


def buy_plan(ctx: Context, principal: Principal, via: str, account_id: str, wanted: Sequence[tuple[str, int]],
             key_of: Callable[[str, int], IdempotencyKey | None]) -> PlanBought:
    """R27: buy what the advisor's plan says to buy now, each (sku, count) through the normal
    purchase (funds check included) and recorded apart (R24); a count above one purchase's limit
    is bought in several purchases; stops at the first refusal. A purchase already made with the
    same key (a form sent twice) is not made again."""
    spent = Decimal(0)
    for sku, count in wanted:
        for part, n in enumerate(range(count, 0, -MAX_COUNT)):
            n = min(n, MAX_COUNT)
            try:
                with recorded(ctx, principal, via, "package.buy", target=account_id, account_id=account_id,
                              parameters={"sku": sku, "count": n, "plan": True}):
                    spent += buy(ctx, account_id, sku, n, idem=key_of(f"{sku}#{part}" if part else sku, n)).amount
            except Replayed:
                continue
            except (BillingError, UnknownSku) as exc:
                return PlanBought(spent, exc)
    return PlanBought(spent)
