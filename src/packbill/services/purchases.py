"""Buying packages (R2, R4) and the lifetime refund (R10)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa

from ..domain import Package, check_refund, purchase
from ..domain.errors import NotFound
from ..domain.money import to_fen
from ..storage import schema as t
from ..storage.db import to_us
from ..storage.repo import get_account, package_from_row
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
        account = get_account(conn, account_id, lock="update")
        packages, amount = purchase(ctx.catalog, account_id, account.site, sku, count, at, 0, lambda: _new_id("pkg_"))
        order_id = _new_id("ord_")
        conn.execute(
            sa.insert(t.orders).values(
                id=order_id, account_id=account_id, sku=sku, count=count, amount_fen=to_fen(amount), at_us=to_us(at)
            )
        )
        conn.execute(
            sa.insert(t.packages),
            [
                dict(
                    id=p.id,
                    account_id=account_id,
                    order_id=order_id,
                    sku=p.sku,
                    service=p.service,
                    size=p.size,
                    remaining=p.size,
                    price_fen=to_fen(p.price),
                    purchased_us=to_us(at),
                    first_day=p.first_day,
                    last_day=p.last_day,
                )
                for p in packages
            ],
        )
        rows = conn.execute(
            sa.select(t.packages).where(t.packages.c.order_id == order_id).order_by(t.packages.c.seq)
        ).all()
        return Purchase(order_id, [package_from_row(r) for r in rows], amount)

    return ctx.db.write_retrying(work)


def refund(ctx: Context, account_id: str, package_id: str, at: datetime | None = None) -> tuple[Package, Decimal]:
    at = at or ctx.now()

    def work(conn):
        get_account(conn, account_id, lock="update")
        account_refunds = conn.execute(sa.select(t.accounts.c.refunds).where(t.accounts.c.id == account_id)).scalar_one()
        row = conn.execute(
            sa.select(t.packages).where(t.packages.c.id == package_id, t.packages.c.account_id == account_id)
        ).first()
        if row is None:
            raise NotFound("there is no such package in this account")
        package = package_from_row(row)
        drawn = conn.execute(
            sa.select(sa.func.coalesce(sa.func.sum(t.draws.c.quantity), 0)).where(t.draws.c.package_id == package_id)
        ).scalar_one()
        amount = check_refund(package, int(drawn), account_refunds, at)
        conn.execute(
            sa.update(t.packages)
            .where(t.packages.c.id == package_id)
            .values(refunded_us=to_us(at), refund_fen=to_fen(amount))
        )
        conn.execute(sa.update(t.accounts).where(t.accounts.c.id == account_id).values(refunds=t.accounts.c.refunds + 1))
        row = conn.execute(sa.select(t.packages).where(t.packages.c.id == package_id)).one()
        return package_from_row(row), amount

    return ctx.db.write_retrying(work)
