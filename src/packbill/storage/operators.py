"""Operator keys, the audit trail, account token rotation: rows (R24)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from ..domain.access import Role
from ..domain.errors import NotFound
from . import schema
from .sql import from_us, to_us


@dataclass(frozen=True, slots=True)
class KeyRecord:
    id: str
    name: str
    role: Role
    created_at: datetime
    created_by: str
    revoked_at: datetime | None


def _key(row) -> KeyRecord:
    return KeyRecord(row.id, row.name, Role(row.role), from_us(row.created_us), row.created_by,
                     from_us(row.revoked_us) if row.revoked_us is not None else None)


def insert_key(conn: Connection, key_id: str, name: str, role: Role, token_hash: str, at: datetime, by: str) -> KeyRecord:
    conn.execute(sa.insert(schema.operator_keys).values(id=key_id, name=name, role=role.value, token_hash=token_hash,
                                                   created_us=to_us(at), created_by=by))
    return KeyRecord(key_id, name, role, at, by, None)


def key_by_token_hash(conn: Connection, token_hash: str) -> KeyRecord | None:
    """The key with this token, unless it was revoked."""
    k = schema.operator_keys
    row = conn.execute(sa.select(k).where(k.c.token_hash == token_hash, k.c.revoked_us.is_(None))).first()
    return _key(row) if row else None


def list_keys(conn: Connection) -> list[KeyRecord]:
    k = schema.operator_keys
    return [_key(r) for r in conn.execute(sa.select(k).order_by(k.c.created_us, k.c.id))]


def revoke_key(conn: Connection, key_id: str, at: datetime) -> KeyRecord:
    k = schema.operator_keys
    conn.execute(sa.update(k).where(k.c.id == key_id, k.c.revoked_us.is_(None)).values(revoked_us=to_us(at)))
    row = conn.execute(sa.select(k).where(k.c.id == key_id)).first()
    if row is None:
        raise NotFound(f"there is no key {key_id}")
    return _key(row)


def set_account_token(conn: Connection, account_id: str, token_hash: str) -> None:
    a = schema.accounts
    if conn.execute(sa.update(a).where(a.c.id == account_id).values(token_hash=token_hash)).rowcount != 1:
        raise NotFound(f"there is no account {account_id}")


@dataclass(frozen=True, slots=True)
class AuditRecord:
    id: int
    at: datetime
    actor: str
    role: str
    via: str
    action: str
    target: str | None
    account_id: str | None
    parameters: dict
    outcome: str
    detail: str | None


def insert_record(conn: Connection, at: datetime, actor: str, role: str, via: str, action: str, target: str | None,
                  account_id: str | None, parameters: str, outcome: str, detail: str | None) -> None:
    conn.execute(sa.insert(schema.audit_records).values(at_us=to_us(at), actor=actor, role=role, via=via, action=action, target=target,
                                                   account_id=account_id or schema.OPERATOR, parameters=parameters, outcome=outcome, detail=detail))


def select_records(conn: Connection, *, start: datetime | None, end: datetime | None, actor: str | None, account_id: str | None,
                   action: str | None, before: int | None, limit: int) -> list[AuditRecord]:
    """Newest first; ``before``: only records older than this id (the next page)."""
    r = schema.audit_records
    query = sa.select(r).order_by(r.c.id.desc()).limit(limit)
    for column, value in ((r.c.actor, actor), (r.c.account_id, account_id), (r.c.action, action)):
        if value is not None:
            query = query.where(column == value)
    if start is not None:
        query = query.where(r.c.at_us >= to_us(start))
    if end is not None:
        query = query.where(r.c.at_us < to_us(end))
    if before is not None:
        query = query.where(r.c.id < before)
    return [AuditRecord(x.id, from_us(x.at_us), x.actor, x.role, x.via, x.action, x.target, x.account_id or None,
                        _parameters(x.parameters), x.outcome, x.detail) for x in conn.execute(query)]


def _parameters(text: str) -> dict:
    """A record's parameters (one written before they were always an object reads as its body)."""
    value = json.loads(text)
    return value if isinstance(value, dict) else {"body": value}
