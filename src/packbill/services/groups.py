"""Group accounts (R32, 财务托管): setting an account's payer, a payer's members, and whose wallet
pays an account's charges of a day. The rules are ``domain.group``'s."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.engine import Connection

from ..domain.days import shanghai_day
from ..domain.errors import InvalidRequest
from ..domain.group import check_change, latest_payer, members_of, payer_on, payers_named
from ..storage import accounts as accounts_store
from ..storage import groups as groups_store
from ..storage.books import account_names
from ..storage.settlement import last_settled_day
from ..storage.sql import lock_accounts
from .context import Context, not_ahead


@dataclass(frozen=True, slots=True)
class PayerSet:
    account_id: str
    payer: str | None
    effective_day: date
    payer_name: str | None = None


def set_payer(ctx: Context, account_id: str, payer: str | None, at: datetime | None = None) -> PayerSet:
    """R32: ``account_id`` is paid for by ``payer`` (None: by itself again) from the day after ``at``
    (default now; an operator's ``at`` in the past backfills); never into a day already settled."""
    at = not_ahead(ctx, at, "a payer change")
    payer = payer or None

    def work(conn: Connection) -> PayerSet:
        lock_accounts(conn, [account_id, *([payer] if payer else [])])
        accounts_store.get_account(conn, account_id)
        if payer is not None and not accounts_store.existing_ids(conn, {payer}):  # existing_ids passes over ids no database could hold
            raise InvalidRequest(f"'payer': there is no account {payer}")
        paying_for = members_of(account_id, groups_store.histories_naming(conn, account_id))
        change = check_change(account_id, payer, at, last_settled_day(conn, account_id),
                              payer_is_member=payer is not None and latest_payer(groups_store.history(conn, payer)) is not None,
                              account_pays_others=bool(paying_for))
        groups_store.insert_change(conn, account_id, change)
        return PayerSet(account_id, payer, change.effective_day, accounts_store.get_account(conn, payer).name if payer else None)

    return ctx.db.write_retrying(work)


@dataclass(frozen=True, slots=True)
class Member:
    id: str
    name: str
    since: date


def members(ctx: Context, payer_id: str) -> list[Member]:
    """The accounts ``payer_id`` pays for once every change made has taken effect (joining
    tomorrow included, leaving tomorrow not), each with the day it joined."""
    with ctx.db.read() as conn:
        accounts_store.get_account(conn, payer_id)
        return _members(conn, payer_id)


def _members(conn: Connection, payer_id: str) -> list[Member]:
    found = members_of(payer_id, groups_store.histories_naming(conn, payer_id))
    names = account_names(conn, [a for a, _ in found])
    return [Member(a, names[a][0], since) for a, since in found]


@dataclass(frozen=True, slots=True)
class Standing:
    """An account's place in a group (R32), as its pages show it: who pays for it today (and
    since when), a change made that takes effect later, and the accounts it pays for."""

    payer: Member | None
    upcoming: tuple[Member | None, date] | None
    """The payer from a later day (None in it: the account will pay for itself), and that day."""
    members: list[Member]


def standing(ctx: Context, account_id: str) -> Standing:
    today = shanghai_day(ctx.now())
    with ctx.db.read() as conn:
        history = groups_store.history(conn, account_id)
        paying_for = _members(conn, account_id)
        names = account_names(conn, sorted(payers_named([history])))
    now, later = payer_on(today, history), latest_payer(history)
    since = max((c.effective_day for c in history if c.effective_day <= today), default=today)
    upcoming = None
    if later != now:
        day = max(c.effective_day for c in history)
        upcoming = (Member(later, names[later][0], day) if later else None, day)
    return Standing(Member(now, names[now][0], since) if now else None, upcoming, paying_for)


def payer_of(conn: Connection, account_id: str, day: date) -> str | None:
    """Who pays for ``account_id``'s charges of ``day``: its payer, None: itself."""
    return payer_on(day, groups_store.history(conn, account_id))


def pays_for(ctx: Context, payer_id: str, account_id: str) -> bool:
    """Whether ``payer_id`` pays or once paid for ``account_id`` (what its token may read of it, R32)."""
    with ctx.db.read() as conn:
        return any(c.payer == payer_id for c in groups_store.history(conn, account_id))


def wallet_owner(conn: Connection, account_id: str, day: date) -> str:
    """Whose wallet pays ``account_id``'s charges of ``day`` (its payer's, or its own), that
    wallet's account locked for the transaction (the caller holds ``account_id``'s lock)."""
    payer = payer_of(conn, account_id, day)
    if payer is None:
        return account_id
    lock_accounts(conn, [payer])
    return payer


def lock_with_payer(conn: Connection, account_id: str, day: date) -> None:
    """Lock ``account_id`` and the payer of its ``day`` together, in the writers' one lock order."""
    payer = payer_of(conn, account_id, day)
    lock_accounts(conn, [account_id, *([payer] if payer else [])])
