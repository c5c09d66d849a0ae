"""The figures the metrics read from the database."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from . import schema as t


def gauges(conn: Connection) -> dict[str, int]:
    d, o, w = t.webhook_deliveries, t.outbox, t.webhook_endpoints
    count = sa.func.count()
    return {
        "unsettled": conn.execute(sa.select(count).select_from(t.usage_dirty)).scalar_one(),
        "pending": conn.execute(sa.select(count).select_from(d).where(d.c.status == "pending")).scalar_one(),
        "unfanned": conn.execute(sa.select(count).select_from(o).where(o.c.fanned_out.is_(False))).scalar_one(),
        "disabled": conn.execute(sa.select(count).select_from(w).where(w.c.disabled_us.is_not(None), w.c.deleted_us.is_(None))).scalar_one(),
    }
