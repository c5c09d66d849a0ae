"""Orders, packages, and the draws that settlement wrote against them, as rows."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Sequence

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from ..domain import Package
from ..domain.errors import NotFound
from ..domain.money import from_fen, to_fen
from . import schema as t
from .sql import day_value, from_us, to_us


def _package(row) -> Package:
    return Package(
        id=row.id,
        account_id=row.account_id,
        sku=row.sku,
        service=row.service,
        size=row.size,
        price=from_fen(row.price_fen),
        purchased_at=from_us(row.purchased_us),
        seq=row.seq,
        first_day=day_value(row.first_day),
        last_day=day_value(row.last_day),
        refunded_at=from_us(row.refunded_us) if row.refunded_us is not None else None,
    )


def insert_order(conn: Connection, order_id: str, account_id: str, sku: str, count: int, amount: Decimal, at: datetime,
                 packages: Sequence[Package]) -> list[Package]:
    """Store an order and its packages; returns the packages as stored (with their seq)."""
    conn.execute(sa.insert(t.orders).values(id=order_id, account_id=account_id, sku=sku, count=count,
                                            amount_fen=to_fen(amount), at_us=to_us(at)))
    conn.execute(
        sa.insert(t.packages),
        [dict(id=p.id, account_id=account_id, order_id=order_id, sku=p.sku, service=p.service, size=p.size, remaining=p.size,
              price_fen=to_fen(p.price), purchased_us=to_us(p.purchased_at), first_day=p.first_day, last_day=p.last_day)
         for p in packages],
    )
    rows = conn.execute(sa.select(t.packages).where(t.packages.c.order_id == order_id).order_by(t.packages.c.seq))
    return [_package(r) for r in rows]


def load_packages(conn: Connection, account_ids: str | Sequence[str]) -> list[tuple[Package, int]]:
    """The packages of one account (or several) with their stored remaining (every settled day counted)."""
    ids = [account_ids] if isinstance(account_ids, str) else list(account_ids)
    query = sa.select(t.packages).where(t.packages.c.account_id.in_(ids))
    return [(_package(r), r.remaining) for r in conn.execute(query)]


def get_package(conn: Connection, account_id: str, package_id: str) -> Package:
    row = conn.execute(sa.select(t.packages).where(t.packages.c.id == package_id, t.packages.c.account_id == account_id)).first()
    if row is None:
        raise NotFound("there is no such package in this account")
    return _package(row)


def drawn_total(conn: Connection, package_id: str) -> int:
    return int(conn.execute(sa.select(sa.func.coalesce(sa.func.sum(t.draws.c.quantity), 0))
                            .where(t.draws.c.package_id == package_id)).scalar_one())


def mark_refunded(conn: Connection, package_id: str, at: datetime, amount: Decimal) -> None:
    conn.execute(sa.update(t.packages).where(t.packages.c.id == package_id).values(refunded_us=to_us(at), refund_fen=to_fen(amount)))


def draws_by_package(conn: Connection, package_ids: Sequence[str], through: date | None = None) -> dict[str, list[tuple[date, int]]]:
    """Per package, the quantity drawn per usage day (optionally up to ``through``)."""
    out: dict[str, list[tuple[date, int]]] = {pid: [] for pid in package_ids}
    if not package_ids:
        return out
    query = (
        sa.select(t.draws.c.package_id, t.draws.c.day, sa.func.sum(t.draws.c.quantity))
        .where(t.draws.c.package_id.in_(package_ids))
        .group_by(t.draws.c.package_id, t.draws.c.day)
    )
    if through is not None:
        query = query.where(t.draws.c.day <= through)
    for pid, day, qty in conn.execute(query):
        out[pid].append((day_value(day), int(qty)))
    return out
