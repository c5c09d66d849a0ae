"""Invoice titles and requests as rows (R33)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from ..domain.errors import NotFound
from ..domain.invoice import RequestStatus, Split, Title, TitleType
from ..domain.money import from_fen, to_fen
from . import schema
from .sql import from_us, to_us


@dataclass(frozen=True, slots=True)
class TitleRow:
    id: str
    title: Title
    created_at: datetime
    deleted: bool


@dataclass(frozen=True, slots=True)
class RequestRow:
    id: str
    account_id: str
    kind: str
    """blue (an invoice) or red (a red-letter reversal, its amounts below zero)."""
    title_id: str | None
    split: Split
    rate: Decimal
    status: RequestStatus
    number: str | None
    reason: str | None
    reverses: tuple[str, ...]
    requested_at: datetime
    decided_at: datetime | None


def _next(conn: Connection, table: sa.Table, account_id: str) -> int:
    """The next number of an account's rows of ``table`` (the caller holds the account's lock)."""
    return int(conn.execute(sa.select(sa.func.coalesce(sa.func.max(table.c.seq), 0)).where(table.c.account_id == account_id)).scalar()) + 1


def _title(r) -> TitleRow:
    return TitleRow(r.id, Title(TitleType(r.type), r.name, r.tax_id, r.address, r.phone, r.bank, r.bank_account), from_us(r.created_us),
                    r.deleted_us is not None)


def titles(conn: Connection, account_id: str, with_deleted: bool = False) -> list[TitleRow]:
    t = schema.invoice_titles
    query = sa.select(t).where(t.c.account_id == account_id).order_by(t.c.seq)
    return [_title(r) for r in conn.execute(query) if with_deleted or r.deleted_us is None]


def get_title(conn: Connection, account_id: str, title_id: str) -> TitleRow:
    t = schema.invoice_titles
    r = conn.execute(sa.select(t).where(t.c.account_id == account_id, t.c.id == title_id)).first()
    if r is None or r.deleted_us is not None:
        raise NotFound(f"there is no invoice title {title_id}", {"title_id": title_id})
    return _title(r)


def insert_title(conn: Connection, account_id: str, title_id: str, title: Title, at: datetime) -> None:
    conn.execute(sa.insert(schema.invoice_titles).values(
        account_id=account_id, id=title_id, seq=_next(conn, schema.invoice_titles, account_id), type=title.type.value, name=title.name,
        tax_id=title.tax_id, address=title.address,
        phone=title.phone, bank=title.bank, bank_account=title.bank_account, created_us=to_us(at)))


def delete_title(conn: Connection, account_id: str, title_id: str, at: datetime) -> None:
    get_title(conn, account_id, title_id)
    t = schema.invoice_titles
    conn.execute(sa.update(t).where(t.c.account_id == account_id, t.c.id == title_id).values(deleted_us=to_us(at)))


def _request(r) -> RequestRow:
    return RequestRow(r.id, r.account_id, r.kind, r.title_id, Split(from_fen(r.amount_fen), from_fen(r.net_fen), from_fen(r.tax_fen)),
                      Decimal(r.rate), RequestStatus(r.status), r.number, r.reason, tuple(filter(None, (r.reverses or "").split(","))),
                      from_us(r.requested_us), from_us(r.decided_us) if r.decided_us is not None else None)


def insert_request(conn: Connection, account_id: str, request_id: str, kind: str, title_id: str | None, split: Split, rate: Decimal,
                   at: datetime, reverses: tuple[str, ...] = ()) -> None:
    conn.execute(sa.insert(schema.invoice_requests).values(
        account_id=account_id, id=request_id, seq=_next(conn, schema.invoice_requests, account_id), kind=kind, title_id=title_id,
        amount_fen=to_fen(split.amount), net_fen=to_fen(split.net),
        tax_fen=to_fen(split.tax), rate=str(rate), status=RequestStatus.PENDING.value, requested_us=to_us(at),
        reverses=",".join(reverses) or None))


def requests(conn: Connection, account_id: str | None = None, status: RequestStatus | None = None) -> list[RequestRow]:
    q = schema.invoice_requests
    query = sa.select(q).order_by(q.c.requested_us, q.c.account_id, q.c.seq)
    if account_id is not None:
        query = query.where(q.c.account_id == account_id)
    if status is not None:
        query = query.where(q.c.status == status.value)
    return [_request(r) for r in conn.execute(query)]


def get_request(conn: Connection, request_id: str) -> RequestRow:
    q = schema.invoice_requests
    r = conn.execute(sa.select(q).where(q.c.id == request_id)).first()
    if r is None:
        raise NotFound(f"there is no invoice request {request_id}", {"request_id": request_id})
    return _request(r)


def decide(conn: Connection, request: RequestRow, status: RequestStatus, at: datetime, number: str | None = None,
           reason: str | None = None) -> None:
    q = schema.invoice_requests
    conn.execute(sa.update(q).where(q.c.account_id == request.account_id, q.c.id == request.id).values(
        status=status.value, number=number, reason=reason, decided_us=to_us(at)))


def pending_total(conn: Connection, account_id: str, kind: str, at: datetime | None = None) -> Decimal:
    """What an account's requests of a kind pending now (or at the moment ``at``) ask for (red ones below zero)."""
    q = schema.invoice_requests
    if at is None:
        pending = q.c.status == RequestStatus.PENDING.value
    else:
        pending = sa.and_(q.c.requested_us <= to_us(at), sa.or_(q.c.decided_us.is_(None), q.c.decided_us > to_us(at)))
    total = conn.execute(sa.select(sa.func.coalesce(sa.func.sum(q.c.amount_fen), 0)).where(
        q.c.account_id == account_id, q.c.kind == kind, pending)).scalar()
    return from_fen(int(total))


def issued_numbers(conn: Connection, account_id: str) -> list[tuple[str, Decimal]]:
    """The account's invoices, newest first: (number, amount) (red-letter ones below zero)."""
    i = schema.invoices
    return [(r.number, from_fen(r.amount_fen)) for r in conn.execute(
        sa.select(i.c.number, i.c.amount_fen).where(i.c.account_id == account_id).order_by(i.c.id.desc()))]

