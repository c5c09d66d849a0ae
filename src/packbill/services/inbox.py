"""R25: the customer's messages (站内信): the notifications of its account, read and unread, and
what the outbox holds."""

from __future__ import annotations

from dataclasses import dataclass

from ..domain.errors import InvalidRequest
from ..domain.notify import CATEGORIES, Event
from ..storage import accounts as accounts_store
from ..storage import notify as notify_store
from .context import Context


@dataclass(frozen=True, slots=True)
class Messages:
    events: list[Event]
    read_seq: int
    unread: int


def messages(ctx: Context, account_id: str, limit: int = 50, before: int | None = None, category: str | None = None) -> Messages:
    """An account's messages, newest first by when their events happened; of one category
    (``domain.notify.CATEGORIES``: packages, bills, money) when given."""
    if not 1 <= limit <= 500:
        raise InvalidRequest("limit is 1 to 500")
    if category is not None and category not in CATEGORIES:
        raise InvalidRequest(f"category is one of {', '.join(CATEGORIES)}")
    types = CATEGORIES[category] if category is not None else None
    with ctx.db.read() as conn:
        accounts_store.get_account(conn, account_id)
        return Messages(notify_store.events_of(conn, account_id, limit, before, types), notify_store.read_seq(conn, account_id),
                        notify_store.unread(conn, account_id))


def unread(ctx: Context, account_id: str) -> int:
    with ctx.db.read() as conn:
        return notify_store.unread(conn, account_id)


def mark_read(ctx: Context, account_id: str, through: int) -> None:
    with ctx.db.write() as conn:
        accounts_store.get_account(conn, account_id)
        notify_store.mark_read(conn, account_id, through)


def outbox_depth(ctx: Context) -> int:
    with ctx.db.read() as conn:
        return notify_store.pending_count(conn)


def events(ctx: Context, kind: str | None = None, account_id: str | None = None) -> list[Event]:
    with ctx.db.read() as conn:
        return notify_store.events_by_type(conn, kind, account_id)
