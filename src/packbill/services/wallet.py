"""Money use cases (R15 to R20): top-ups, adjustments, vouchers, discounts, credit limits,
payment terms, balance alerts, and the wallet as a customer sees it."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy.engine import Connection

from ..domain import journal
from ..domain.books import late_month
from ..domain.catalog import BANDWIDTH_SERVICES, USAGE_SERVICES
from ..domain.days import shanghai_day
from ..domain.errors import Conflict, InvalidRequest
from ..domain.model import PackageStatus
from ..domain.notify import wallet_event
from ..domain.status import package_status
from ..domain.traffic_billing import mode_on
from ..domain.wallet import (
    DELAYS,
    PaymentTerms,
    Purse,
    Voucher,
    WalletState,
    after_movement,
    check_amount,
    check_rate,
    check_text,
    service_status,
    wallet_state,
)
from ..storage import accounts as accounts_store
from ..storage import books as books_store
from ..storage import journal as journal_store
from ..storage import notify as notify_store
from ..storage import wallet as wallet_store
from ..storage.packages import load_packages
from . import budget, groups, idempotency
from .context import Context, not_ahead
from .estimate import estimate_run, estimated_wallet
from .idempotency import IdempotencyKey


def commit_movement(conn: Connection, account_id: str, before: Purse, after: Purse, at: datetime,
                    entries: list[journal.Entry], *, charge: bool, memo: str | None = None,
                    suspend_after: timedelta = DELAYS.suspend_after) -> Purse:
    """Write one movement of an account's money: the purse (with its arrears clock and alert
    moved on), the journal entries and the events it raised."""
    moved, events = after_movement(after, at, shanghai_day(at), charge=charge)
    record_movement(conn, account_id, before, moved, events, at, entries, late_month_of(conn, at), memo, suspend_after)
    return moved


def record_movement(conn: Connection, account_id: str, before: Purse, after: Purse, events: Sequence[str], at: datetime,
                    entries: Sequence[journal.Entry], statement_month: date | None, memo: str | None = None,
                    suspend_after: timedelta = DELAYS.suspend_after) -> None:
    """Write a movement the rules decided: the purse, the journal entries (on ``statement_month``'s
    statement when the movement's own month is final) and the wallet events with their notifications."""
    day = shanghai_day(at)
    wallet_store.save_purses(conn, {account_id: (before, after)})
    journal_store.write_entries(conn, account_id, at, entries, memo, statement_month=statement_month)
    wallet_store.insert_events(conn, [(account_id, kind) for kind in events], at, day)
    deadline = after.arrears_since + suspend_after if after.arrears_since is not None else None
    notify_store.emit(conn, [wallet_event(account_id, kind, day, after.cash, after.threshold, deadline) for kind in events], at)


def late_month_of(conn: Connection, at: datetime) -> date | None:
    """The statement month of money moved ``at`` when its own month is final (late money), else
    None. Read under the account's lock, which finalising a month takes too."""
    return late_month(shanghai_day(at), books_store.final_month_rows(conn))


@dataclass(frozen=True, slots=True)
class TopUp:
    id: str
    amount: Decimal
    reference: str
    balance: Decimal
    created: bool
    """False when this reference was already recorded (the same top-up, nothing added)."""


def topup(ctx: Context, account_id: str, amount: Decimal, reference: str, at: datetime | None = None,
          idem: IdempotencyKey | None = None) -> TopUp:
    """R15: add cash; the external reference makes it idempotent."""
    amount = check_amount(amount, "amount")
    reference = check_text(reference, "reference", 128, "the payment's own reference")
    at = not_ahead(ctx, at, "a top-up")

    def work(conn) -> TopUp:
        accounts_store.get_account(conn, account_id, lock=True)
        idempotency.check(conn, idem)
        found = wallet_store.find_topup(conn, account_id, reference)
        before = wallet_store.load_purse(conn, account_id)
        if found is not None:
            topup_id, recorded = found
            if recorded != amount:
                raise Conflict(f"the top-up {reference} was recorded with {recorded} CNY, not {amount}",
                               {"reference": reference, "amount": str(recorded)})
            return TopUp(topup_id, amount, reference, before.cash, False)
        topup_id = "top_" + uuid.uuid4().hex[:20]
        wallet_store.insert_topup(conn, account_id, topup_id, reference, amount, at)
        after = commit_movement(conn, account_id, before, replace(before, cash=before.cash + amount), at,
                                [journal.topup(account_id, topup_id, amount)], charge=False, memo=reference,
                                suspend_after=ctx.delays.suspend_after)
        notify_store.emit(conn, [(account_id, "wallet.topped_up", {"topup_id": topup_id, "amount": str(amount), "reference": reference,
                                                                    "balance": str(after.cash)}, None)], at)
        idempotency.claim(conn, idem, topup_id, at)
        return TopUp(topup_id, amount, reference, after.cash, True)

    return idempotency.run(ctx, idem, work)


@dataclass(frozen=True, slots=True)
class Adjustment:
    id: str
    amount: Decimal
    balance: Decimal


def adjust(ctx: Context, account_id: str, amount: Decimal, reason: str, at: datetime | None = None,
           idem: IdempotencyKey | None = None) -> Adjustment:
    """R15: an operator's correction of the cash balance, positive or negative, with a reason."""
    amount = check_amount(amount, "amount", positive=False)
    if amount == 0:
        raise InvalidRequest("an adjustment of 0.00 changes nothing")
    reason = check_text(reason, "reason", 400, "say why the balance changes")
    at = not_ahead(ctx, at, "an adjustment")

    def work(conn) -> Adjustment:
        accounts_store.get_account(conn, account_id, lock=True)
        idempotency.check(conn, idem)
        before = wallet_store.load_purse(conn, account_id)
        adjustment_id = "adj_" + uuid.uuid4().hex[:20]
        after = commit_movement(conn, account_id, before, replace(before, cash=before.cash + amount), at,
                                [journal.adjustment(account_id, adjustment_id, amount)], charge=amount < 0, memo=reason,
                                suspend_after=ctx.delays.suspend_after)
        idempotency.claim(conn, idem, adjustment_id, at)
        return Adjustment(adjustment_id, amount, after.cash)

    return idempotency.run(ctx, idem, work)


def grant_voucher(ctx: Context, account_id: str, amount: Decimal, expires_on: date, services: list[str] | None = None,
                  at: datetime | None = None, idem: IdempotencyKey | None = None) -> Voucher:
    """R17: the operator grants a voucher; it pays before cash until it is used or expires."""
    amount = check_amount(amount, "amount")
    at = at or ctx.now()
    if expires_on < shanghai_day(at):
        raise InvalidRequest(f"expires_on {expires_on} has already passed: a voucher must be usable on the day it is granted")
    allowed = set(USAGE_SERVICES) | set(BANDWIDTH_SERVICES)
    if services is not None:
        unknown = [s for s in services if s not in allowed]
        if not services or unknown:
            raise InvalidRequest(f"services must be a non-empty list of {', '.join(sorted(allowed))}"
                                 + (f"; unknown: {', '.join(map(str, unknown))}" if unknown else ""))

    def work(conn) -> Voucher:
        accounts_store.get_account(conn, account_id, lock=True)
        idempotency.check(conn, idem)
        voucher = Voucher("vch_" + uuid.uuid4().hex[:20], amount, amount, expires_on, frozenset(services) if services else None, 0)
        voucher = wallet_store.insert_voucher(conn, account_id, voucher, at)
        journal_store.write_entries(conn, account_id, at, [journal.voucher_grant(voucher.id, amount)],
                                    statement_month=late_month_of(conn, at))
        idempotency.claim(conn, idem, voucher.id, at)
        return voucher

    return idempotency.run(ctx, idem, work)


def set_discount(ctx: Context, account_id: str, rate: Decimal, effective_day: date) -> None:
    """R16: a discount rate from a day on (history is kept: an earlier day keeps its rate)."""
    rate = check_rate(rate)
    at = ctx.now()

    def work(conn) -> None:
        accounts_store.get_account(conn, account_id, lock=True)
        wallet_store.insert_rate(conn, account_id, rate, effective_day, at)

    ctx.db.write_retrying(work)


def _update_purse(ctx: Context, account_id: str, change) -> Purse:
    at = ctx.now()

    def work(conn) -> Purse:
        accounts_store.get_account(conn, account_id, lock=True)
        before = wallet_store.load_purse(conn, account_id)
        after, _ = after_movement(change(before), at, shanghai_day(at), charge=False)
        wallet_store.save_purses(conn, {account_id: (before, after)})
        return after

    return ctx.db.write_retrying(work)


def set_credit_limit(ctx: Context, account_id: str, amount: Decimal) -> Purse:
    """R18, R19: how far below zero purchases may take cash, and where arrears begin."""
    limit = check_amount(amount, "credit limit", allow_zero=True)
    return _update_purse(ctx, account_id, lambda p: replace(p, credit_limit=limit))


def set_balance_alert(ctx: Context, account_id: str, threshold: Decimal | None) -> Purse:
    """R20: the customer's low-balance threshold (None: no alert)."""
    if threshold is not None:
        threshold = check_amount(threshold, "threshold", allow_zero=True)
    return _update_purse(ctx, account_id, lambda p: replace(p, threshold=threshold))


def set_payment_terms(ctx: Context, account_id: str, terms: str) -> Purse:
    """R18: balance (prepaid) or invoice (monthly billing)."""
    try:
        value = PaymentTerms(terms)
    except ValueError:
        raise InvalidRequest("payment must be 'balance' or 'invoice'") from None
    return _update_purse(ctx, account_id, lambda p: replace(p, terms=value))


@dataclass(frozen=True, slots=True)
class WalletView:
    purse: Purse
    state: WalletState
    service_status: dict[str, str]
    estimated_balance: Decimal
    day: date
    paid_by: str | None = None
    """R32: the payer whose wallet pays the account's charges of ``day`` (None: its own)."""

    @property
    def vouchers(self) -> list[Voucher]:
        return sorted(self.purse.vouchers.values(), key=lambda v: (v.expires_on, v.seq))


def wallet(ctx: Context, account_id: str, as_of: datetime | None = None) -> WalletView:
    """The wallet: balance, state (R19), vouchers, service status, and the balance estimated with
    the usage not settled yet (by the settlement engine itself, nothing written). A member of a
    group (R32) shows its payer (``paid_by``); its state and service status are its payer's
    wallet's, which pays its charges, and its own balance does not move with its usage."""

    now = ctx.now()
    as_of = as_of or now
    day = shanghai_day(as_of)
    live = as_of >= now - timedelta(minutes=1)
    with ctx.db.read() as conn:

        def purse_of(owner: str) -> Purse:
            return wallet_store.load_purse(conn, owner) if live else wallet_store.purse_as_of(conn, owner, as_of)

        purse = purse_of(account_id)
        packages = [(p, r) for p, r in load_packages(conn, account_id) if p.purchased_at <= as_of]
        switches = accounts_store.load_switches(conn, account_id)
        payer = groups.payer_of(conn, account_id, day)
        paying = purse if payer is None else purse_of(payer)
    state = wallet_state(paying.arrears_since, as_of, ctx.delays) if paying.terms is PaymentTerms.BALANCE else WalletState.NORMAL
    mode = mode_on(day, switches)
    covered = {p.service for p, r in packages
               if package_status(p, r, as_of, mode) is PackageStatus.ACTIVE}
    services = list(USAGE_SERVICES) + list(BANDWIDTH_SERVICES)
    found = estimate_run(ctx, account_id, as_of) if live else None
    grouped = estimated_wallet(ctx, account_id, as_of) if live else None  # R32: what the wallet pays for, members included
    estimated = grouped if grouped is not None else found.state.purse.cash if found is not None else purse.cash
    capped = budget.capped_services(ctx, account_id, as_of, found, covered) if live else set()
    return WalletView(purse, state, service_status(state, services, covered, capped), estimated, day, payer)


def journal_entries(ctx: Context, account_id: str, first: date | None = None, last: date | None = None) -> list[dict]:
    from ..domain.days import SHANGHAI

    start = datetime.combine(first, datetime.min.time(), tzinfo=SHANGHAI) if first else None
    end = datetime.combine(last + timedelta(days=1), datetime.min.time(), tzinfo=SHANGHAI) if last else None
    with ctx.db.read() as conn:
        accounts_store.get_account(conn, account_id)
        return journal_store.entries_of(conn, account_id, start, end)


def wallet_events(ctx: Context, account_id: str) -> list[tuple[str, date, datetime]]:
    with ctx.db.read() as conn:
        return wallet_store.events_of(conn, account_id)



# -- what an earlier request did, for replaying it (Idempotency-Key) ---------------------------------

def topup_by_id(ctx: Context, account_id: str, topup_id: str) -> TopUp:
    with ctx.db.read() as conn:
        amount, reference = wallet_store.topup_by_id(conn, account_id, topup_id)
        return TopUp(topup_id, amount, reference, wallet_store.load_purse(conn, account_id).cash, False)


def adjustment_by_id(ctx: Context, account_id: str, adjustment_id: str) -> Adjustment:
    with ctx.db.read() as conn:
        return Adjustment(adjustment_id, wallet_store.entry_amount(conn, account_id, adjustment_id), wallet_store.load_purse(conn, account_id).cash)


def voucher_by_id(ctx: Context, account_id: str, voucher_id: str) -> Voucher:
    with ctx.db.read() as conn:
        return wallet_store.load_purse(conn, account_id).vouchers[voucher_id]


def wallet_rate(ctx: Context, account_id: str, day: date | None = None) -> Decimal:
    """R16: the account's discount rate on ``day`` (today by default)."""
    from ..domain.wallet import rate_on

    with ctx.db.read() as conn:
        rates = wallet_store.load_rates(conn, [account_id])[account_id]
    return rate_on(day or shanghai_day(ctx.now()), rates)
