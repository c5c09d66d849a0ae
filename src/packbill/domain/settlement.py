"""The settlement engine (R1, R5 to R9, R12, R13): pure functions, no storage, no clock.

``settle_account`` settles one account's unsettled days, oldest first (R12), carrying from
day to day what each package has left, the month's pay-as-you-go quantity (tiers) and what
each day's peak bandwidth was already billed; it returns the bill lines and the new state.
``settle_day`` is its step for one day. The in-memory reference model (``ReferenceModel``) and the
database-backed settlement (``services.settlement``) are both thin adapters around it: they
load an ``AccountState`` and the ``UsageDay``s, call ``settle_account``, and keep what it
returns.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence, Set
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal
from fractions import Fraction

from .catalog import BANDWIDTH_OF, TRAFFIC_SERVICES, USAGE_SERVICES, Catalog, Prices
from .days import month_start, shanghai_day
from .draw_order import draw
from .journal import Entry
from .journal import payg as journal_payg
from .model import Balance, BillLine, Draw, TrafficBilling
from .money import ZERO, window_bytes_to_bps, window_mbps
from .traffic_billing import SwitchRequest, mode_on
from .wallet import DiscountRate, Payment, Purse, after_movement, contracted, pay, rate_on


@dataclass(frozen=True, slots=True)
class BandwidthBilled:
    """What a day's peak bandwidth in one direction has been billed so far.

    peak_bytes: bytes of the largest 5-minute window billed (R8: the exact peak is
    peak_bytes x 8 / 300 s). amount: CNY billed for that day and direction in all.
    """

    peak_bytes: int
    amount: Decimal
    list_amount: Decimal = ZERO


@dataclass(frozen=True, slots=True)
class DayInput:
    """Everything needed to settle one account's day.

    mainland / other: usage not yet settled, per service, by region class (R1).
    balances: the account's packages with what each has left now.
    peaks: per traffic service, bytes of the day's largest 5-minute window, counting all of the
    day's traffic settled or not (R8).
    month_payg: pay-as-you-go quantity already billed this calendar month, per service.
    bandwidth_billed: per bandwidth service, what the day's peak was billed so far.
    supplement: whether the day was settled before (R12).
    usable_through: for a supplement, the run's day: a package whose last day is before it has
    expired by the time of the run and pays for nothing (R9, R12). None: no such limit.
    rate: the account's discount rate on this day (R16).
    purse: the account's money, to pay each line as it is made (vouchers valid on
    ``charge_day`` first, then cash: R17, R18); None: lines are not charged here.
    """

    day: date
    mode: TrafficBilling
    mainland: Mapping[str, int]
    other: Mapping[str, int]
    balances: Sequence[Balance]
    peaks: Mapping[str, int] = field(default_factory=dict)
    month_payg: Mapping[str, int] = field(default_factory=dict)
    bandwidth_billed: Mapping[str, BandwidthBilled] = field(default_factory=dict)
    supplement: bool = False
    usable_through: date | None = None
    rate: Decimal = Decimal(1)
    purse: Purse | None = None
    charge_day: date | None = None


@dataclass(frozen=True, slots=True)
class DayResult:
    """The lines written, and the state they leave behind."""

    lines: tuple[BillLine, ...]
    remaining: dict[str, int]
    """New remaining of every package drawn on."""
    month_payg: dict[str, int]
    """New month-to-date pay-as-you-go quantity of every service billed."""
    bandwidth_billed: dict[str, BandwidthBilled]
    """New billed peak of every bandwidth service with a line."""
    purse: Purse | None = None
    """The account's money after paying the lines."""


NOT_PAID = Payment()


def settle_day(inp: DayInput, catalog: Catalog) -> DayResult:
    lines: list[BillLine] = []
    remaining: dict[str, int] = {}
    month_payg: dict[str, int] = {}
    bandwidth_billed: dict[str, BandwidthBilled] = {}
    purse = inp.purse
    cash_spent = ZERO  # lines paid by cash alone (an account without vouchers): cash is moved once, at the end

    def charged(day: date, service: str, quantity: int, drawn: tuple[Draw, ...], payg: int, amount: Decimal, list_amount: Decimal,
                other: int = 0) -> BillLine:
        nonlocal purse, cash_spent
        if purse is None or amount <= 0:
            return BillLine(day, service, quantity, drawn, payg, amount, inp.supplement, list_amount, NOT_PAID, other)
        if not purse.vouchers:
            cash_spent += amount
            return BillLine(day, service, quantity, drawn, payg, amount, inp.supplement, list_amount, Payment((), amount), other)
        payment, purse = pay(purse, amount, service, inp.charge_day or day, refusable=False)
        return BillLine(day, service, quantity, drawn, payg, amount, inp.supplement, list_amount, payment, other)

    by_service: dict[str, list[Balance]] = {}
    for b in inp.balances:
        if inp.usable_through is not None and b.package.last_day < inp.usable_through:
            continue  # expired by the time of this run: its remainder was forfeited (R9)
        by_service.setdefault(b.package.service, []).append(b)

    for service in USAGE_SERVICES:
        mainland = inp.mainland.get(service, 0)
        other = inp.other.get(service, 0)
        if mainland + other == 0:
            continue
        if service in TRAFFIC_SERVICES and inp.mode is TrafficBilling.DAILY_PEAK_BANDWIDTH:
            line = _bandwidth_line(inp, BANDWIDTH_OF[service], inp.peaks.get(service, 0), catalog)
            if line is not None:
                bill = line[0]
                lines.append(charged(bill.day, bill.service, bill.quantity, bill.drawn, bill.payg_quantity, bill.amount,
                                     bill.list_amount if bill.list_amount is not None else bill.amount))
                bandwidth_billed[bill.service] = line[1]
            continue
        held = by_service.get(service)
        draws, left = draw(mainland, held, service, inp.day, inp.mode) if mainland and held else ([], mainland)
        if draws and held is not None:
            taken = {d.package_id: d.quantity for d in draws}
            for i, b in enumerate(held):
                if b.package.id in taken:
                    held[i] = Balance(b.package, b.remaining - taken[b.package.id])
                    remaining[b.package.id] = held[i].remaining
        payg = left + other
        before = inp.month_payg.get(service, 0)
        list_amount, amount = contracted(catalog.price(service).amount(payg, before), inp.rate) if payg else (ZERO, ZERO)
        if payg:
            month_payg[service] = before + payg
        lines.append(charged(inp.day, service, mainland + other, tuple(draws), payg, amount, list_amount, other))
    if cash_spent and purse is not None:  # cash is spent only from a purse
        purse = purse.with_cash(purse.cash - cash_spent)
    return DayResult(tuple(lines), remaining, month_payg, bandwidth_billed, purse)


def _bandwidth_line(inp: DayInput, service: str, peak_bytes: int, catalog: Catalog) -> tuple[BillLine, BandwidthBilled] | None:
    """R8 and R12: bill the day's exact peak, or on a supplement the rise of the peak."""
    before = inp.bandwidth_billed.get(service)
    if before is not None and peak_bytes <= before.peak_bytes:
        return None
    price = catalog.price(service).flat_price  # bandwidth is priced flat (the catalog refuses tiers)
    assert price is not None
    list_total, total = contracted(window_mbps(peak_bytes) * _fraction(price), inp.rate)
    already = before or BandwidthBilled(0, ZERO, ZERO)
    rise = window_bytes_to_bps(peak_bytes) - window_bytes_to_bps(already.peak_bytes)
    line = BillLine(inp.day, service, rise, (), rise, total - already.amount, inp.supplement, list_total - already.list_amount)
    return line, BandwidthBilled(peak_bytes, total, list_total)


def _fraction(value: Decimal) -> Fraction:
    return Fraction(value)


# ---------------------------------------------------------------------------------------------
# An account's run of days


@dataclass(frozen=True, slots=True)
class UsageDay:
    """An account's unsettled usage of one day.

    mainland / other: per service, the quantity not yet settled (R1).
    peaks: per traffic service, bytes of the day's largest 5-minute window, all of the day's
    traffic counted (R8).
    """

    day: date
    mainland: Mapping[str, int]
    other: Mapping[str, int]
    peaks: Mapping[str, int] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class AccountState:
    """What settlement carries from one day of an account to the next.

    balances: the account's packages with what each has left, by package id.
    month_payg: pay-as-you-go quantity billed so far, per (first day of the month, service).
    bandwidth_billed: what a day's peak was billed so far, per (day, bandwidth service).
    settled: the account's days that were settled before (later usage of them is a supplement).
    switches: the account's traffic billing requests (R7).
    rates: the account's discount rates (R16).
    purse: its cash, vouchers, terms and credit limit: what pays each line (R17, R18).
    """

    balances: Mapping[str, Balance] = field(default_factory=dict)
    month_payg: Mapping[tuple[date, str], int] = field(default_factory=dict)
    bandwidth_billed: Mapping[tuple[date, str], BandwidthBilled] = field(default_factory=dict)
    settled: frozenset[date] = frozenset()
    switches: tuple[SwitchRequest, ...] = ()
    rates: tuple[DiscountRate, ...] = ()
    purse: Purse = Purse()


@dataclass(frozen=True, slots=True)
class AccountSettlement:
    """What settling an account's days did: the lines, the new state and what changed in it."""

    lines: tuple[BillLine, ...]
    state: AccountState
    remaining: dict[str, int]
    """New remaining of every package drawn on."""
    month_payg: dict[tuple[date, str], int]
    """New pay-as-you-go quantity of every (month, service) billed."""
    bandwidth_billed: dict[tuple[date, str], BandwidthBilled]
    """New billed peak of every (day, bandwidth service) with a line."""
    days: tuple[date, ...]
    """The days settled now, oldest first."""
    newly_settled: tuple[date, ...]
    """Those of them that had never been settled for this account."""
    events: tuple[str, ...] = ()
    """What the charges raised: ``arrears``, ``arrears_lifted``, ``low_balance`` (R19, R20)."""

    @property
    def draws(self) -> list[tuple[date, str, Draw]]:
        return [(line.day, line.service, d) for line in self.lines for d in line.drawn]


def is_supplement(day: date, settled: Set[date], settled_through: date | None) -> bool:
    """R12: a day is settled for this account once it was settled for it, and for every account
    once a run through that day has finished."""
    return day in settled or (settled_through is not None and day <= settled_through)


def settle_account(
    days: Iterable[UsageDay],
    state: AccountState,
    prices: Prices,
    *,
    run_at: datetime,
    settled_through: date | None = None,
    paid: bool = True,
) -> AccountSettlement:
    """Settle an account's unsettled days, oldest first (R12).

    run_at: the moment of the run (its operator ``at``, or the clock); on its day, a supplement
    draws only on packages that have not expired by then, and every line is charged on it
    (vouchers valid that day first, then cash: R17, R18). settled_through: the last day a
    finished run went through (every day up to it is settled for every account). paid=False:
    the lines are billed but not paid, the purse left as it is (what a plan would be billed:
    the advisor, R27). prices: the catalog, or its versions: each day is priced by the version in
    force on it, a supplement included (R31).
    """
    run_day = shanghai_day(run_at)
    carry = _Carry.of(state, paid)
    for usage in sorted(days, key=lambda u: u.day):
        if not any(usage.mainland.values()) and not any(usage.other.values()):
            continue
        supplement = is_supplement(usage.day, carry.settled, settled_through)
        result = settle_day(carry.day_input(usage, state, supplement, run_day), prices.on(usage.day))
        carry.take(usage.day, result, run_at, run_day)
    new_state = replace(state, balances=carry.balances, month_payg=carry.month_payg, bandwidth_billed=carry.billed,
                        settled=frozenset(carry.settled), purse=carry.purse or state.purse)
    return AccountSettlement(tuple(carry.lines), new_state, carry.changed_remaining, carry.changed_payg, carry.changed_billed,
                             tuple(carry.done), tuple(carry.new), tuple(carry.events))


@dataclass(slots=True)
class _Carry:
    """What settling an account carries from one day to the next, and what changed so far."""

    balances: dict[str, Balance]
    month_payg: dict[tuple[date, str], int]
    billed: dict[tuple[date, str], BandwidthBilled]
    settled: set[date]
    purse: Purse | None
    events: list[str] = field(default_factory=list)
    lines: list[BillLine] = field(default_factory=list)
    changed_remaining: dict[str, int] = field(default_factory=dict)
    changed_payg: dict[tuple[date, str], int] = field(default_factory=dict)
    changed_billed: dict[tuple[date, str], BandwidthBilled] = field(default_factory=dict)
    done: list[date] = field(default_factory=list)
    new: list[date] = field(default_factory=list)
    payg_of_month: dict[date, dict[str, int]] = field(default_factory=dict)
    """``month_payg`` by month, and ``billed`` by day: what a day reads, without a scan of every
    month and day carried so far (a run of many days)."""
    billed_of_day: dict[date, dict[str, BandwidthBilled]] = field(default_factory=dict)

    @classmethod
    def of(cls, state: AccountState, paid: bool = True) -> _Carry:
        carry = cls(dict(state.balances), dict(state.month_payg), dict(state.bandwidth_billed), set(state.settled),
                    state.purse if paid else None)
        for (month, service), q in state.month_payg.items():
            carry.payg_of_month.setdefault(month, {})[service] = q
        for (day, service), b in state.bandwidth_billed.items():
            carry.billed_of_day.setdefault(day, {})[service] = b
        return carry

    def day_input(self, usage: UsageDay, state: AccountState, supplement: bool, run_day: date) -> DayInput:
        day, month = usage.day, month_start(usage.day)
        return DayInput(
            day=day,
            mode=mode_on(day, state.switches),
            mainland=usage.mainland,
            other=usage.other,
            balances=list(self.balances.values()),
            peaks=usage.peaks,
            month_payg=dict(self.payg_of_month.get(month, {})),
            bandwidth_billed=dict(self.billed_of_day.get(day, {})),
            supplement=supplement,
            usable_through=run_day if supplement else None,
            rate=rate_on(day, state.rates),
            purse=self.purse,
            charge_day=run_day,
        )

    def take(self, day: date, result: DayResult, run_at: datetime, run_day: date) -> None:
        """Carry a settled day's result on to the next day."""
        month = month_start(day)
        self.lines.extend(result.lines)
        if result.purse is not None and result.purse is not self.purse:
            self.purse, raised = after_movement(result.purse, run_at, run_day, charge=True)
            self.events.extend(raised)
        for package_id, left in result.remaining.items():
            self.balances[package_id] = Balance(self.balances[package_id].package, left)
            self.changed_remaining[package_id] = left
        for service, q in result.month_payg.items():
            self.month_payg[(month, service)] = self.changed_payg[(month, service)] = q
            self.payg_of_month.setdefault(month, {})[service] = q
        for service, b in result.bandwidth_billed.items():
            self.billed[(day, service)] = self.changed_billed[(day, service)] = b
            self.billed_of_day.setdefault(day, {})[service] = b
        self.done.append(day)
        if day not in self.settled:
            self.new.append(day)
            self.settled.add(day)


def journal_of_run(account_id: str, lines: Sequence[BillLine], run_ref: str) -> list[tuple[str, Entry]]:
    """R15, R21: the journal entries of an account's lines settled in one run (one per account and
    run: the run is the moment its cash moved), with what each line's payment took from vouchers
    and cash, per service; each with the account whose books it is in: the account's own, or for
    the lines its payer paid, the payer's, naming the member (R32)."""
    by_payer: dict[str | None, list[tuple[str, Payment]]] = {}
    for line in lines:
        if line.amount > 0:
            by_payer.setdefault(line.paid_by, []).append((line.service, line.paid))
    out = []
    for payer in sorted(by_payer, key=lambda p: p or ""):
        if payer is None:
            out.append((account_id, journal_payg(account_id, run_ref, by_payer[payer])))
        else:
            out.append((payer, replace(journal_payg(payer, run_ref, by_payer[payer]), member=account_id)))
    return out
