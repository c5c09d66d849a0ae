"""The console's sessions: rows (see ``schema.console_sessions``)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from ..domain.days import to_us
from . import schema


def insert(conn: Connection, id_hash: str, token_hash: str, csrf: str, now: datetime, expires: datetime) -> None:
    s = schema.console_sessions
    conn.execute(sa.delete(s).where(s.c.expires_us < to_us(now)))  # the expired go as new ones come
    conn.execute(sa.insert(s).values(id_hash=id_hash, token_hash=token_hash, csrf=csrf, created_us=to_us(now),
                                     expires_us=to_us(expires)))


def find(conn: Connection, id_hash: str, now: datetime) -> tuple[str, str] | None:
    """(token hash, CSRF token) of a session that has not expired."""
    s = schema.console_sessions
    row = conn.execute(sa.select(s.c.token_hash, s.c.csrf).where(s.c.id_hash == id_hash, s.c.expires_us > to_us(now))).first()
    return (row.token_hash, row.csrf) if row else None


def delete(conn: Connection, id_hash: str) -> None:
    s = schema.console_sessions
    conn.execute(sa.delete(s).where(s.c.id_hash == id_hash))
