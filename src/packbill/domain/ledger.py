"""An in-memory packbill: every rule end to end, with no I/O and no clock.

It is the reference model. The storage-backed services run the same pure functions
(``purchase``, ``settle_day``, ``check_refund``, ``reminders_at``, ``package_status``) over
database rows, and the tests compare the two on the same input.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal
from itertools import count as counter
from typing import Iterable

from .catalog import Catalog
from .days import month_start, shanghai_day
from .draw_order import in_draw_order
from .errors import NotFound
from .model import Balance, BillLine, Package, PackageStatus, Site, TrafficBilling, UsageEvent
from .purchase import purchase
from .refund import check_refund
from .reminders import PackageHistory, Reminder, reminders_at
from .settlement import BandwidthBilled, DayInput, settle_day
from .status import package_status
from .traffic_billing import SwitchRequest, mode_on, pending_switch
from .usage import DayUsage, bucket, dedupe


@dataclass
class _Account:
    id: str
    name: str
    site: Site
    switches: list[SwitchRequest] = field(default_factory=list)
    packages: dict[str, Package] = field(default_factory=dict)
    remaining: dict[str, int] = field(default_factory=dict)
    draws: list[tuple[str, date, int]] = field(default_factory=list)
    refunds: int = 0
    seen: set[str] = field(default_factory=set)
    usage: dict[date, DayUsage] = field(default_factory=lambda: defaultdict(DayUsage))
    settled_mainland: dict[tuple[date, str], int] = field(default_factory=lambda: defaultdict(int))
    settled_other: dict[tuple[date, str], int] = field(default_factory=lambda: defaultdict(int))
    settled_days: set[date] = field(default_factory=set)
    bandwidth_billed: dict[tuple[date, str], BandwidthBilled] = field(default_factory=dict)
    month_payg: dict[tuple[date, str], int] = field(default_factory=lambda: defaultdict(int))
    lines: list[BillLine] = field(default_factory=list)

    def unsettled(self, day: date) -> tuple[dict[str, int], dict[str, int]]:
        usage = self.usage[day]
        mainland = {s: q - self.settled_mainland[(day, s)] for s, q in usage.mainland.items()}
        other = {s: q - self.settled_other[(day, s)] for s, q in usage.other.items()}
        return {s: q for s, q in mainland.items() if q}, {s: q for s, q in other.items() if q}


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
        for p in packages:
            acc.packages[p.id] = p
            acc.remaining[p.id] = p.size
        return packages, amount

    def switch_traffic_billing(self, account_id: str, mode: TrafficBilling, at: datetime) -> date:
        request = SwitchRequest(TrafficBilling(mode), at, next(self._seq))
        self._account(account_id).switches.append(request)
        return request.effective_day

    def traffic_billing(self, account_id: str, day: date) -> TrafficBilling:
        return mode_on(day, self._account(account_id).switches)

    def pending_switch(self, account_id: str, day: date) -> tuple[TrafficBilling, date] | None:
        return pending_switch(day, self._account(account_id).switches)

    def record_usage(self, account_id: str, events: Iterable[UsageEvent]) -> tuple[int, int]:
        """Store validated events once each (R14); returns (accepted, duplicates)."""
        acc = self._account(account_id)
        kept, duplicates = dedupe(events, acc.seen)
        for event in kept:
            day, window = bucket(event)
            acc.usage[day].add(event.service, event.quantity, self.catalog.is_mainland(event.region), window)
        return len(kept), duplicates

    def settle(self, through: date) -> tuple[int, int]:
        """Settle every account's unsettled usage up to ``through``, oldest day first (R12)."""
        days_settled = lines_written = 0
        for acc in self._accounts.values():
            for day in sorted(d for d in acc.usage if d <= through):
                mainland, other = acc.unsettled(day)
                if not mainland and not other:
                    continue
                month = month_start(day)
                result = settle_day(
                    DayInput(
                        day=day,
                        mode=mode_on(day, acc.switches),
                        mainland=mainland,
                        other=other,
                        balances=[Balance(p, acc.remaining[p.id]) for p in acc.packages.values()],
                        windows=acc.usage[day].windows,
                        month_payg={s: q for (m, s), q in acc.month_payg.items() if m == month},
                        bandwidth_billed={s: b for (d, s), b in acc.bandwidth_billed.items() if d == day},
                        supplement=day in acc.settled_days,
                    ),
                    self.catalog,
                )
                for service, q in mainland.items():
                    acc.settled_mainland[(day, service)] += q
                for service, q in other.items():
                    acc.settled_other[(day, service)] += q
                acc.remaining.update(result.remaining)
                for service, d in result.draws:
                    acc.draws.append((d.package_id, day, d.quantity))
                for service, q in result.month_payg.items():
                    acc.month_payg[(month, service)] = q
                for service, b in result.bandwidth_billed.items():
                    acc.bandwidth_billed[(day, service)] = b
                acc.lines.extend(result.lines)
                acc.settled_days.add(day)
                days_settled += 1
                lines_written += len(result.lines)
        return days_settled, lines_written

    def refund(self, account_id: str, package_id: str, at: datetime) -> Decimal:
        acc = self._account(account_id)
        package = acc.packages.get(package_id)
        if package is None:
            raise NotFound(f"there is no package {package_id}")
        drawn = sum(q for pid, _, q in acc.draws if pid == package_id)
        amount = check_refund(package, drawn, acc.refunds, at)
        acc.packages[package_id] = replace(package, refunded_at=at)
        acc.refunds += 1
        return amount

    def packages(self, account_id: str, as_of: datetime) -> list[PackageView]:
        """The account's packages bought by ``as_of``, in draw order, with remaining and status."""
        acc = self._account(account_id)
        day = shanghai_day(as_of)
        mode = mode_on(day, acc.switches)
        views = []
        for p in in_draw_order(acc.packages.values()):
            if p.purchased_at > as_of:
                continue
            remaining = p.size - sum(q for pid, d, q in acc.draws if pid == p.id and d <= day)
            views.append(PackageView(p, remaining, package_status(p, remaining, as_of, mode)))
        return views

    def bills(self, account_id: str, first: date, last: date) -> list[BillLine]:
        return [line for line in self._account(account_id).lines if first <= line.day <= last]

    def reminders(self, account_id: str, day: date) -> list[Reminder]:
        acc = self._account(account_id)
        histories = [
            PackageHistory(p, [(d, q) for pid, d, q in acc.draws if pid == p.id]) for p in in_draw_order(acc.packages.values())
        ]
        return reminders_at(day, histories, mode_on(day, acc.switches), self.catalog.low_thresholds)
