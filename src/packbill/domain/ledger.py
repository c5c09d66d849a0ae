"""An in-memory packbill: every rule end to end, with no I/O and no clock.

It is the reference model that the database-backed services are tested against. It owns no
rule of its own: buying is ``purchase``, settling is ``settle_account`` (the same engine the
database-backed settlement runs), refunds ``check_refund``, reminders ``reminders_at``,
statuses ``package_status``.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from itertools import count as counter
from typing import Iterable

from .catalog import Catalog
from .days import shanghai_day
from .draw_order import in_draw_order
from .errors import InvalidRequest, NotFound
from .model import Balance, BillLine, Package, PackageStatus, Site, TrafficBilling, UsageEvent
from .purchase import purchase
from .refund import check_refund
from .reminders import PackageHistory, Reminder, reminders_at
from .settlement import AccountState, UsageDay, settle_account
from .status import package_status, remaining_of
from .traffic_billing import SwitchRequest, check_switch, mode_on, pending_switch
from .usage import DayUsage, dedupe, row_of


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


class Ledger:
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

    def create_account(self, account_id: str, name: str, site: Site) -> None:
        self._accounts[account_id] = _Account(account_id, name, Site(site))

    def buy(self, account_id: str, sku: str, at: datetime, count: int = 1) -> tuple[list[Package], Decimal]:
        acc = self._account(account_id)
        first = next(self._seq)
        ids = (f"{account_id}-p{first + i}" for i in range(count))
        packages, amount = purchase(self.catalog, account_id, acc.site, sku, count, at, first, lambda: next(ids))
        for _ in range(count - 1):
            next(self._seq)
        balances = dict(acc.state.balances)
        for p in packages:
            acc.packages[p.id] = p
            balances[p.id] = Balance(p, p.size)
        acc.state = replace(acc.state, balances=balances)
        return packages, amount

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
        run_day = shanghai_day(at) if at is not None else through + timedelta(days=1)
        days_settled = lines_written = 0
        for acc in self._accounts.values():
            days = [acc.unsettled(day) for day in sorted(d for d in acc.usage if d <= through)]
            result = settle_account(days, acc.state, self.catalog, run_day=run_day, settled_through=self.settled_through)
            for day in result.days:
                usage = acc.usage[day]
                for service, q in usage.mainland.items():
                    acc.settled_mainland[(day, service)] = q
                for service, q in usage.other.items():
                    acc.settled_other[(day, service)] = q
            acc.draws.extend((d.package_id, day, d.quantity) for day, _, d in result.draws)
            acc.lines.extend(result.lines)
            acc.state = result.state
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
