"""Accounts: creation with a token shown once, lookup, authentication, the traffic billing switch."""

from __future__ import annotations

import hashlib
import secrets
import unicodedata
import uuid
from dataclasses import dataclass
from datetime import date, datetime

from ..domain.days import shanghai_day
from ..domain.errors import InvalidRequest
from ..domain.limits import MAX_NAME
from ..domain.model import Site, TrafficBilling
from ..domain.traffic_billing import SwitchRequest, check_switch, mode_on, pending_switch, requested_by
from ..domain.wallet import PaymentTerms, WalletState, wallet_state
from ..storage import accounts as accounts_store
from ..storage.accounts import AccountRecord
from ..storage.settlement import last_settled_day
from . import trail
from .context import Context

ACCOUNT_PREFIX = "pb_"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class AccountView:
    account: AccountRecord
    traffic_billing: TrafficBilling
    traffic_billing_next: tuple[TrafficBilling, date] | None


def _view(account: AccountRecord, switches: list[SwitchRequest], as_of: datetime) -> AccountView:
    known = requested_by(switches, as_of)  # requests made after as_of did not exist then
    day = shanghai_day(as_of)
    return AccountView(account, mode_on(day, known), pending_switch(day, known))


def check_name(name: str) -> str:
    name = (name or "").strip()
    if not name or len(name) > MAX_NAME:
        raise InvalidRequest(f"name must be 1 to {MAX_NAME} characters")
    if any(unicodedata.category(c) in ("Cc", "Cs") for c in name):
        raise InvalidRequest("name must not contain control characters")
    return name


def create_account(ctx: Context, name: str, site: str, at: datetime | None = None, payment: str | None = None
                   ) -> tuple[AccountRecord, str]:
    """A new account and its token; only a hash of the token is stored. Without ``payment`` the
    account is on invoice terms (R18: the first API version's behaviour)."""
    name = check_name(name)
    try:
        site_value = Site(site)
    except ValueError:
        raise InvalidRequest("site must be 'cn' or 'intl'") from None
    try:
        terms = PaymentTerms(payment or "invoice")
    except ValueError:
        raise InvalidRequest("payment must be 'balance' or 'invoice'") from None
    token = ACCOUNT_PREFIX + secrets.token_urlsafe(32)
    with ctx.db.write() as conn:
        account = accounts_store.insert_account(conn, "acc_" + uuid.uuid4().hex[:20], name, site_value, hash_token(token), at or ctx.now(),
                                       terms)
        trail.created(account.id)
    return account, token


def list_accounts(ctx: Context) -> list[AccountRecord]:
    with ctx.db.read() as conn:
        return accounts_store.list_accounts(conn)


def account_views(ctx: Context, as_of: datetime | None = None) -> list[AccountView]:
    """Every account with its traffic billing type, in creation order (two queries in all)."""
    as_of = as_of or ctx.now()
    with ctx.db.read() as conn:
        accounts = accounts_store.list_accounts(conn)
        switches = accounts_store.switches_of(conn)
    return [_view(a, switches.get(a.id, []), as_of) for a in accounts]


def account_view(ctx: Context, account_id: str, as_of: datetime | None = None) -> AccountView:
    with ctx.db.read() as conn:
        account = accounts_store.get_account(conn, account_id)
        switches = accounts_store.load_switches(conn, account_id)
    return _view(account, switches, as_of or ctx.now())


def switch_traffic_billing(ctx: Context, account_id: str, mode: str, at: datetime | None = None) -> tuple[TrafficBilling, date]:
    """R7: the switch takes effect at 00:00 of the next Shanghai day; the last request wins; a
    switch may not change a day that is already settled."""
    try:
        mode_value = TrafficBilling(mode)
    except ValueError:
        raise InvalidRequest("mode must be 'traffic' or 'daily_peak_bandwidth'") from None
    request = SwitchRequest(mode_value, at or ctx.now())

    def work(conn):
        accounts_store.get_account(conn, account_id, lock=True)
        check_switch(request, last_settled_day(conn, account_id))
        accounts_store.insert_switch(conn, account_id, request)

    ctx.db.write_retrying(work)
    return mode_value, request.effective_day


@dataclass(frozen=True, slots=True)
class AccountRow:
    """An account as the operator's list shows it."""

    view: AccountView
    state: WalletState


SORTS = ("created", "name", "balance", "state")


def account_page(ctx: Context, *, state: str | None = None, sort: str = "created", descending: bool = False,
                 page: int = 1, per_page: int = 50) -> tuple[list[AccountRow], int]:
    """The operator's accounts list: filtered by wallet state, sorted, paged. Returns the page's
    rows and the number of pages."""
    if sort not in SORTS:
        raise InvalidRequest(f"sort by one of {', '.join(SORTS)}")
    wanted = None
    if state:
        try:
            wanted = WalletState(state)
        except ValueError:
            raise InvalidRequest(f"state is one of {', '.join(s.value for s in WalletState)}") from None
    now = ctx.now()
    rows = []
    for view in account_views(ctx, now):
        a = view.account
        st = wallet_state(a.arrears_since, now, ctx.delays) if a.terms is PaymentTerms.BALANCE else WalletState.NORMAL
        if wanted is None or st is wanted:
            rows.append(AccountRow(view, st))
    order = list(WalletState)
    key = {"created": lambda r: r.view.account.created_at, "name": lambda r: r.view.account.name.casefold(),
           "balance": lambda r: r.view.account.cash, "state": lambda r: order.index(r.state)}[sort]
    rows.sort(key=key, reverse=descending)
    pages = max(1, -(-len(rows) // per_page))
    page = min(max(1, page), pages)
    return rows[(page - 1) * per_page : page * per_page], pages
