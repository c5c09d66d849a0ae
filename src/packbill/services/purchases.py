"""Buying packages (R2, R4) and the lifetime refund (R10)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from ..domain import Package, check_refund, purchase
from ..storage import accounts as accounts_store
from ..storage import packages as store
from .context import Context


def _new_id(prefix: str) -> str:
    return prefix + uuid.uuid4().hex[:20]


@dataclass(frozen=True, slots=True)
class Purchase:
    order_id: str
    packages: list[Package]
    amount: Decimal


def buy(ctx: Context, account_id: str, sku: str, count: int = 1, at: datetime | None = None) -> Purchase:
    """Create the packages of one order; nothing is created when the purchase is refused."""
    at = at or ctx.now()

    def work(conn) -> Purchase:
        account = accounts_store.get_account(conn, account_id, lock=True)
        packages, amount = purchase(ctx.catalog, account_id, account.site, sku, count, at, 0, lambda: _new_id("pkg_"))
        order_id = _new_id("ord_")
        return Purchase(order_id, store.insert_order(conn, order_id, account_id, sku, count, amount, at, packages), amount)

    return ctx.db.write_retrying(work)


def refund(ctx: Context, account_id: str, package_id: str, at: datetime | None = None) -> tuple[Package, Decimal]:
    at = at or ctx.now()

    def work(conn):
        account = accounts_store.get_account(conn, account_id, lock=True)
        package = store.get_package(conn, account_id, package_id)
        amount = check_refund(package, store.drawn_total(conn, package_id), account.refunds, at)
        store.mark_refunded(conn, package_id, at, amount)
        accounts_store.count_refund(conn, account_id)
        return store.get_package(conn, account_id, package_id), amount

    return ctx.db.write_retrying(work)
