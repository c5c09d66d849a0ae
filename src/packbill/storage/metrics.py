"""The figures the metrics read from the database."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from . import schema
from .sql import upsert_set


def note_consumer(conn: Connection, stream: str, durable: str, pending: int, seen_us: int) -> None:
    upsert_set(conn, schema.stream_consumers, [dict(stream=stream, durable=durable, pending=pending, seen_us=seen_us)],
               ["stream", "durable"], ["pending", "seen_us"])


def consumers(conn: Connection) -> list[tuple[str, str, int, int]]:
    """(stream, durable, pending, seen_us) of every consumer that reported."""
    c = schema.stream_consumers
    return [tuple(r) for r in conn.execute(sa.select(c.c.stream, c.c.durable, c.c.pending, c.c.seen_us).order_by(c.c.stream, c.c.durable))]


def gauges(conn: Connection) -> dict[str, int]:
    d, o, w = schema.webhook_deliveries, schema.outbox, schema.webhook_endpoints
    count = sa.func.count()
    return {
        "unsettled": conn.execute(sa.select(count).select_from(sa.union(  # marked, or waiting to be summed (storage.fold)
            sa.select(schema.usage_dirty.c.account_id, schema.usage_dirty.c.day),
            sa.select(schema.usage_unsummed.c.account_id, schema.usage_unsummed.c.day)).subquery())).scalar_one(),
        "waiting": conn.execute(sa.select(count).select_from(schema.usage_unsummed)).scalar_one(),
        "pending": conn.execute(sa.select(count).select_from(d).where(d.c.status == "pending")).scalar_one(),
        "unfanned": conn.execute(sa.select(count).select_from(o).where(o.c.fanned_out.is_(False))).scalar_one(),
        "disabled": conn.execute(sa.select(count).select_from(w).where(w.c.disabled_us.is_not(None), w.c.deleted_us.is_(None))).scalar_one(),
    }
