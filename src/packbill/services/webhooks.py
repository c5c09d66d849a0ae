"""R25: webhook endpoints (the operator's and each customer's) and the dispatcher that delivers
the outbox: fanned out to the endpoints that want each event, signed, sent through the guarded
HTTP sender (``webhook_http``), retried on the schedule, each attempt logged.

The events themselves are written by the use cases that cause them, in their own transactions
(``storage.notify.emit``): a purchase, a refund, a settlement chunk, an expiry, a statement."""

from __future__ import annotations

import functools
import logging
import secrets
from base64 import b64encode
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from sqlalchemy.engine import Connection

from ..domain import notify
from ..domain.errors import InvalidRequest, NotFound
from ..domain.limits import MAX_ENDPOINTS
from ..domain.netguard import host_refused
from ..process.instruments import INSTRUMENTS
from ..storage import accounts as accounts_store
from ..storage import notify as notify_store
from ..storage.notify import Delivery, Due, Endpoint
from . import trail
from .context import Context
from .operators import Principal
from .webhook_http import SEND_TIMEOUT, Sender, SendResult, guarded_sender

log = logging.getLogger("packbill.webhooks")


MAX_URL = 2000


def http_send(url: str, headers: dict[str, str], body: str, timeout: float = SEND_TIMEOUT) -> SendResult:
    """POST one delivery to any address (a lab's sender; the dispatcher's own is guarded)."""
    return _sender((), False, timeout)(url, headers, body)


@functools.cache
def _sender(allowed: tuple, guard: bool, timeout: float = SEND_TIMEOUT) -> Sender:
    """One sender (and its HTTP client) per kind, made when first needed, not at import."""
    return guarded_sender(allowed, guard=guard, timeout=timeout)


def _senders(ctx: Context) -> tuple[Sender, Sender]:
    """(the operator's sender, the customers'): both guarded unless ``ctx.webhook_local``; the
    operator's may reach the networks it allows."""
    if ctx.webhook_local:
        return _sender((), False), _sender((), False)
    return _sender(tuple(ctx.webhook_allow), True), _sender((), True)


# --- endpoints ---------------------------------------------------------------------------------

def _check_url(url: str, customer: bool, allow_local: bool, allowed: tuple = ()) -> str:
    url = (url or "").strip()
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        parts.port  # noqa: B018 - raises on a bad port
    except ValueError:
        raise InvalidRequest("url must be an http or https address") from None
    if len(url) > MAX_URL or parts.scheme not in ("http", "https") or not host:
        raise InvalidRequest("url must be an http or https address of at most 2000 characters")
    if allow_local:
        return url
    if customer and parts.scheme != "https":
        raise InvalidRequest("a customer's webhook url must use https")
    problem = host_refused(host, () if customer else allowed)
    if problem:
        raise InvalidRequest(f"the webhook url's host is refused: {problem}" if problem != "not a public address"
                             else "a webhook url must be a public address")
    return url


def create_endpoint(ctx: Context, principal: Principal, url: str, events: Sequence[str] | None = None,
                    account_id: str | None = None) -> Endpoint:
    """Register an endpoint: an account's token for its own events; an operator's for every
    account (or one, with ``account_id``). Its secret is returned once, with the endpoint."""
    if principal.account_id is not None:
        if account_id not in (None, principal.account_id):
            raise NotFound(f"there is no account {account_id}")
        account_id = principal.account_id
    url = _check_url(url, principal.account_id is not None, ctx.webhook_local, ctx.webhook_allow)
    if events is not None:
        unknown = sorted(set(events) - set(notify.EVENT_TYPES))
        if unknown or not events:
            raise InvalidRequest(f"events are some of {', '.join(notify.EVENT_TYPES)}" + (f"; unknown: {', '.join(unknown)}" if unknown else ""))
        events = sorted(set(events))
    secret = notify.SECRET_PREFIX + b64encode(secrets.token_bytes(32)).decode("ascii")
    with ctx.db.write() as conn:
        if account_id is not None:
            accounts_store.get_account(conn, account_id, lock=True)
            if len(notify_store.endpoints(conn, account_id)) >= MAX_ENDPOINTS:
                raise InvalidRequest(f"an account has at most {MAX_ENDPOINTS} webhook endpoints; delete one first")
        made = notify_store.insert_endpoint(conn, url, secret, events, account_id, ctx.now(), principal.actor)
        trail.created(made.id)
        return made


def endpoints(ctx: Context, principal: Principal) -> list[Endpoint]:
    """An account's own endpoints; for an operator, every endpoint."""
    with ctx.db.read() as conn:
        if principal.account_id is not None:
            return notify_store.endpoints(conn, principal.account_id)
        return notify_store.endpoints(conn, every=True)


def endpoint(ctx: Context, principal: Principal, endpoint_id: str) -> Endpoint:
    """One endpoint the principal may see (another account's looks like one that does not exist)."""
    with ctx.db.read() as conn:
        found = notify_store.endpoint(conn, endpoint_id)
    if principal.account_id is not None and found.account_id != principal.account_id:
        raise NotFound(f"there is no webhook endpoint {endpoint_id}")
    return found


def delete_endpoint(ctx: Context, principal: Principal, endpoint_id: str) -> Endpoint:
    """Delete an endpoint the principal may see; returns it as it was."""
    found = endpoint(ctx, principal, endpoint_id)
    with ctx.db.write() as conn:
        notify_store.delete_endpoint(conn, endpoint_id, ctx.now())
    return found


def deliveries(ctx: Context, principal: Principal, endpoint_id: str, limit: int = 50, before: int | None = None) -> list[Delivery]:
    endpoint(ctx, principal, endpoint_id)
    with ctx.db.read() as conn:
        return notify_store.deliveries(conn, endpoint_id, limit, before)


def resend(ctx: Context, principal: Principal, endpoint_id: str, delivery_id: int) -> Delivery:
    """Send a delivery again now, with the same event id (the receiver can tell it is the same);
    returns the delivery, pending again."""
    endpoint(ctx, principal, endpoint_id)
    with ctx.db.write() as conn:
        notify_store.resend(conn, endpoint_id, delivery_id, ctx.now())
        found = notify_store.delivery(conn, endpoint_id, delivery_id)
    if found is None:  # resend refuses a delivery that is not there, so this is never reached
        raise NotFound(f"there is no delivery {delivery_id} of webhook endpoint {endpoint_id}")
    return found


def endpoint_status(e: Endpoint) -> str:
    return "disabled" if e.disabled_at else ("failing" if e.failing_since else "active")


# --- the dispatcher ----------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class DispatchResult:
    fanned_out: int
    delivered: int
    failed: int


def fan_out(conn: Connection, now: datetime) -> int:
    """Make the deliveries of the events not fanned out yet, one per endpoint that wants each
    (its endpoints as they are now); returns how many."""
    events = notify_store.unfanned(conn)
    if not events:
        return 0
    active = [e for e in notify_store.endpoints(conn, every=True) if e.disabled_at is None]
    deliveries = [(ev, e) for ev in events for e in active if notify.wants(e.events, e.account_id, ev)]
    notify_store.fanned_out(conn, events, deliveries, now)
    return len(deliveries)


def dispatch_once(ctx: Context, send: Sender | None = None, limit: int = 50, workers: int = 8,
                  lease: timedelta = notify.LEASE) -> DispatchResult:
    """One round: make the deliveries of new events, then send what is due (several at once),
    each attempt logged and its delivery moved on by the retry schedule (R25)."""
    now = ctx.now()
    with ctx.db.read() as conn:
        if not notify_store.has_work(conn, now):  # idle: no write transaction (SQLite has one writer)
            return DispatchResult(0, 0, 0)
    with ctx.db.write() as conn:
        fanned = fan_out(conn, now)
    with ctx.db.write() as conn:
        due = notify_store.claim_due(conn, now, now + lease, limit)
    if not due:
        return DispatchResult(fanned, 0, 0)

    operators_send, customers_send = (send, send) if send is not None else _senders(ctx)

    def attempt(d: Due) -> tuple[Due, SendResult]:
        payload = notify.body(d.event)
        timestamp = int(ctx.now().timestamp())
        sender = operators_send if d.endpoint.account_id is None else customers_send
        try:
            return d, sender(d.endpoint.url, notify.headers(d.endpoint.secret, d.event, timestamp, payload), payload)
        except Exception as exc:  # a sender must not stop the others
            return d, SendResult(None, f"{type(exc).__name__}: {exc}"[:400], 0)

    with ThreadPoolExecutor(max_workers=max(1, min(workers, len(due)))) as pool:
        results = list(pool.map(attempt, due))
    delivered = failed = 0
    for d, result in results:
        at = ctx.now()
        retry_at = notify.next_attempt(d.attempts, at) if result.error else None
        disable = result.error is not None and notify.disable_now(d.endpoint.failing_since, at)
        with ctx.db.write() as conn:
            notify_store.finish(conn, d, at, result.code, result.error, result.ms, retry_at, disable)
        INSTRUMENTS.deliveries.labels("delivered" if result.error is None else "failed").inc()
        if result.error is None:
            delivered += 1
        else:
            failed += 1
            log.info("delivery %s of %s to %s failed (attempt %d): %s", d.delivery_id, d.event.id, d.endpoint.url, d.attempts, result.error)
    return DispatchResult(fanned, delivered, failed)


def dispatch_until_idle(ctx: Context, send: Sender | None = None, rounds: int = 100, lease: timedelta = notify.LEASE) -> int:
    """Dispatch round after round while there is work (at most ``rounds``); returns the attempts made."""
    made = 0
    for _ in range(rounds):
        result = dispatch_once(ctx, send, lease=lease)
        made += result.delivered + result.failed
        if not (result.fanned_out or result.delivered or result.failed):
            break
    return made
