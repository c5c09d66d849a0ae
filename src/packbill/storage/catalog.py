"""The catalog's published versions as rows (R31); each version's prices are kept as the JSON
``GET /v1/catalog`` answers (read back, ``domain.catalog_versions.Stored.version`` checks them
as a version being published is checked)."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from ..domain.catalog_versions import Stored
from . import schema
from .db import day_value
from .sql import from_us, to_us


def versions(conn: Connection) -> list[Stored]:
    """Every published version as stored, withdrawn ones included, in the order they were published."""
    t = schema.catalog_versions
    return [Stored(row.id, day_value(row.effective_on), from_us(row.published_us), json.loads(row.body),
                   from_us(row.withdrawn_us) if row.withdrawn_us is not None else None)
            for row in conn.execute(sa.select(t).order_by(t.c.seq))]


def stamp(conn: Connection) -> tuple[int, int]:
    """How many versions there are and when the last one changed: what a process compares with
    its cached versions to know they are still what is stored."""
    t = schema.catalog_versions
    row = conn.execute(sa.select(sa.func.count(), sa.func.max(sa.func.coalesce(t.c.withdrawn_us, t.c.published_us)))).one()
    return int(row[0]), int(row[1] or 0)


def insert(conn: Connection, effective_on: date, body: dict[str, Any], at: datetime, by: str) -> str:
    """A new version numbered after the last one (``v2`` follows the catalog file's ``v1``);
    two publishing at once collide on the number, and the second is refused by the key."""
    t = schema.catalog_versions
    seq = (conn.execute(sa.select(sa.func.max(t.c.seq))).scalar() or 1) + 1
    version_id = f"v{seq}"
    conn.execute(sa.insert(t).values(id=version_id, seq=seq, effective_on=effective_on, published_us=to_us(at),
                                     published_by=by, body=json.dumps(body, ensure_ascii=False, sort_keys=True)))
    return version_id


def withdraw(conn: Connection, version_id: str, at: datetime) -> None:
    t = schema.catalog_versions
    conn.execute(sa.update(t).where(t.c.id == version_id, t.c.withdrawn_us.is_(None)).values(withdrawn_us=to_us(at)))
