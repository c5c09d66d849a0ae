"""R26's live estimate: what settling an account's unsettled usage would do now, by the settlement
engine itself (nothing written), and what the account's packages cover now. Read by the reminders,
the wallet, the budget and the sweep; below all of them (it takes nothing from another service)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy.engine import Connection

from ..domain.days import shanghai_day
from ..domain.group import payers_named, settle_paid
from ..domain.model import Package, PackageStatus, TrafficBilling
from ..domain.settlement import AccountSettlement, settle_account
from ..domain.status import package_status
from ..domain.traffic_billing import mode_on, requested_by
from ..storage import accounts as accounts_store
from ..storage import groups as groups_store
from ..storage import packages as packages_store
from ..storage import settlement as settlement_store
from ..storage import wallet as wallet_store
from .context import Context
from .usage import sum_pending


def estimate_run(ctx: Context, account_id: str, as_of: datetime) -> AccountSettlement | None:
    """R26: what settling the account's unsettled usage through ``as_of``'s day (today's part
    included) would do now, by the settlement engine itself; no figure is written (what waits to
    be summed is summed first: the sums are made in batches, ``storage.fold``). None when
    nothing is unsettled. A member's days that a payer pays are paid from the payer's wallet (R32),
    so that the result's purse and events are the account's own wallet's."""
    sum_pending(ctx)
    with ctx.db.read() as conn:
        loaded = settlement_store.load_chunk(conn, [account_id], shanghai_day(as_of), lock=False)
        settled_through = settlement_store.settled_through(conn)
        changes = groups_store.history(conn, account_id)
        wallets = groups_store.wallets(conn, loaded, payers_named([changes]), lock=False)
    if account_id not in loaded:
        return None
    usage_days, state = loaded[account_id]
    if not changes:
        return settle_account(usage_days, state, ctx.catalogs(), run_at=as_of, settled_through=settled_through)
    return settle_paid(account_id, usage_days, state, changes, wallets, ctx.catalogs(), run_at=as_of,
                       settled_through=settled_through).result


def estimated_wallet(ctx: Context, account_id: str, as_of: datetime) -> Decimal | None:
    """R26 for group accounts (R32): the account's cash once the unsettled usage its wallet pays
    for is settled now: its own days that it pays and its members' days that it pays, each
    account's days settled by ``settle_paid`` in the order settlement takes them, the wallets
    carried from one to the next; no figure is written (what waits to be summed is summed
    first). None when the account was never in a
    group (``estimate_run`` says it alone)."""
    sum_pending(ctx)
    with ctx.db.read() as conn:
        members = groups_store.histories_naming(conn, account_id)
        own = groups_store.history(conn, account_id)
        if not members and not own:
            return None
        changes = {**members, account_id: own}
        loaded = settlement_store.load_chunk(conn, sorted(changes), shanghai_day(as_of), lock=False)
        wallets = groups_store.wallets(conn, loaded, payers_named(changes.values()), lock=False)
        if account_id not in wallets:
            wallets[account_id] = wallet_store.load_purse(conn, account_id)
        settled_through = settlement_store.settled_through(conn)
    for member, (usage_days, state) in loaded.items():
        paid = settle_paid(member, usage_days, state, changes.get(member, []), wallets, ctx.catalogs(), run_at=as_of,
                           settled_through=settled_through)
        wallets.update(paid.wallets)
    return wallets[account_id].cash


def held_and_mode(conn: Connection, account_id: str, at: datetime) -> tuple[list[tuple[Package, int]], TrafficBilling]:
    """The account's packages with what each has left after the days settled, and its traffic
    billing type on ``at``'s day (NotFound for an unknown account)."""
    accounts_store.get_account(conn, account_id)
    held = packages_store.account_packages(conn, account_id)
    return held, mode_on(shanghai_day(at), requested_by(accounts_store.load_switches(conn, account_id), at))


def covered_services(ctx: Context, account_id: str, at: datetime) -> set[str]:
    """The services an active package with something left (after the days settled) covers at ``at``."""
    with ctx.db.read() as conn:
        held, mode = held_and_mode(conn, account_id, at)
    return {p.service for p, left in held if package_status(p, left, at, mode) is PackageStatus.ACTIVE and p.purchased_at <= at}
