"""Accounts and their traffic billing requests, as rows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from ..domain.errors import NotFound
from ..domain.model import Site, TrafficBilling
from ..domain.money import from_fen
from ..domain.traffic_billing import SwitchRequest
from ..domain.wallet import PaymentTerms
from . import schema
from .sql import from_us, lock_accounts, to_us


@dataclass(frozen=True, slots=True)
class AccountRecord:
    id: str
    name: str
    site: Site
    created_at: datetime
    refunds: int
    terms: PaymentTerms = PaymentTerms.INVOICE
    cash: Decimal = Decimal("0.00")
    arrears_since: datetime | None = None


def _account(row) -> AccountRecord:
    return AccountRecord(row.id, row.name, Site(row.site), from_us(row.created_us), row.refunds, PaymentTerms(row.terms),
                         from_fen(row.cash_fen), from_us(row.arrears_since_us) if row.arrears_since_us is not None else None)


def insert_account(conn: Connection, account_id: str, name: str, site: Site, token_hash: str, created_at: datetime,
                   terms: PaymentTerms = PaymentTerms.INVOICE) -> AccountRecord:
    conn.execute(sa.insert(schema.accounts).values(id=account_id, name=name, site=site.value, token_hash=token_hash,
                                              created_us=to_us(created_at), terms=terms.value))
    return AccountRecord(account_id, name, site, created_at, 0, terms)


def get_account(conn: Connection, account_id: str, *, lock: bool = False) -> AccountRecord:
    """The account; ``lock``: hold it for the transaction (the writers' one lock order)."""
    if lock:
        lock_accounts(conn, [account_id])
    row = conn.execute(sa.select(schema.accounts).where(schema.accounts.c.id == account_id)).first()
    if row is None:
        raise NotFound(f"there is no account {account_id}")
    return _account(row)


def existing_ids(conn: Connection, ids: set[str]) -> frozenset[str]:
    """Those of ``ids`` that are accounts."""
    a = schema.accounts
    out: set[str] = set()
    wanted = sorted(i for i in ids if len(i) <= 40 and "\x00" not in i)
    for start in range(0, len(wanted), 5000):
        out.update(r[0] for r in conn.execute(sa.select(a.c.id).where(a.c.id.in_(wanted[start : start + 5000]))))
    return frozenset(out)


def known_account_ids(conn: Connection) -> frozenset[str]:
    return frozenset(r[0] for r in conn.execute(sa.select(schema.accounts.c.id)))


def account_by_token_hash(conn: Connection, token_hash: str) -> AccountRecord | None:
    row = conn.execute(sa.select(schema.accounts).where(schema.accounts.c.token_hash == token_hash)).first()
    return _account(row) if row else None


def list_accounts(conn: Connection) -> list[AccountRecord]:
    return [_account(r) for r in conn.execute(sa.select(schema.accounts).order_by(schema.accounts.c.seq))]


def count_refund(conn: Connection, account_id: str) -> None:
    conn.execute(sa.update(schema.accounts).where(schema.accounts.c.id == account_id).values(refunds=schema.accounts.c.refunds + 1))


def _switch(row) -> SwitchRequest:
    return SwitchRequest(TrafficBilling(row.mode), from_us(row.requested_us), row.seq)


def insert_switch(conn: Connection, account_id: str, request: SwitchRequest) -> None:
    conn.execute(sa.insert(schema.traffic_switches).values(account_id=account_id, mode=request.mode.value,
                                                      requested_us=to_us(request.requested_at), effective_day=request.effective_day))


def load_switches(conn: Connection, account_id: str) -> list[SwitchRequest]:
    rows = conn.execute(sa.select(schema.traffic_switches).where(schema.traffic_switches.c.account_id == account_id).order_by(schema.traffic_switches.c.seq))
    return [_switch(r) for r in rows]


def switches_of(conn: Connection, account_ids: list[str] | None = None) -> dict[str, list[SwitchRequest]]:
    """Per account, its switch requests in order (every account's when ``account_ids`` is None)."""
    query = sa.select(schema.traffic_switches).order_by(schema.traffic_switches.c.seq)
    if account_ids is not None:
        query = query.where(schema.traffic_switches.c.account_id.in_(account_ids))
    out: dict[str, list[SwitchRequest]] = {}
    for r in conn.execute(query):
        out.setdefault(r.account_id, []).append(_switch(r))
    return out


def package_alerts(conn: Connection, account_id: str) -> dict[str, int | None]:
    """R29: the services whose package alert the customer set: threshold percent, or None (off)."""
    pa = schema.package_alerts
    return {service: pct for service, pct in conn.execute(
        sa.select(pa.c.service, pa.c.threshold_percent).where(pa.c.account_id == account_id))}


def set_package_alert(conn: Connection, account_id: str, service: str, threshold_percent: int | None) -> None:
    pa = schema.package_alerts
    conn.execute(sa.delete(pa).where(pa.c.account_id == account_id, pa.c.service == service))
    conn.execute(sa.insert(pa).values(account_id=account_id, service=service, threshold_percent=threshold_percent))

