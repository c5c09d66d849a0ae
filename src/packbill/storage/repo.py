"""Loading domain records from rows and saving them back. No rules live here."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Iterable, Sequence

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from ..domain import Package, Site, SwitchRequest, TrafficBilling
from ..domain.errors import NotFound
from ..domain.money import from_fen
from . import schema as t
from .db import day_value, from_us, to_us


@dataclass(frozen=True, slots=True)
class AccountRecord:
    id: str
    name: str
    site: Site
    created_at: datetime
    refunds: int


def account_from_row(row) -> AccountRecord:
    return AccountRecord(row.id, row.name, Site(row.site), from_us(row.created_us), row.refunds)


def get_account(conn: Connection, account_id: str, *, lock: str | None = None) -> AccountRecord:
    """The account, optionally locked on PostgreSQL ("update" or "share") for the transaction."""
    query = sa.select(t.accounts).where(t.accounts.c.id == account_id)
    if lock and conn.dialect.name == "postgresql":
        query = query.with_for_update(read=lock == "share")
    row = conn.execute(query).first()
    if row is None:
        raise NotFound(f"there is no account {account_id}")
    return account_from_row(row)


def lock_accounts_shared(conn: Connection, account_ids: Sequence[str]) -> None:
    """On PostgreSQL, hold a share lock on each account while its usage is stored: settlement
    takes the same rows FOR UPDATE, so it never reads sums that a running ingest is changing.
    (On SQLite every writer holds the database lock.)"""
    if conn.dialect.name == "postgresql" and account_ids:
        conn.execute(
            sa.select(t.accounts.c.id)
            .where(t.accounts.c.id.in_(account_ids))
            .order_by(t.accounts.c.id)
            .with_for_update(read=True)
        ).all()


def account_by_token_hash(conn: Connection, token_hash: str) -> AccountRecord | None:
    row = conn.execute(sa.select(t.accounts).where(t.accounts.c.token_hash == token_hash)).first()
    return account_from_row(row) if row else None


def package_from_row(row) -> Package:
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


def load_packages(conn: Connection, account_id: str, *, service: str | None = None) -> list[tuple[Package, int]]:
    """The account's packages with their stored remaining (what every settled day left)."""
    query = sa.select(t.packages).where(t.packages.c.account_id == account_id)
    if service is not None:
        query = query.where(t.packages.c.service == service)
    return [(package_from_row(r), r.remaining) for r in conn.execute(query)]


def switch_from_row(row) -> SwitchRequest:
    return SwitchRequest(TrafficBilling(row.mode), from_us(row.requested_us), row.seq)


def load_switches(conn: Connection, account_id: str) -> list[SwitchRequest]:
    rows = conn.execute(
        sa.select(t.traffic_switches).where(t.traffic_switches.c.account_id == account_id).order_by(t.traffic_switches.c.seq)
    )
    return [switch_from_row(r) for r in rows]


def draws_by_package(
    conn: Connection, package_ids: Sequence[str], through: date | None = None
) -> dict[str, list[tuple[date, int]]]:
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


def _insert(conn: Connection, table: sa.Table):
    """The dialect's INSERT, which knows ON CONFLICT."""
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(table)


def insert_returning_keys(conn: Connection, table: sa.Table, rows: Iterable[dict], keys: Sequence[str]) -> list[tuple]:
    """INSERT .. ON CONFLICT DO NOTHING, returning the ``keys`` of each row really inserted.

    The database's unique key decides what is new: there is no check-then-insert.
    """
    rows = list(rows)
    if not rows:
        return []
    stmt = _insert(conn, table).on_conflict_do_nothing().returning(*(table.c[k] for k in keys))
    return [tuple(r) for r in conn.execute(stmt, rows)]


def upsert_add(conn: Connection, table: sa.Table, rows: list[dict], keys: Sequence[str], add: Sequence[str]) -> None:
    """INSERT rows; where the key exists, add the ``add`` columns to what is there."""
    if not rows:
        return
    stmt = _insert(conn, table)
    stmt = stmt.on_conflict_do_update(
        index_elements=[table.c[k] for k in keys], set_={c: table.c[c] + stmt.excluded[c] for c in add}
    )
    conn.execute(stmt, rows)


def upsert_set(conn: Connection, table: sa.Table, rows: list[dict], keys: Sequence[str], cols: Sequence[str]) -> None:
    if not rows:
        return
    stmt = _insert(conn, table)
    stmt = stmt.on_conflict_do_update(index_elements=[table.c[k] for k in keys], set_={c: stmt.excluded[c] for c in cols})
    conn.execute(stmt, rows)


def insert_ignore(conn: Connection, table: sa.Table, rows: list[dict]) -> None:
    if not rows:
        return
    conn.execute(_insert(conn, table).on_conflict_do_nothing(), rows)


__all__ = [
    "AccountRecord",
    "account_by_token_hash",
    "draws_by_package",
    "get_account",
    "insert_ignore",
    "insert_returning_keys",
    "load_packages",
    "load_switches",
    "package_from_row",
    "to_us",
    "upsert_add",
    "upsert_set",
]
