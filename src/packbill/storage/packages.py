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
from ..domain.wallet import Payment
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
        list_price=from_fen(row.list_price_fen) if row.list_price_fen is not None else from_fen(row.price_fen),
    )


def insert_order(conn: Connection, order_id: str, account_id: str, sku: str, count: int, amount: Decimal, at: datetime,
                 packages: Sequence[Package], list_amount: Decimal, list_price: Decimal, paid: Payment) -> list[Package]:
    """Store an order and its packages; returns the packages as stored (with their seq).

    amount: the contracted total (R16); each package's price is its share of it."""
    conn.execute(sa.insert(t.orders).values(id=order_id, account_id=account_id, sku=sku, count=count,
                                            amount_fen=to_fen(amount), at_us=to_us(at), list_amount_fen=to_fen(list_amount),
                                            voucher_fen=to_fen(paid.voucher_total), cash_fen=to_fen(paid.cash)))
    conn.execute(
        sa.insert(t.packages),
        [dict(id=p.id, account_id=account_id, order_id=order_id, sku=p.sku, service=p.service, size=p.size, remaining=p.size,
              price_fen=to_fen(p.price), purchased_us=to_us(p.purchased_at), first_day=p.first_day, last_day=p.last_day,
              list_price_fen=to_fen(list_price))
         for p in packages],
    )
    rows = conn.execute(sa.select(t.packages).where(t.packages.c.order_id == order_id).order_by(t.packages.c.seq))
    return [_package(r) for r in rows]


_PACKAGE_COLUMNS = "id, account_id, sku, service, size, price_fen, purchased_us, seq, first_day, last_day, refunded_us, list_price_fen, remaining"


def load_packages(conn: Connection, account_ids: str | Sequence[str]) -> list[tuple[Package, int]]:
    """The packages of one account (or several) with their stored remaining (every settled day counted).

    Read with the driver's own cursor, each distinct price, moment and day converted once: an
    account holds up to thousands of packages bought in a few orders, and this is the package
    list's whole cost."""
    ids = [account_ids] if isinstance(account_ids, str) else list(account_ids)
    if not ids:
        return []
    postgres = conn.dialect.name == "postgresql"
    mark = "%s" if postgres else "?"
    fen: dict[int, object] = {}
    moments: dict[int, object] = {}
    days: dict[object, object] = {}
    out: list[tuple[Package, int]] = []
    cursor = conn.connection.driver_connection.cursor()
    try:
        for start in range(0, len(ids), 5000):
            part = ids[start : start + 5000]
            cursor.execute(f"SELECT {_PACKAGE_COLUMNS} FROM packages WHERE account_id IN ({', '.join([mark] * len(part))})", part)
            for (pid, account_id, sku, service, size, price_fen, purchased_us, seq, first_day, last_day, refunded_us,
                 list_price_fen, remaining) in cursor.fetchall():
                price = fen.get(price_fen)
                if price is None:
                    price = fen[price_fen] = from_fen(price_fen)
                listed = price if list_price_fen is None or list_price_fen == price_fen else fen.get(list_price_fen)
                if listed is None:
                    listed = fen[list_price_fen] = from_fen(list_price_fen)
                bought = moments.get(purchased_us)
                if bought is None:
                    bought = moments[purchased_us] = from_us(purchased_us)
                first = days.get(first_day)
                if first is None:
                    first = days[first_day] = day_value(first_day)
                last = days.get(last_day)
                if last is None:
                    last = days[last_day] = day_value(last_day)
                out.append((Package(pid, account_id, sku, service, size, price, bought, seq, first, last,
                                    from_us(refunded_us) if refunded_us is not None else None, listed), remaining))
    finally:
        cursor.close()
    return out


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


def get_order(conn: Connection, account_id: str, order_id: str) -> tuple[Decimal, Decimal, Payment, list[str]]:
    """(contracted amount, list amount, what paid it, package ids) of an order."""
    o = t.orders
    r = conn.execute(sa.select(o).where(o.c.id == order_id, o.c.account_id == account_id)).first()
    if r is None:
        raise NotFound("there is no such order in this account")
    ids = [x[0] for x in conn.execute(sa.select(t.packages.c.id).where(t.packages.c.order_id == order_id).order_by(t.packages.c.seq))]
    pv = t.package_vouchers
    parts = conn.execute(sa.select(pv.c.voucher_id, sa.func.sum(pv.c.amount_fen)).where(pv.c.package_id.in_(ids))
                         .group_by(pv.c.voucher_id).order_by(pv.c.voucher_id)).all()
    return (from_fen(r.amount_fen), from_fen(r.list_amount_fen if r.list_amount_fen is not None else r.amount_fen),
            Payment(tuple((v, from_fen(int(f))) for v, f in parts), from_fen(r.cash_fen)), ids)


def refunded_amount(conn: Connection, package_id: str) -> Decimal:
    return from_fen(conn.execute(sa.select(t.packages.c.refund_fen).where(t.packages.c.id == package_id)).scalar_one() or 0)
