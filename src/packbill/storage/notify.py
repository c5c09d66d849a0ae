"""The outbox, webhook endpoints, deliveries and their log, and messages read: rows (R25)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from ..domain.errors import NotFound
from ..domain.notify import Event
from . import schema
from .sql import from_us, insert_for, to_us


def new_event_id() -> str:
    return "evt_" + uuid.uuid4().hex[:24]


def emit(conn: Connection, events: Iterable[tuple], at: datetime) -> int:
    """Write events (account, type, data, once-key[, when it happened]) to the outbox in the
    caller's transaction, each dated when it happened, else ``at``. An event whose once-key is
    already there is left out. Returns how many were written."""
    rows = [dict(id=new_event_id(), at_us=to_us(when[0] if when else at), account_id=a or schema.OPERATOR, type=kind,
                 payload=json.dumps(data, sort_keys=True, default=str), once=once, fanned_out=False) for a, kind, data, once, *when in events]
    if not rows:
        return 0
    keyed = [r for r in rows if r["once"] is not None]
    plain = [r for r in rows if r["once"] is None]
    if plain:
        conn.execute(sa.insert(schema.outbox), plain)
    written = len(plain)
    for row in keyed:
        stmt = (insert_for(conn, schema.outbox).on_conflict_do_nothing(index_elements=[schema.outbox.c.account_id, schema.outbox.c.once])
                .returning(schema.outbox.c.seq))
        written += len(conn.execute(stmt, row).all())
    return written


def _event(row) -> Event:
    return Event(row.id, row.type, from_us(row.at_us), row.account_id or None, json.loads(row.payload), row.seq)


def events_of(conn: Connection, account_id: str, limit: int, before: int | None = None,
              types: Sequence[str] | None = None) -> list[Event]:
    """An account's events, newest first by when they happened, ``before`` the one numbered so
    (the next page), of some ``types`` only when given."""
    o = schema.outbox
    query = sa.select(o).where(o.c.account_id == account_id).order_by(o.c.at_us.desc(), o.c.seq.desc()).limit(limit)
    if types is not None:
        query = query.where(o.c.type.in_(list(types)))
    if before is not None:
        at = conn.execute(sa.select(o.c.at_us).where(o.c.account_id == account_id, o.c.seq == before)).scalar()
        if at is None:
            return []
        query = query.where(sa.or_(o.c.at_us < at, sa.and_(o.c.at_us == at, o.c.seq < before)))
    return [_event(r) for r in conn.execute(query)]


def events_by_type(conn: Connection, kind: str | None = None, account_id: str | None = None) -> list[Event]:
    o = schema.outbox
    query = sa.select(o).order_by(o.c.seq)
    if kind is not None:
        query = query.where(o.c.type == kind)
    if account_id is not None:
        query = query.where(o.c.account_id == account_id)
    return [_event(r) for r in conn.execute(query)]


def read_seq(conn: Connection, account_id: str) -> int:
    return conn.execute(sa.select(schema.message_reads.c.read_seq).where(schema.message_reads.c.account_id == account_id)).scalar() or 0


def unread(conn: Connection, account_id: str) -> int:
    o = schema.outbox
    return conn.execute(sa.select(sa.func.count()).select_from(o).where(o.c.account_id == account_id,
                                                                       o.c.seq > read_seq(conn, account_id))).scalar_one()


def mark_read(conn: Connection, account_id: str, through: int) -> None:
    stmt = insert_for(conn, schema.message_reads).values(account_id=account_id, read_seq=through)
    conn.execute(stmt.on_conflict_do_update(index_elements=[schema.message_reads.c.account_id],
                                            set_={"read_seq": sa.func.max(schema.message_reads.c.read_seq, stmt.excluded.read_seq)
                                                  if conn.dialect.name == "sqlite" else
                                                  sa.func.greatest(schema.message_reads.c.read_seq, stmt.excluded.read_seq)}))


# --- endpoints ---------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Endpoint:
    id: str
    url: str
    secret: str
    events: tuple[str, ...] | None
    account_id: str | None
    created_at: datetime
    created_by: str
    failing_since: datetime | None
    disabled_at: datetime | None


def _endpoint(row) -> Endpoint:
    return Endpoint(row.id, row.url, row.secret, tuple(json.loads(row.events)) if row.events is not None else None, row.account_id,
                    from_us(row.created_us), row.created_by, from_us(row.failing_since_us) if row.failing_since_us is not None else None,
                    from_us(row.disabled_us) if row.disabled_us is not None else None)


def insert_endpoint(conn: Connection, url: str, secret: str, events: Sequence[str] | None, account_id: str | None, at: datetime,
                    by: str) -> Endpoint:
    endpoint_id = "whk_" + uuid.uuid4().hex[:16]
    conn.execute(sa.insert(schema.webhook_endpoints).values(id=endpoint_id, url=url, secret=secret,
                                                       events=json.dumps(list(events)) if events is not None else None,
                                                       account_id=account_id, created_us=to_us(at), created_by=by))
    return Endpoint(endpoint_id, url, secret, tuple(events) if events is not None else None, account_id, at, by, None, None)


def endpoints(conn: Connection, account_id: str | None = None, *, every: bool = False) -> list[Endpoint]:
    """Endpoints not deleted: one account's (``account_id``), or with ``every`` all of them."""
    w = schema.webhook_endpoints
    query = sa.select(w).where(w.c.deleted_us.is_(None)).order_by(w.c.created_us, w.c.id)
    if not every:
        query = query.where(w.c.account_id == account_id) if account_id is not None else query.where(w.c.account_id.is_(None))
    return [_endpoint(r) for r in conn.execute(query)]


def endpoint(conn: Connection, endpoint_id: str) -> Endpoint:
    w = schema.webhook_endpoints
    row = conn.execute(sa.select(w).where(w.c.id == endpoint_id, w.c.deleted_us.is_(None))).first()
    if row is None:
        raise NotFound(f"there is no webhook endpoint {endpoint_id}")
    return _endpoint(row)


def delete_endpoint(conn: Connection, endpoint_id: str, at: datetime) -> None:
    w = schema.webhook_endpoints
    conn.execute(sa.update(w).where(w.c.id == endpoint_id).values(deleted_us=to_us(at)))
    d = schema.webhook_deliveries
    conn.execute(sa.update(d).where(d.c.endpoint_id == endpoint_id, d.c.status == "pending").values(status="cancelled"))


# --- the dispatcher's work ---------------------------------------------------------------------

def _skip_locked(conn: Connection, query):
    return query.with_for_update(skip_locked=True) if conn.dialect.name == "postgresql" else query


def unfanned(conn: Connection, limit: int = 1000) -> list[Event]:
    """Events not fanned out yet, oldest first, held (SKIP LOCKED on PostgreSQL: several
    dispatchers may fan out at once, each its own events)."""
    o = schema.outbox
    return [_event(r) for r in conn.execute(_skip_locked(conn, sa.select(o).where(o.c.fanned_out.is_(False)).order_by(o.c.seq).limit(limit)))]


def fanned_out(conn: Connection, events: Sequence[Event], deliveries: Sequence[tuple[Event, Endpoint]], now: datetime) -> None:
    """Make the deliveries (event, endpoint) of ``events`` and mark the events fanned out."""
    if deliveries:
        conn.execute(insert_for(conn, schema.webhook_deliveries).on_conflict_do_nothing(
            index_elements=[schema.webhook_deliveries.c.account_id, schema.webhook_deliveries.c.endpoint_id, schema.webhook_deliveries.c.event_id]),
            [dict(account_id=ev.account_id or schema.OPERATOR, endpoint_id=e.id, event_id=ev.id, status="pending", attempts=0,
                  next_us=to_us(now), created_us=to_us(now)) for ev, e in deliveries])
    o = schema.outbox
    conn.execute(sa.update(o).where(o.c.seq.in_([ev.seq for ev in events])).values(fanned_out=True))


@dataclass(frozen=True, slots=True)
class Due:
    delivery_id: int
    attempts: int
    """Attempts made, this one included."""
    endpoint: Endpoint
    event: Event


def claim_due(conn: Connection, now: datetime, lease_until: datetime, limit: int) -> list[Due]:
    """Claim deliveries that are due: each counts an attempt and is leased until ``lease_until``
    (a dispatcher that dies leaves it due again then)."""
    d, o, w = schema.webhook_deliveries, schema.outbox, schema.webhook_endpoints
    rows = conn.execute(_skip_locked(conn, sa.select(d.c.id, d.c.attempts, d.c.endpoint_id, d.c.event_id)
                                     .where(d.c.status == "pending", d.c.next_us <= to_us(now)).order_by(d.c.next_us, d.c.id).limit(limit))).all()
    if not rows:
        return []
    conn.execute(sa.update(d).where(d.c.id.in_([r.id for r in rows])).values(attempts=d.c.attempts + 1, next_us=to_us(lease_until)))
    ends = {e.id: e for e in (_endpoint(x) for x in conn.execute(sa.select(w).where(w.c.id.in_({r.endpoint_id for r in rows}))))}
    events = {e.id: e for e in (_event(x) for x in conn.execute(sa.select(o).where(o.c.id.in_({r.event_id for r in rows}))))}
    return [Due(r.id, r.attempts + 1, ends[r.endpoint_id], events[r.event_id]) for r in rows]


def finish(conn: Connection, due: Due, at: datetime, code: int | None, error: str | None, ms: int, retry_at: datetime | None,
           disable: bool) -> None:
    """Log an attempt and move its delivery on: delivered, due again at ``retry_at``, or failed."""
    d, w = schema.webhook_deliveries, schema.webhook_endpoints
    conn.execute(sa.insert(schema.webhook_attempts).values(account_id=due.event.account_id or schema.OPERATOR, delivery_id=due.delivery_id,
                                                           at_us=to_us(at), code=code, error=error, ms=ms))
    ok = error is None
    status = "delivered" if ok else ("pending" if retry_at is not None and not disable else "failed")
    conn.execute(sa.update(d).where(d.c.id == due.delivery_id).values(
        status=status, last_us=to_us(at), last_code=code, last_error=error, next_us=to_us(retry_at) if status == "pending" else None))
    if ok:
        conn.execute(sa.update(w).where(w.c.id == due.endpoint.id).values(failing_since_us=None))
    else:
        conn.execute(sa.update(w).where(w.c.id == due.endpoint.id, w.c.failing_since_us.is_(None)).values(failing_since_us=to_us(at)))
        if disable:
            conn.execute(sa.update(w).where(w.c.id == due.endpoint.id, w.c.disabled_us.is_(None)).values(disabled_us=to_us(at)))
            conn.execute(sa.update(d).where(d.c.endpoint_id == due.endpoint.id, d.c.status == "pending").values(status="failed"))


@dataclass(frozen=True, slots=True)
class Attempt:
    at: datetime
    code: int | None
    error: str | None
    ms: int


@dataclass(frozen=True, slots=True)
class Delivery:
    id: int
    endpoint_id: str
    event: Event
    status: str
    attempts: int
    next_at: datetime | None
    last_at: datetime | None
    last_code: int | None
    last_error: str | None
    log: tuple[Attempt, ...]


def delivery(conn: Connection, endpoint_id: str, delivery_id: int) -> Delivery | None:
    found = deliveries(conn, endpoint_id, 1, only=delivery_id)
    return found[0] if found else None


def deliveries(conn: Connection, endpoint_id: str, limit: int, before: int | None = None, only: int | None = None) -> list[Delivery]:
    d, o, a = schema.webhook_deliveries, schema.outbox, schema.webhook_attempts
    query = (sa.select(d, o.c.seq, o.c.type, o.c.at_us.label("event_us"), o.c.account_id, o.c.payload)
             .join(o, sa.and_(o.c.account_id == d.c.account_id, o.c.id == d.c.event_id)).where(d.c.endpoint_id == endpoint_id)
             .order_by(d.c.id.desc()).limit(limit))
    if before is not None:
        query = query.where(d.c.id < before)
    if only is not None:
        query = query.where(d.c.id == only)
    rows = conn.execute(query).all()
    logs: dict[int, list[Attempt]] = {}
    if rows:
        for x in conn.execute(sa.select(a).where(a.c.delivery_id.in_([r.id for r in rows])).order_by(a.c.id)):
            logs.setdefault(x.delivery_id, []).append(Attempt(from_us(x.at_us), x.code, x.error, x.ms))
    return [Delivery(r.id, r.endpoint_id, Event(r.event_id, r.type, from_us(r.event_us), r.account_id or None, json.loads(r.payload), r.seq),
                     r.status, r.attempts, from_us(r.next_us) if r.next_us is not None else None,
                     from_us(r.last_us) if r.last_us is not None else None, r.last_code, r.last_error, tuple(logs.get(r.id, ())))
            for r in rows]


def resend(conn: Connection, endpoint_id: str, delivery_id: int, now: datetime) -> None:
    """Send a delivery again (the same event id), now, with a fresh retry schedule; an endpoint
    that was disabled for failing is enabled again (someone says it works now)."""
    d, w = schema.webhook_deliveries, schema.webhook_endpoints
    done = conn.execute(sa.update(d).where(d.c.id == delivery_id, d.c.endpoint_id == endpoint_id)
                        .values(status="pending", attempts=0, next_us=to_us(now))).rowcount
    if done != 1:
        raise NotFound(f"there is no delivery {delivery_id} of {endpoint_id}")
    conn.execute(sa.update(w).where(w.c.id == endpoint_id).values(disabled_us=None, failing_since_us=None))


def has_work(conn: Connection, now: datetime) -> bool:
    """Events to fan out, or deliveries due."""
    o, d = schema.outbox, schema.webhook_deliveries
    return (conn.execute(sa.select(o.c.seq).where(o.c.fanned_out.is_(False)).limit(1)).first() is not None
            or conn.execute(sa.select(d.c.id).where(d.c.status == "pending", d.c.next_us <= to_us(now)).limit(1)).first() is not None)


def pending_count(conn: Connection) -> int:
    d = schema.webhook_deliveries
    return conn.execute(sa.select(sa.func.count()).select_from(d).where(d.c.status == "pending")).scalar_one()
