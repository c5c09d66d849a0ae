"""An in-memory packbill: every rule end to end, with no I/O and no clock.

It is the reference model that the database-backed services are tested against. It owns no
rule of its own: buying is ``purchase``, settling is ``settle_account`` (the same engine the
database-backed settlement runs), refunds ``check_refund``, reminders ``reminders_at``,
statuses ``package_status``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from itertools import count as counter

from . import journal
from .catalog import Catalog
from .days import SHANGHAI, shanghai_day
from .draw_order import in_draw_order
from .errors import Conflict, InvalidRequest, NotFound
from .model import Balance, BillLine, Package, PackageStatus, Site, TrafficBilling, UsageEvent
from .purchase import sell
from .refund import check_refund
from .reminders import PackageHistory, Reminder, reminders_at
from .settled import chunk_books
from .settlement import AccountState, UsageDay, settle_account
from .status import package_status, remaining_of
from .traffic_billing import SwitchRequest, check_switch, mode_on, pending_switch
from .usage import DayUsage, dedupe, row_of
from .wallet import (
    DiscountRate,
    Payment,
    PaymentTerms,
    Purse,
    Voucher,
    after_movement,
    check_amount,
    check_rate,
    pay_back,
)


@dataclass
class _Account:
    id: str
    name: str
    site: Site
    state: AccountState = field(default_factory=AccountState)
    packages: dict[str, Package] = field(default_factory=dict)
    draws: list[tuple[str, date, int]] = field(default_factory=list)
    refunds: int = 0
    seen: set[str] = field(default_factory=set)
    usage: dict[date, DayUsage] = field(default_factory=lambda: defaultdict(DayUsage))
    settled_mainland: dict[tuple[date, str], int] = field(default_factory=lambda: defaultdict(int))
    settled_other: dict[tuple[date, str], int] = field(default_factory=lambda: defaultdict(int))
    lines: list[BillLine] = field(default_factory=list)
    topups: dict[str, Decimal] = field(default_factory=dict)
    paid: dict[str, Payment] = field(default_factory=dict)
    """What each package's purchase was paid with (its share of the order)."""
    entries: list[journal.Entry] = field(default_factory=list)
    events: list[tuple[str, date]] = field(default_factory=list)

    def unsettled(self, day: date) -> UsageDay:
        usage = self.usage[day]
        mainland = {s: q - self.settled_mainland[(day, s)] for s, q in usage.mainland.items()}
        other = {s: q - self.settled_other[(day, s)] for s, q in usage.other.items()}
        return UsageDay(day, {s: q for s, q in mainland.items() if q}, {s: q for s, q in other.items() if q}, usage.peaks())


@dataclass(frozen=True, slots=True)
class PackageView:
    package: Package
    remaining: int
    status: PackageStatus


class ReferenceModel:
    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        self._accounts: dict[str, _Account] = {}
        self._seq = counter(1)
        self.settled_through: date | None = None
        """The last day a finished run went through (R12: settled for every account)."""

    def _account(self, account_id: str) -> _Account:
        try:
            return self._accounts[account_id]
        except KeyError:
            raise NotFound(f"there is no account {account_id}") from None

    def create_account(self, account_id: str, name: str, site: Site, payment: str = "invoice") -> None:
        self._accounts[account_id] = _Account(account_id, name, Site(site))
        self._accounts[account_id].state = AccountState(purse=Purse(terms=PaymentTerms(payment)))

    # -- money (R15 to R20) ---------------------------------------------------------------------

    def purse(self, account_id: str) -> Purse:
        return self._account(account_id).state.purse

    def _move(self, acc: _Account, purse: Purse, at: datetime, entry: journal.Entry, *, charge: bool) -> None:
        purse, events = after_movement(purse, at, shanghai_day(at), charge=charge)
        acc.state = replace(acc.state, purse=purse)
        acc.entries.append(entry)
        acc.events.extend((kind, shanghai_day(at)) for kind in events)

    def topup(self, account_id: str, amount: Decimal, reference: str, at: datetime) -> bool:
        """R15: returns False when this reference was already recorded with the same amount."""
        acc = self._account(account_id)
        amount = check_amount(amount, "amount")
        if reference in acc.topups:
            if acc.topups[reference] != amount:
                raise Conflict(f"top-up {reference} was recorded with another amount", {"reference": reference})
            return False
        acc.topups[reference] = amount
        purse = acc.state.purse
        self._move(acc, replace(purse, cash=purse.cash + amount), at, journal.topup(account_id, reference, amount), charge=False)
        return True

    def adjust(self, account_id: str, amount: Decimal, at: datetime) -> None:
        acc = self._account(account_id)
        amount = check_amount(amount, "amount", positive=False)
        purse = acc.state.purse
        self._move(acc, replace(purse, cash=purse.cash + amount), at, journal.adjustment(account_id, f"adj{next(self._seq)}", amount),
                   charge=amount < 0)

    def grant_voucher(self, account_id: str, amount: Decimal, expires_on: date, at: datetime,
                      services: frozenset[str] | None = None) -> Voucher:
        acc = self._account(account_id)
        amount = check_amount(amount, "amount")
        if expires_on < shanghai_day(at):
            raise InvalidRequest("a voucher cannot expire before it is granted")
        seq = next(self._seq)
        voucher = Voucher(f"{account_id}-v{seq}", amount, amount, expires_on, services, seq)
        purse = acc.state.purse
        acc.state = replace(acc.state, purse=replace(purse, vouchers={**purse.vouchers, voucher.id: voucher}))
        acc.entries.append(journal.voucher_grant(voucher.id, amount))
        return voucher

    def set_discount(self, account_id: str, rate: Decimal, effective_day: date) -> None:
        acc = self._account(account_id)
        acc.state = replace(acc.state, rates=acc.state.rates + (DiscountRate(check_rate(rate), effective_day, next(self._seq)),))

    def set_credit_limit(self, account_id: str, amount: Decimal) -> None:
        acc = self._account(account_id)
        acc.state = replace(acc.state, purse=replace(acc.state.purse, credit_limit=check_amount(amount, "credit limit", allow_zero=True)))

    def set_threshold(self, account_id: str, threshold: Decimal | None) -> None:
        acc = self._account(account_id)
        if threshold is not None:
            threshold = check_amount(threshold, "threshold", allow_zero=True)
        acc.state = replace(acc.state, purse=replace(acc.state.purse, threshold=threshold))

    def buy(self, account_id: str, sku: str, at: datetime, count: int = 1) -> tuple[list[Package], Decimal]:
        """R2, R4, R16, R18: the packages of one order, paid at once; returns them and the contracted total."""
        acc = self._account(account_id)
        first = next(self._seq)
        ids = (f"{account_id}-p{first + i}" for i in range(count))
        sale = sell(self.catalog, account_id, acc.site, sku, count, at, acc.state.rates, acc.state.purse, (), f"order{first}",
                    lambda: next(ids), first_seq=first)
        for _ in range(count - 1):
            next(self._seq)
        balances = dict(acc.state.balances)
        for p, (_, paid) in zip(sale.packages, sale.payments, strict=True):
            acc.packages[p.id] = p
            acc.paid[p.id] = paid
            balances[p.id] = Balance(p, p.size)
        acc.state = replace(acc.state, balances=balances, purse=sale.purse)
        acc.entries.append(sale.entry)
        acc.events.extend((kind, shanghai_day(at)) for kind in sale.events)
        return sale.packages, sale.amount

    def switch_traffic_billing(self, account_id: str, mode: TrafficBilling, at: datetime) -> date:
        acc = self._account(account_id)
        request = SwitchRequest(TrafficBilling(mode), at, next(self._seq))
        check_switch(request, self._last_settled(acc))
        acc.state = replace(acc.state, switches=acc.state.switches + (request,))
        return request.effective_day

    def _last_settled(self, acc: _Account) -> date | None:
        days = [d for d in (self.settled_through, max(acc.state.settled, default=None)) if d is not None]
        return max(days, default=None)

    def traffic_billing(self, account_id: str, day: date) -> TrafficBilling:
        return mode_on(day, self._account(account_id).state.switches)

    def pending_switch(self, account_id: str, day: date) -> tuple[TrafficBilling, date] | None:
        return pending_switch(day, self._account(account_id).state.switches)

    def record_usage(self, account_id: str, events: Iterable[UsageEvent]) -> tuple[int, int]:
        """Store validated events once each (R14); returns (accepted, duplicates)."""
        acc = self._account(account_id)
        kept, duplicates = dedupe(events, acc.seen)
        for event in kept:
            row = row_of(account_id, event, self.catalog)
            acc.usage[row.day].add(row)
        return len(kept), duplicates

    def settle(self, through: date, at: datetime | None = None) -> tuple[int, int]:
        """Settle every account's unsettled usage up to ``through``, oldest day first (R12).

        ``at``: the moment of the run (default 08:00 of the day after ``through``)."""
        if at is not None and through >= shanghai_day(at):
            raise InvalidRequest(f"day {through} has not ended yet")
        run_at = at if at is not None else datetime.combine(through + timedelta(days=1), time(8), tzinfo=SHANGHAI)
        days_settled = lines_written = 0
        for acc in self._accounts.values():
            days = [acc.unsettled(day) for day in sorted(d for d in acc.usage if d <= through)]
            result = settle_account(days, acc.state, self.catalog, run_at=run_at, settled_through=self.settled_through)
            for day in result.days:
                usage = acc.usage[day]
                for service, q in usage.mainland.items():
                    acc.settled_mainland[(day, service)] = q
                for service, q in usage.other.items():
                    acc.settled_other[(day, service)] = q
            acc.draws.extend((d.package_id, day, d.quantity) for day, _, d in result.draws)
            acc.lines.extend(result.lines)
            books = chunk_books(next(self._seq), {acc.id: result}, {acc.id: acc.state}, shanghai_day(run_at), ())
            acc.state = result.state
            acc.entries.extend(entry for _, entry in books.entries)
            acc.events.extend((kind, shanghai_day(run_at)) for _, kind in books.wallet_events)
            days_settled += len(result.days)
            lines_written += len(result.lines)
        self.settled_through = max(through, self.settled_through or through)
        return days_settled, lines_written

    def refund(self, account_id: str, package_id: str, at: datetime) -> Decimal:
        acc = self._account(account_id)
        package = acc.packages.get(package_id)
        if package is None:
            raise NotFound(f"there is no package {package_id}")
        drawn = sum(q for pid, _, q in acc.draws if pid == package_id)
        amount = check_refund(package, drawn, acc.refunds, at)
        refunded = replace(package, refunded_at=at)
        acc.packages[package_id] = refunded
        balances = dict(acc.state.balances)
        balances[package_id] = Balance(refunded, balances[package_id].remaining)
        acc.state = replace(acc.state, balances=balances)
        acc.refunds += 1
        back, forfeited, purse = pay_back(acc.state.purse, acc.paid[package_id], shanghai_day(at))
        self._move(acc, purse, at, journal.refund(account_id, package_id, back, forfeited), charge=False)
        return amount

    def _history(self, acc: _Account, package_id: str) -> list[tuple[date, int]]:
        return [(d, q) for pid, d, q in acc.draws if pid == package_id]

    def packages(self, account_id: str, as_of: datetime) -> list[PackageView]:
        """The account's packages bought by ``as_of``, in draw order, with remaining and status."""
        acc = self._account(account_id)
        day = shanghai_day(as_of)
        mode = mode_on(day, acc.state.switches)
        views = []
        for p in in_draw_order(acc.packages.values()):
            if p.purchased_at > as_of:
                continue
            remaining = remaining_of(p, self._history(acc, p.id), through=day)
            views.append(PackageView(p, remaining, package_status(p, remaining, as_of, mode)))
        return views

    def bills(self, account_id: str, first: date, last: date) -> list[BillLine]:
        return [line for line in self._account(account_id).lines if first <= line.day <= last]

    def reminders(self, account_id: str, day: date) -> list[Reminder]:
        acc = self._account(account_id)
        histories = [PackageHistory(p, self._history(acc, p.id)) for p in in_draw_order(acc.packages.values())]
        return reminders_at(day, histories, mode_on(day, acc.state.switches), self.catalog.low_thresholds)
