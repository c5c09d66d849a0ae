"""Orders, packages, and the draws that settlement wrote against them, as rows."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from ..domain.errors import NotFound
from ..domain.model import Package
from ..domain.money import from_fen, to_fen
from ..domain.wallet import Payment
from . import schema
from .sql import Raw, day_value, from_us, to_us


def package_of(row) -> Package:
    """A package from its row of ``packages``."""
    return _package(row)


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
                 packages: Sequence[Package], list_amount: Decimal, list_price: Decimal, paid: Payment,
                 statement_month: date | None = None, paid_by: str | None = None) -> list[Package]:
    """Store an order and its packages; returns the packages as stored (with their seq).

    amount: the contracted total (R16); each package's price is its share of it. paid_by: the
    payer whose wallet paid it (R32), None: the account itself."""
    conn.execute(sa.insert(schema.orders).values(id=order_id, account_id=account_id, sku=sku, count=count,
                                            amount_fen=to_fen(amount), at_us=to_us(at), list_amount_fen=to_fen(list_amount),
                                            voucher_fen=to_fen(paid.voucher_total), cash_fen=to_fen(paid.cash),
                                            statement_month=statement_month, paid_by=paid_by))
    conn.execute(
        sa.insert(schema.packages),
        [dict(id=p.id, account_id=account_id, order_id=order_id, sku=p.sku, service=p.service, size=p.size, remaining=p.size,
              price_fen=to_fen(p.price), purchased_us=to_us(p.purchased_at), first_day=p.first_day, last_day=p.last_day,
              list_price_fen=to_fen(list_price))
         for p in packages],
    )
    rows = conn.execute(sa.select(schema.packages).where(schema.packages.c.order_id == order_id).order_by(schema.packages.c.seq))
    return [_package(r) for r in rows]


def package_payer(conn: Connection, account_id: str, package_id: str) -> str | None:
    """The payer whose wallet paid for a package's order (R32); None: the account itself, or no such package."""
    o, p = schema.orders, schema.packages
    return conn.execute(sa.select(o.c.paid_by).join(p, sa.and_(p.c.account_id == o.c.account_id, p.c.order_id == o.c.id))
                        .where(p.c.account_id == account_id, p.c.id == package_id)).scalar()


_PACKAGE_COLUMNS = "id, account_id, sku, service, size, price_fen, purchased_us, seq, first_day, last_day, refunded_us, list_price_fen, remaining"


class _Known:
    """A read-through cache of packages as bought, per database and account (the package list's
    cost is building them). Only what never changes once a package is bought is kept: every read
    asks the database for each package's remaining and refund, and rebuilds a package whose
    refund differs or that it has not seen. Bounded by the packages it holds, least recently
    used account first."""

    LIMIT = 200_000

    def __init__(self) -> None:
        self.accounts: OrderedDict[tuple[str, str], dict[str, tuple[Package, int | None]]] = OrderedDict()
        self.size = 0
        self.lock = threading.Lock()

    def get(self, key: tuple[str, str]) -> dict[str, tuple[Package, int | None]]:
        with self.lock:
            found = self.accounts.get(key)
            if found is not None:
                self.accounts.move_to_end(key)
            return found or {}

    def put(self, key: tuple[str, str], packages: dict[str, tuple[Package, int | None]]) -> None:
        with self.lock:
            self.size += len(packages) - len(self.accounts.pop(key, {}))
            self.accounts[key] = packages
            while self.size > self.LIMIT and len(self.accounts) > 1:
                self.size -= len(self.accounts.popitem(last=False)[1])


_KNOWN = _Known()


def account_packages(conn: Connection, account_id: str) -> list[tuple[Package, int]]:
    """One account's packages with their stored remaining, as ``load_packages`` gives them; the
    packages themselves come from ``_KNOWN`` when it has them with the same refund."""
    with Raw(conn) as raw:
        rows = raw.all("SELECT id, remaining, refunded_us FROM packages WHERE account_id = ?", (account_id,))
    key = (conn.engine.url.render_as_string(hide_password=False), account_id)
    known = _KNOWN.get(key)
    if any((k := known.get(pid)) is None or k[1] != refunded for pid, _, refunded in rows):
        known = {p.id: (p, None if p.refunded_at is None else to_us(p.refunded_at)) for p, _ in load_packages(conn, [account_id])}
        _KNOWN.put(key, known)
    return [(known[pid][0], remaining) for pid, remaining, _ in rows if pid in known]


def load_packages(conn: Connection, account_ids: str | Sequence[str]) -> list[tuple[Package, int]]:
    """The packages of one account (or several) with their stored remaining (every settled day counted).

    Read with the driver's own cursor, each distinct price, moment and day converted once: an
    account holds up to thousands of packages bought in a few orders, and this is the package
    list's whole cost."""
    ids = [account_ids] if isinstance(account_ids, str) else list(account_ids)
    if not ids:
        return []
    fen: dict[int, object] = {}
    moments: dict[int, object] = {}
    days: dict[object, object] = {}
    out: list[tuple[Package, int]] = []
    with Raw(conn) as raw:
        for start in range(0, len(ids), 5000):
            part = ids[start : start + 5000]
            for (pid, account_id, sku, service, size, price_fen, purchased_us, seq, first_day, last_day, refunded_us,
                 list_price_fen, remaining) in raw.all(f"SELECT {_PACKAGE_COLUMNS} FROM packages WHERE account_id IN "
                                                       f"({', '.join(['?'] * len(part))})", part):
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
    return out


def get_package(conn: Connection, account_id: str, package_id: str) -> Package:
    row = conn.execute(sa.select(schema.packages).where(schema.packages.c.id == package_id, schema.packages.c.account_id == account_id)).first()
    if row is None:
        raise NotFound("there is no such package in this account")
    return _package(row)


def drawn_total(conn: Connection, package_id: str) -> int:
    return int(conn.execute(sa.select(sa.func.coalesce(sa.func.sum(schema.draws.c.quantity), 0))
                            .where(schema.draws.c.package_id == package_id)).scalar_one())


def mark_refunded(conn: Connection, account_id: str, package_id: str, at: datetime, amount: Decimal) -> None:
    p = schema.packages
    conn.execute(sa.update(p).where(p.c.account_id == account_id, p.c.id == package_id).values(refunded_us=to_us(at), refund_fen=to_fen(amount)))


def drawn_through(conn: Connection, account_id: str, through: date) -> dict[str, int]:
    """Per package of the account, the quantity drawn on usage days up to ``through``."""
    with Raw(conn) as raw:
        return {pid: int(q) for pid, q in raw.all(
            "SELECT d.package_id, sum(d.quantity) FROM packages p JOIN draws d ON d.package_id = p.id AND d.account_id = p.account_id "
            "WHERE p.account_id = ? AND d.day <= ? GROUP BY d.package_id", (account_id, raw.day(through)))}


def draws_by_package(conn: Connection, package_ids: Sequence[str], through: date | None = None) -> dict[str, list[tuple[date, int]]]:
    """Per package, the quantity drawn per usage day (optionally up to ``through``)."""
    out: dict[str, list[tuple[date, int]]] = {pid: [] for pid in package_ids}
    if not package_ids:
        return out
    query = (
        sa.select(schema.draws.c.package_id, schema.draws.c.day, sa.func.sum(schema.draws.c.quantity))
        .where(schema.draws.c.package_id.in_(package_ids))
        .group_by(schema.draws.c.package_id, schema.draws.c.day)
    )
    if through is not None:
        query = query.where(schema.draws.c.day <= through)
    for pid, day, qty in conn.execute(query):
        out[pid].append((day_value(day), int(qty)))
    return out


def get_order(conn: Connection, account_id: str, order_id: str) -> tuple[Decimal, Decimal, Payment, list[str]]:
    """(contracted amount, list amount, what paid it, package ids) of an order."""
    o = schema.orders
    r = conn.execute(sa.select(o).where(o.c.id == order_id, o.c.account_id == account_id)).first()
    if r is None:
        raise NotFound("there is no such order in this account")
    ids = [x[0] for x in conn.execute(sa.select(schema.packages.c.id).where(schema.packages.c.order_id == order_id).order_by(schema.packages.c.seq))]
    pv = schema.package_vouchers
    parts = conn.execute(sa.select(pv.c.voucher_id, sa.func.sum(pv.c.amount_fen)).where(pv.c.package_id.in_(ids))
                         .group_by(pv.c.voucher_id).order_by(pv.c.voucher_id)).all()
    return (from_fen(r.amount_fen), from_fen(r.list_amount_fen if r.list_amount_fen is not None else r.amount_fen),
            Payment(tuple((v, from_fen(int(f))) for v, f in parts), from_fen(r.cash_fen)), ids)


def refunded_amount(conn: Connection, account_id: str, package_id: str) -> Decimal:
    p = schema.packages
    return from_fen(conn.execute(sa.select(p.c.refund_fen).where(p.c.account_id == account_id, p.c.id == package_id)).scalar_one() or 0)
