"""Money held for an account (R15 to R20): payment terms, vouchers, paying a charge, list and
contracted prices, arrears and suspension, balance alerts. Pure functions, no clock.

Amounts are Decimal CNY, always already rounded to 0.01 here: the rounding of a charge happens
once, where its contracted amount is computed (``contracted``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction
from typing import NamedTuple

from .errors import BillingError, InvalidRequest
from .money import CENT, ZERO, round_line


class PaymentTerms(StrEnum):
    """R18: ``balance`` is prepaid (refused for funds, arrears); ``invoice`` is monthly billing."""

    BALANCE = "balance"
    INVOICE = "invoice"


class WalletState(StrEnum):
    NORMAL = "normal"
    ARREARS = "arrears"
    SUSPENDED = "suspended"
    RECLAIM_DUE = "reclaim_due"


class InsufficientFunds(BillingError):
    """R18: a purchase on balance terms that vouchers and cash (down to the credit limit) cannot cover."""

    code = "insufficient_funds"


@dataclass(frozen=True, slots=True)
class Delays:
    """R19: how long an account stays in arrears before suspension, and suspended before reclaim."""

    suspend_after: timedelta = timedelta(hours=24)
    reclaim_after: timedelta = timedelta(days=15)


DELAYS = Delays()
"""R19's delays when configuration does not change them."""


# -- amounts ------------------------------------------------------------------------------------

def check_text(value: str | None, name: str, longest: int, what: str) -> str:
    """A text field that must be given (1 to ``longest`` characters, spaces around it dropped)."""
    text = (value or "").strip()
    if not 1 <= len(text) <= longest:
        raise InvalidRequest(f"{name} must be 1 to {longest} characters ({what})")
    return text


def check_amount(value: Decimal, name: str, *, positive: bool = True, allow_zero: bool = False) -> Decimal:
    """An amount a person typed: at most two decimals, within range."""
    if not value.is_finite():
        raise InvalidRequest(f"{name} must be an amount in CNY with at most two decimals")
    if abs(value) >= Decimal("1e13"):  # before quantize, which cannot hold 1E+30 to the cent
        raise InvalidRequest(f"{name} is too large")
    if value != value.quantize(CENT):
        raise InvalidRequest(f"{name} must be an amount in CNY with at most two decimals")
    if positive and (value < 0 or (value == 0 and not allow_zero)):
        raise InvalidRequest(f"{name} must be greater than zero" if not allow_zero else f"{name} must not be negative")
    return value.quantize(CENT)


# -- R16: list and contracted ---------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class DiscountRate:
    """A discount rate 0 < rate <= 1 in force from ``effective_day`` (seq orders rates set for one day)."""

    rate: Decimal
    effective_day: date
    seq: int = 0


def check_rate(rate: Decimal) -> Decimal:
    if not rate.is_finite() or not (0 < rate <= 1):
        raise InvalidRequest("a discount rate is greater than 0 and at most 1 (0.85 is 15 % off)")
    if rate != rate.quantize(Decimal("0.0001")):
        raise InvalidRequest("a discount rate has at most four decimals")
    return rate


def rate_on(day: date, rates: Iterable[DiscountRate]) -> Decimal:
    """R16: the rate in force on ``day`` (the latest effective by then; 1 without any)."""
    best: DiscountRate | None = None
    for r in rates:
        if r.effective_day <= day and (best is None or (r.effective_day, r.seq) > (best.effective_day, best.seq)):
            best = r
    return best.rate if best else Decimal(1)


def contracted(list_exact: Decimal | Fraction, rate: Decimal) -> tuple[Decimal, Decimal]:
    """R16: (list amount, contracted amount), each the exact amount rounded half up once."""
    listed = round_line(list_exact)
    if rate == 1:
        return listed, listed
    if isinstance(list_exact, Fraction):
        return listed, round_line(list_exact * Fraction(rate))
    return listed, round_line(list_exact * rate)


# -- R17: vouchers --------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Voucher:
    """A voucher granted to an account.

    amount: granted; remaining: what is left now. expires_on: the last day it pays on.
    services: what it may pay for (None: everything). seq: grant order.
    """

    id: str
    amount: Decimal
    remaining: Decimal
    expires_on: date
    services: frozenset[str] | None
    seq: int

    def usable(self, service: str, day: date) -> bool:
        return self.remaining > 0 and day <= self.expires_on and (self.services is None or service in self.services)

    def status(self, day: date) -> str:
        if self.remaining <= 0:
            return "used"
        return "expired" if day > self.expires_on else "active"


def voucher_order(vouchers: Iterable[Voucher], amount: Decimal, service: str, day: date) -> list[Voucher]:
    """R17: the vouchers usable for this charge, in the order they pay: the earliest expiry first;
    then the one that can cover more of this charge; then the smaller remaining; then the earlier
    granted."""
    usable = [v for v in vouchers if v.usable(service, day)]
    return sorted(usable, key=lambda v: (v.expires_on, -min(v.remaining, amount), v.remaining, v.seq))


class Payment(NamedTuple):
    """How a charge was paid: parts from vouchers (by id, in paying order) and from cash."""

    vouchers: tuple[tuple[str, Decimal], ...] = ()
    cash: Decimal = ZERO

    @property
    def voucher_total(self) -> Decimal:
        return sum((a for _, a in self.vouchers), ZERO) if self.vouchers else ZERO

    @property
    def total(self) -> Decimal:
        return self.voucher_total + self.cash


@dataclass(frozen=True, slots=True)
class AlertState:
    """The low-balance alert's memory since the balance was last at or above the threshold:
    how many reminders were raised, and the day of the last one."""

    count: int = 0
    last_day: date | None = None


@dataclass(frozen=True, slots=True)
class Purse:
    """An account's money: what it can pay with and where it stands.

    cash: the cash balance (may be below zero). vouchers: by id, with what each has left.
    terms: balance (prepaid) or invoice. credit_limit: how far below zero a purchase may take cash.
    arrears_since: when the account entered arrears (R19), None when it is not in arrears.
    threshold: the customer's low-balance threshold (R20), None when not set.
    alert: the low-balance alert's memory.
    """

    cash: Decimal = ZERO
    vouchers: Mapping[str, Voucher] = field(default_factory=dict)
    terms: PaymentTerms = PaymentTerms.INVOICE
    credit_limit: Decimal = ZERO
    arrears_since: datetime | None = None
    threshold: Decimal | None = None
    alert: AlertState = AlertState()

    def with_cash(self, cash: Decimal) -> Purse:
        return Purse(cash, self.vouchers, self.terms, self.credit_limit, self.arrears_since, self.threshold, self.alert)

    def available(self, service: str, day: date) -> Decimal:
        """What a purchase of ``service`` could use now: usable vouchers and cash down to the limit."""
        vouchers = sum((v.remaining for v in self.vouchers.values() if v.usable(service, day)), ZERO)
        return vouchers + max(ZERO, self.cash + self.credit_limit)


def pay(purse: Purse, amount: Decimal, service: str, day: date, *, refusable: bool) -> tuple[Payment, Purse]:
    """R17, R18: pay ``amount`` with vouchers first, then cash.

    ``refusable`` (a purchase): on balance terms, refused with InsufficientFunds when vouchers and
    cash down to the credit limit cannot cover it, and nothing is paid. Otherwise (a settled
    charge, or invoice terms) cash may go below zero.
    """
    if amount < 0:
        raise ValueError("a charge is not negative")
    if refusable and purse.terms is PaymentTerms.BALANCE:
        available = purse.available(service, day)
        if available < amount:
            raise InsufficientFunds(
                f"this costs {amount} CNY but only {available} CNY is available (vouchers and balance"
                f"{' down to the credit limit' if purse.credit_limit else ''}); top up and try again",
                {"needed": str(amount), "available": str(available)},
            )
    if not purse.vouchers:  # the common case: cash only
        return Payment((), amount), purse.with_cash(purse.cash - amount)
    left = amount
    parts: list[tuple[str, Decimal]] = []
    vouchers = dict(purse.vouchers)
    for v in voucher_order(purse.vouchers.values(), amount, service, day):
        if left <= 0:
            break
        take = min(v.remaining, left)
        parts.append((v.id, take))
        vouchers[v.id] = replace(v, remaining=v.remaining - take)
        left -= take
    payment = Payment(tuple(parts), left)
    return payment, replace(purse, cash=purse.cash - left, vouchers=vouchers)


def pay_back(purse: Purse, payment: Payment, day: date) -> tuple[Payment, Decimal, Purse]:
    """R18: a refund pays back exactly what was paid, to cash and to the vouchers it came from;
    the part of a voucher that has expired since is forfeited. Returns (paid back, forfeited, purse)."""
    vouchers = dict(purse.vouchers)
    back: list[tuple[str, Decimal]] = []
    forfeited = ZERO
    for voucher_id, part in payment.vouchers:
        v = vouchers.get(voucher_id)
        if v is None or day > v.expires_on:
            forfeited += part
            continue
        vouchers[voucher_id] = replace(v, remaining=v.remaining + part)
        back.append((voucher_id, part))
    return Payment(tuple(back), payment.cash), forfeited, replace(purse, cash=purse.cash + payment.cash, vouchers=vouchers)


def split(amount: Decimal, parts: int) -> list[Decimal]:
    """An amount split into ``parts`` shares of whole fen that add up to it (the first get the extra fen)."""
    fen = int(amount * 100)
    base, extra = divmod(fen, parts)
    return [Decimal(base + (1 if i < extra else 0)) / 100 for i in range(parts)]


def split_payment(payment: Payment, shares: Sequence[Decimal]) -> list[Payment]:
    """A purchase's payment split across its packages, in proportion to their shares, exactly."""
    total = sum(shares, ZERO)
    out: list[Payment] = []
    cash_left = payment.cash
    voucher_left = dict(payment.vouchers)
    for i, share in enumerate(shares):
        if i == len(shares) - 1:
            out.append(Payment(tuple((vid, a) for vid, a in voucher_left.items() if a > 0), cash_left))
            break
        need = share
        parts = []
        for vid in list(voucher_left):
            if need <= 0:
                break
            take = min(voucher_left[vid], need)
            if take > 0:
                parts.append((vid, take))
                voucher_left[vid] -= take
                need -= take
        cash = need
        cash_left -= cash
        out.append(Payment(tuple(parts), cash))
    assert sum((p.total for p in out), ZERO) == payment.total == total
    return out


# -- R19: arrears --------------------------------------------------------------------------------

def in_arrears(terms: PaymentTerms, cash: Decimal, credit_limit: Decimal) -> bool:
    """R19: on balance terms, cash below minus the credit limit."""
    return terms is PaymentTerms.BALANCE and cash < -credit_limit


def next_arrears_since(terms: PaymentTerms, cash: Decimal, credit_limit: Decimal, since: datetime | None,
                       at: datetime) -> datetime | None:
    """When the account has been in arrears since, after a movement at ``at`` left ``cash``."""
    if not in_arrears(terms, cash, credit_limit):
        return None
    return since or at


def wallet_state(arrears_since: datetime | None, at: datetime, delays: Delays = Delays()) -> WalletState:
    """R19: normal, arrears, suspended (after 24 h in arrears), reclaim_due (15 days suspended)."""
    if arrears_since is None or at < arrears_since:
        return WalletState.NORMAL
    elapsed = at - arrears_since
    if elapsed < delays.suspend_after:
        return WalletState.ARREARS
    if elapsed < delays.suspend_after + delays.reclaim_after:
        return WalletState.SUSPENDED
    return WalletState.RECLAIM_DUE


def service_status(state: WalletState, services: Iterable[str], covered: Iterable[str], capped: Iterable[str] = ()) -> dict[str, str]:
    """R19: while suspended (or reclaim_due), a service is suspended unless an active package with
    something left covers it (``covered``); else R30: ``capped`` when its pay-as-you-go cap is
    reached (``capped``: those services, ``domain.budget.capped``); else active."""
    covered, capped = set(covered), set(capped)
    stopped = state in (WalletState.SUSPENDED, WalletState.RECLAIM_DUE)
    return {s: "suspended" if stopped and s not in covered else "capped" if s in capped else "active" for s in services}


# -- R20: balance alert --------------------------------------------------------------------------

MAX_ALERTS = 5
"""R20: at most 5 low-balance reminders (at most one a day) while the balance stays below."""


def low_balance_alert(threshold: Decimal | None, cash: Decimal, day: date, alert: AlertState) -> tuple[bool, AlertState]:
    """R20, after a charge leaves ``cash``: whether to raise ``low_balance`` now, and the new state."""
    if threshold is None or cash >= threshold or alert.last_day == day or alert.count >= MAX_ALERTS:
        return False, alert
    return True, AlertState(alert.count + 1, day)


def rearm(threshold: Decimal | None, cash: Decimal, alert: AlertState) -> AlertState:
    """R20: a balance back at or above the threshold arms the alert again."""
    if threshold is None or cash >= threshold:
        return AlertState()
    return alert


def after_movement(purse: Purse, at: datetime, day: date, *, charge: bool) -> tuple[Purse, list[str]]:
    """R19, R20: where an account stands after its cash moved at ``at`` (on Shanghai day ``day``).

    Entering arrears starts its clock; cash back at or above minus the credit limit ends it (and
    lifts a suspension). A charge that leaves cash below the threshold may raise ``low_balance``;
    cash back at or above it re-arms the alert. Returns the new purse and the events raised
    (``arrears``, ``arrears_lifted``, ``low_balance``).
    """
    events: list[str] = []
    since = next_arrears_since(purse.terms, purse.cash, purse.credit_limit, purse.arrears_since, at)
    if purse.arrears_since is None and since is not None:
        events.append("arrears")
    elif purse.arrears_since is not None and since is None:
        events.append("arrears_lifted")
    alert = rearm(purse.threshold, purse.cash, purse.alert)
    if charge:
        raised, alert = low_balance_alert(purse.threshold, purse.cash, day, alert)
        if raised:
            events.append("low_balance")
    if since == purse.arrears_since and alert == purse.alert:
        return purse, events
    return replace(purse, arrears_since=since, alert=alert), events


@dataclass(frozen=True, slots=True)
class WalletReminder:
    """R19, R20: a reminder about the wallet: ``low_balance`` (on the day a charge raised it),
    ``arrears``, ``suspended`` or ``reclaim_due`` (while the account is in that state, dated
    the day it began)."""

    kind: str
    day: date
    balance: Decimal
    threshold: Decimal | None = None
    deadline: datetime | None = None
    """For arrears: when the account will be suspended; for suspended: when it will be reclaim_due."""


def wallet_reminders(purse: Purse, at: datetime, day: date, low_balance_days: Iterable[date], delays: Delays = Delays()
                     ) -> list[WalletReminder]:
    out = [WalletReminder("low_balance", d, purse.cash, purse.threshold) for d in low_balance_days if d == day]
    if purse.terms is not PaymentTerms.BALANCE or purse.arrears_since is None:
        return out
    state = wallet_state(purse.arrears_since, at, delays)
    since = purse.arrears_since
    if state is WalletState.ARREARS:
        out.append(WalletReminder("arrears", _day_of(since), purse.cash, deadline=since + delays.suspend_after))
    elif state is WalletState.SUSPENDED:
        out.append(WalletReminder("suspended", _day_of(since + delays.suspend_after), purse.cash,
                                  deadline=since + delays.suspend_after + delays.reclaim_after))
    elif state is WalletState.RECLAIM_DUE:
        out.append(WalletReminder("reclaim_due", _day_of(since + delays.suspend_after + delays.reclaim_after), purse.cash))
    return out


def _day_of(moment: datetime) -> date:
    from .days import shanghai_day

    return shanghai_day(moment)
