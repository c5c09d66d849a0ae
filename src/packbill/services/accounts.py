"""Accounts: creation with a token shown once, lookup, authentication, the traffic billing switch."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa

from ..domain import Site, SwitchRequest, TrafficBilling, mode_on, pending_switch, shanghai_day
from ..domain.errors import InvalidRequest
from ..storage import schema as t
from ..storage.db import to_us
from ..storage.repo import AccountRecord, account_by_token_hash, account_from_row, get_account, load_switches, switch_from_row
from .context import Context


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class AccountView:
    account: AccountRecord
    traffic_billing: TrafficBilling
    traffic_billing_next: tuple[TrafficBilling, date] | None


def create_account(ctx: Context, name: str, site: str, at: datetime | None = None) -> tuple[AccountRecord, str]:
    """A new account and its token; only a hash of the token is stored."""
    name = (name or "").strip()
    if not name or len(name) > 200:
        raise InvalidRequest("name must be 1 to 200 characters")
    try:
        site_value = Site(site)
    except ValueError:
        raise InvalidRequest("site must be 'cn' or 'intl'") from None
    token = "pb_" + secrets.token_urlsafe(32)
    account_id = "acc_" + uuid.uuid4().hex[:20]
    created = at or ctx.now()
    with ctx.db.write() as conn:
        conn.execute(
            sa.insert(t.accounts).values(
                id=account_id, name=name, site=site_value.value, token_hash=hash_token(token), created_us=to_us(created)
            )
        )
    return AccountRecord(account_id, name, site_value, created, 0), token


def authenticate(ctx: Context, token: str) -> AccountRecord | None:
    with ctx.db.read() as conn:
        return account_by_token_hash(conn, hash_token(token))


def list_accounts(ctx: Context) -> list[AccountRecord]:
    with ctx.db.read() as conn:
        return [account_from_row(r) for r in conn.execute(sa.select(t.accounts).order_by(t.accounts.c.seq))]


def account_views(ctx: Context, as_of: datetime | None = None) -> list[AccountView]:
    """Every account with its traffic billing type, in creation order (two queries in all)."""
    day = shanghai_day(as_of or ctx.now())
    switches: dict[str, list[SwitchRequest]] = {}
    with ctx.db.read() as conn:
        accounts = [account_from_row(r) for r in conn.execute(sa.select(t.accounts).order_by(t.accounts.c.seq))]
        for r in conn.execute(sa.select(t.traffic_switches).order_by(t.traffic_switches.c.seq)):
            switches.setdefault(r.account_id, []).append(switch_from_row(r))
    return [
        AccountView(a, mode_on(day, switches.get(a.id, [])), pending_switch(day, switches.get(a.id, [])))
        for a in accounts
    ]


def account_view(ctx: Context, account_id: str, as_of: datetime | None = None) -> AccountView:
    day = shanghai_day(as_of or ctx.now())
    with ctx.db.read() as conn:
        account = get_account(conn, account_id)
        switches = load_switches(conn, account_id)
    return AccountView(account, mode_on(day, switches), pending_switch(day, switches))


def switch_traffic_billing(ctx: Context, account_id: str, mode: str, at: datetime | None = None) -> tuple[TrafficBilling, date]:
    """R7: the switch takes effect at 00:00 of the next Shanghai day; the last request wins."""
    try:
        mode_value = TrafficBilling(mode)
    except ValueError:
        raise InvalidRequest("mode must be 'traffic' or 'daily_peak_bandwidth'") from None
    at = at or ctx.now()
    request = SwitchRequest(mode_value, at)

    def work(conn):
        get_account(conn, account_id, lock="update")
        conn.execute(
            sa.insert(t.traffic_switches).values(
                account_id=account_id, mode=mode_value.value, requested_us=to_us(at), effective_day=request.effective_day
            )
        )

    ctx.db.write_retrying(work)
    return mode_value, request.effective_day
