"""The books (R21, R22): revenue recognition, breakage, statements and the invoiceable amount.
Pure functions over figures the storage has read; no clock.

Recognition: a package's contracted amount is deferred when it is paid (``deferred:<package>``)
and recognised as it is drawn: after each settlement its recognised total is
amount x drawn / size rounded half up to 0.01, and the entry posts the difference from what was
recognised before, so a used-up package recognises exactly its amount. At expiry the rest is
breakage (``breakage:<service>``); a voucher's expired remainder is breakage too (``breakage``).
Pay-as-you-go is recognised when its day is settled (``payg:<service>``, ``journal.payg``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

from .days import day_start, month_end, month_start, next_month
from .journal import BREAKAGE, DEFERRED, PAYG, REVENUE, Entry, Posting, breakage, deferred, revenue, voucher
from .model import Package
from .money import ZERO, round_line
from .status import package_status
from .traffic_billing import SwitchRequest, mode_on, requested_by


def recognised(amount: Decimal, drawn: int, size: int) -> Decimal:
    """R21: what a package of contracted ``amount`` has recognised once ``drawn`` of its ``size``
    units were drawn: amount x drawn / size, rounded half up to 0.01 (all of it when used up)."""
    if drawn >= size:
        return amount
    if drawn <= 0:
        return ZERO
    fen = amount.scaleb(2)
    if amount >= 0 and fen == fen.to_integral_value():  # money (whole fen): the same rounding in integers, without fractions
        return Decimal((2 * int(fen) * drawn + size) // (2 * size)).scaleb(-2)
    return round_line(Fraction(amount) * drawn / size)


@dataclass(frozen=True, slots=True)
class Recognition:
    """One package's draws in a settlement: the drawn total before and after it."""

    package_id: str
    service: str
    amount: Decimal
    size: int
    drawn_before: int
    drawn_after: int

    @property
    def posted(self) -> Decimal:
        return recognised(self.amount, self.drawn_after, self.size) - recognised(self.amount, self.drawn_before, self.size)


def recognition(ref: str, changes: Iterable[Recognition]) -> Entry | None:
    """R21: the entry that moves what the draws of one run recognised out of each package's
    deferred revenue into the service's recognised revenue (one entry per account and run)."""
    postings: list[Posting] = []
    for c in changes:
        amount = c.posted
        if amount:
            postings += [Posting(deferred(c.package_id), -amount), Posting(revenue(c.service), amount)]
    return Entry("recognition", ref, tuple(postings)) if postings else None


def package_breakage(package_id: str, service: str, amount: Decimal, size: int, drawn: int) -> Entry | None:
    """R9, R21: at expiry what is still deferred (amount less what was recognised) is breakage."""
    left = amount - recognised(amount, drawn, size)
    if not left:
        return None
    return Entry("expiry", package_id, (Posting(deferred(package_id), -left), Posting(breakage(service), left)))


def voucher_breakage(voucher_id: str, remaining: Decimal) -> Entry | None:
    """R17, R21: an expired voucher's remainder is forfeited."""
    if not remaining:
        return None
    return Entry("voucher_expiry", voucher_id, (Posting(voucher(voucher_id), -remaining), Posting(breakage(), remaining)))


def breakage_service(ledger_account: str) -> str:
    """The service a breakage posting belongs to; voucher remainders have none (``vouchers``)."""
    return ledger_account.partition(":")[2] or "vouchers"


# -- revenue per day (R21) ----------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class RevenueDay:
    day: date
    services: dict[str, dict[str, Decimal]]
    """service -> {"recognised", "breakage", "payg"} of that day (only services with any)."""
    deferred: Decimal
    """Deferred revenue held at the end of the day."""


def revenue_days(first: date, last: date, deferred_before: Decimal,
                 postings: Iterable[tuple[date, str, Decimal]]) -> list[RevenueDay]:
    """Per day from ``first`` to ``last``: recognised (packages), breakage and pay-as-you-go per
    service, and the deferred balance at the day's end. ``postings``: (accounting day, ledger
    account, amount) of the period, day sums welcome; ``deferred_before``: the deferred balance
    when the period starts. Amounts are shown as revenue (positive)."""
    per_day: dict[date, dict[str, dict[str, Decimal]]] = {}
    deferred_change: dict[date, Decimal] = {}
    for day, account, amount in postings:
        if account.startswith(DEFERRED):
            deferred_change[day] = deferred_change.get(day, ZERO) + amount
            continue
        if account.startswith(REVENUE):
            kind, service = "recognised", account[len(REVENUE):]
        elif account.startswith(PAYG):
            kind, service = "payg", account[len(PAYG):]
        elif account.startswith(BREAKAGE):
            kind, service = "breakage", breakage_service(account)
        else:
            continue
        row = per_day.setdefault(day, {}).setdefault(service, {"recognised": ZERO, "breakage": ZERO, "payg": ZERO})
        row[kind] += amount
    out: list[RevenueDay] = []
    balance = deferred_before
    day = first
    while day <= last:
        balance += deferred_change.get(day, ZERO)
        out.append(RevenueDay(day, {s: per_day[day][s] for s in sorted(per_day.get(day, {}))}, balance))
        day = date.fromordinal(day.toordinal() + 1)
    return out


# -- the month's close (R21 revenue dates, R22) ------------------------------------------------------

@dataclass(frozen=True, slots=True)
class CloseRow:
    """One service in a month's close: what the month's statements bill as pay-as-you-go against
    the pay-as-you-go revenue of the month, and the month's recognised revenue and breakage."""

    service: str
    statements_payg: Decimal
    revenue_payg: Decimal
    recognised: Decimal
    breakage: Decimal

    @property
    def difference(self) -> Decimal:
        return self.statements_payg - self.revenue_payg


@dataclass(frozen=True, slots=True)
class MonthClose:
    month: date
    final: bool
    rows: tuple[CloseRow, ...]
    deferred_opening: Decimal
    """Deferred revenue held when the month began."""
    deferred_closing: Decimal
    """Deferred revenue held when it ended (or at the end of the days so far, while it runs)."""

    @property
    def balanced(self) -> bool:
        return all(r.difference == 0 for r in self.rows)


def month_close(month: date, final: bool, statements_payg: dict[str, Decimal], days: Sequence[RevenueDay],
                deferred_opening: Decimal) -> MonthClose:
    """The month's statements against its revenue, per service (SPEC section 8): revenue is dated
    by the usage day it serves, and usage of a final month counts where the statements put it,
    so every difference is 0.00 when the books agree. ``days``: the month's revenue days."""
    sums: dict[str, dict[str, Decimal]] = {}
    for day in days:
        for service, figures in day.services.items():
            row = sums.setdefault(service, {"recognised": ZERO, "breakage": ZERO, "payg": ZERO})
            for kind, amount in figures.items():
                row[kind] += amount
    services = sorted(set(sums) | set(statements_payg))
    rows = tuple(CloseRow(s, statements_payg.get(s, ZERO), sums.get(s, {}).get("payg", ZERO), sums.get(s, {}).get("recognised", ZERO),
                          sums.get(s, {}).get("breakage", ZERO)) for s in services)
    return MonthClose(month, final, rows, deferred_opening, days[-1].deferred if days else deferred_opening)


# -- statements (R22) ---------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class PaygRow:
    """A service's pay-as-you-go on a statement. For a daily-peak bandwidth service ``quantity``
    is the sum of the billed daily peaks (what the amounts are the price of); ``peak`` is the
    highest of them and ``days`` how many days were billed, which is what a person reads."""

    service: str
    quantity: int
    list_amount: Decimal
    amount: Decimal
    voucher: Decimal
    cash: Decimal
    peak: int = 0
    days: int = 0


@dataclass(frozen=True, slots=True)
class StatementUsage:
    service: str
    drawn: int
    payg_quantity: int
    mainland: int
    other: int


@dataclass(frozen=True, slots=True)
class HeldPackage:
    id: str
    sku: str
    service: str
    size: int
    remaining: int
    first_day: date
    last_day: date
    status: str


def held_package(package: Package, remaining: int, month: date, switches: Sequence[SwitchRequest]) -> HeldPackage:
    """A package on ``month``'s statement: what it had left and its status at the month's end,
    by the one status rule (``package_status``: refunded, expired, exhausted, frozen, active)."""
    last = month_end(month)
    end = day_start(next_month(month)) - timedelta(microseconds=1)
    mode = mode_on(last, requested_by(switches, end))
    status = package_status(package, remaining, end, mode, last)
    return HeldPackage(package.id, package.sku, package.service, package.size, remaining, package.first_day, package.last_day,
                       status.value)


@dataclass(frozen=True, slots=True)
class Purchases:
    list_amount: Decimal = ZERO
    amount: Decimal = ZERO
    voucher: Decimal = ZERO
    cash: Decimal = ZERO

    @property
    def discount(self) -> Decimal:
        """R16: what the contracted price took off the list price."""
        return self.list_amount - self.amount if self.list_amount else ZERO


@dataclass(frozen=True, slots=True)
class Issuer:
    """Who issues the statements (R22): the operator's company name, address and tax id, from
    the settings; empty until the operator sets them."""

    name: str = ""
    address: str = ""
    tax_id: str = ""


@dataclass(frozen=True, slots=True)
class OrderRow:
    """One purchase on a statement: ``count`` packages of ``sku`` bought on ``day``, at list and
    contracted (R16) amounts, paid by vouchers and cash (R18)."""

    day: date
    sku: str
    count: int
    list_amount: Decimal
    amount: Decimal
    voucher: Decimal
    cash: Decimal

    @property
    def discount(self) -> Decimal:
        return self.list_amount - self.amount


@dataclass(frozen=True, slots=True)
class RefundRow:
    """One refund on a statement (R10): the package, and what went back to vouchers and cash."""

    day: date
    package_id: str
    sku: str
    voucher: Decimal
    cash: Decimal


@dataclass(frozen=True, slots=True)
class VoucherMonth:
    """Vouchers in a statement's month (R17): granted and expired (forfeited); what they paid is
    on the purchases and pay-as-you-go lines (``Statement.vouchers_used``)."""

    granted: Decimal = ZERO
    expired: Decimal = ZERO


@dataclass(frozen=True, slots=True)
class GroupRow:
    """R32, on a statement: what a payer paid for a member in the month. On a member's statement
    ``role`` is ``payer`` (the account named paid for it); on a payer's, ``member`` (it paid for
    the account named). Purchases and pay-as-you-go, each by what vouchers and cash paid."""

    account_id: str
    name: str
    role: str
    purchases_voucher: Decimal = ZERO
    purchases_cash: Decimal = ZERO
    payg_voucher: Decimal = ZERO
    payg_cash: Decimal = ZERO

    @property
    def purchases(self) -> Decimal:
        return self.purchases_voucher + self.purchases_cash

    @property
    def payg(self) -> Decimal:
        return self.payg_voucher + self.payg_cash

    @property
    def cash(self) -> Decimal:
        return self.purchases_cash + self.payg_cash

    @property
    def total(self) -> Decimal:
        return self.purchases + self.payg


@dataclass(frozen=True, slots=True)
class Statement:
    """An account's month (R22). ``number`` is set once it is final."""

    account_id: str
    account_name: str
    month: date
    status: str
    number: str | None
    opening_balance: Decimal
    closing_balance: Decimal
    topups: Decimal
    adjustments: Decimal
    purchases: Purchases
    refunds: Purchases
    payg: tuple[PaygRow, ...]
    usage: tuple[StatementUsage, ...]
    packages: tuple[HeldPackage, ...]
    invoiceable: Decimal
    daily: tuple[tuple[date, Decimal, Decimal], ...] = field(default=())
    """Per day of the month with lines: (day, pay-as-you-go amount, supplement amount)."""
    late: tuple[LateMove, ...] = field(default=())
    """Money stated in earlier months that were already final when it was recorded (late money,
    already counted in the month's top-ups, adjustments, purchases and refunds), each with its own day."""
    orders: tuple[OrderRow, ...] = field(default=())
    """The purchases one by one; they add up to ``purchases``."""
    refund_rows: tuple[RefundRow, ...] = field(default=())
    """The refunds one by one; their voucher and cash add up to ``refunds``."""
    vouchers: VoucherMonth = field(default_factory=VoucherMonth)
    invoiced: Decimal = ZERO
    """R33: the invoices issued in the month (tax included)."""
    red_letter: Decimal = ZERO
    """R33: the red-letter invoices issued in the month (below zero)."""
    group: tuple[GroupRow, ...] = field(default=())
    """R32: on a member's statement, what its payer paid for it; on a payer's, a row per member."""

    @property
    def quiet(self) -> bool:
        """Nothing happened this month: no money moved, no usage, no voucher granted or lapsed."""
        return not (self.topups or self.adjustments or self.orders or self.refund_rows or self.payg or self.usage or self.late or self.group
                    or self.vouchers.granted or self.vouchers.expired)

    @property
    def vouchers_used(self) -> Decimal:
        """What vouchers paid this month: for purchases and pay-as-you-go, less what refunds gave back."""
        return self.purchases.voucher + sum((r.voucher for r in self.payg), ZERO) - self.refunds.voucher

    @property
    def group_cash(self) -> Decimal:
        """R32: what group accounts moved the balance by: a member's charges its payer paid in cash
        come back to it (they are in its purchases and pay-as-you-go, not in its balance), and a
        payer's balance paid its members' charges. With it, opening + top-ups + adjustments -
        purchases + refunds - pay-as-you-go + this is the closing balance."""
        return sum((r.cash if r.role == "payer" else -r.cash for r in self.group), ZERO)

    @property
    def payg_cash(self) -> Decimal:
        """What the month's pay-as-you-go took from cash (vouchers paid the rest): what the
        balance moves by, so that opening + top-ups + adjustments - purchases + refunds - this
        is the closing balance. The one definition every edge shows."""
        return sum((r.cash for r in self.payg), ZERO)


@dataclass(frozen=True, slots=True)
class LateMove:
    """Late money on a statement: its own day, its kind (topup, adjustment, purchase, refund)
    and what it moved (a purchase negative)."""

    day: date
    kind: str
    amount: Decimal


@dataclass(frozen=True, slots=True)
class ServiceSums:
    """A statement's lines of one service, summed (the storage adds them up)."""

    service: str
    quantity: int
    other: int
    drawn: int
    payg_quantity: int
    list_amount: Decimal
    amount: Decimal
    voucher: Decimal
    cash: Decimal
    peak: int = 0
    """The highest billed daily quantity (bandwidth: the month's peak)."""
    days: int = 0
    """Days with a line."""


def statement_lines(sums: Iterable[ServiceSums], daily: Iterable[tuple[date, bool, Decimal]]
                    ) -> tuple[tuple[PaygRow, ...], tuple[StatementUsage, ...], tuple[tuple[date, Decimal, Decimal], ...]]:
    """The pay-as-you-go table, the usage table and the daily amounts of a statement, from its
    lines summed per service and per (day, supplement). Bandwidth lines bill a peak, not a
    volume: they count in pay-as-you-go, not in usage."""
    sums = sorted(sums, key=lambda x: x.service)
    payg = tuple(PaygRow(x.service, x.payg_quantity, x.list_amount, x.amount, x.voucher, x.cash, x.peak, x.days) for x in sums
                 if x.payg_quantity or x.amount)
    usage = tuple(StatementUsage(x.service, x.drawn, x.payg_quantity, x.quantity - x.other, x.other) for x in sums
                  if not x.service.startswith("bandwidth."))
    days: dict[date, list[Decimal]] = {}
    for day, supplement, amount in daily:
        days.setdefault(day, [ZERO, ZERO])[1 if supplement else 0] += amount
    return payg, usage, tuple((d, days[d][0], days[d][1]) for d in sorted(days))


def statement_month(day: date, final_months: Iterable[date]) -> date:
    """R22: the statement a line of ``day`` belongs to: its day's month, or, when that month's
    statements are already final, the first month after it that is not."""
    month = month_start(day)
    final = set(final_months)
    while month in final:
        month = next_month(month)
    return month


def book_day(day: date, final_months: Iterable[date]) -> date:
    """R21 revenue dates: the day an amount of ``day`` counts on in the books: its own day, or,
    when its month's statements are final, the first day of the first month still open (where
    the statements put it)."""
    month = statement_month(day, final_months)
    return day if month == month_start(day) else month


def late_month(day: date, final_months: Iterable[date]) -> date | None:
    """The statement month of money moved on ``day`` (late money): None when the month of
    ``day`` is still open (the movement's own month), else the first month that is open."""
    final = set(final_months)
    return statement_month(day, final) if month_start(day) in final else None


def invoiceable(purchases_cash: Decimal, payg_cash: Decimal, refunded_cash: Decimal, invoiced: Decimal, balance: Decimal) -> Decimal:
    """R22 as clarified (SPEC section 8): cash spent on purchases and pay-as-you-go, less refunds,
    less what the account still owes (minus ``balance`` when the cash balance is below zero),
    less what was already invoiced; top-ups not yet spent and vouchers are never invoiceable.
    Never below zero."""
    owed = -balance if balance < 0 else ZERO
    return max(ZERO, purchases_cash + payg_cash - refunded_cash - owed - invoiced)


def statement_number(month: date, seq: int) -> str:
    """A final statement's number: the month and its place among that month's statements."""
    return f"ST-{month:%Y%m}-{seq:06d}"
