"""Settling one account's day (R1, R5 to R8, R12, R13), as a pure function.

``settle_day`` takes what the day needs (its unsettled usage, the account's packages with
what they have left, the day's traffic billing type, the month's pay-as-you-go so far, what
the day's peak bandwidth was already billed) and returns the bill lines, the draws inside
them and the new balances. It never looks at other days: its cost grows with the day's
usage and the account's packages only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Mapping, Sequence

from .catalog import BANDWIDTH_OF, TRAFFIC_SERVICES, USAGE_SERVICES, Catalog
from .draw_order import draw
from .model import Balance, BillLine, Draw, TrafficBilling
from .money import ZERO, bps_to_mbps, round_line, window_bytes_to_bps


@dataclass(frozen=True, slots=True)
class BandwidthBilled:
    """What a day's peak bandwidth in one direction has been billed so far."""

    peak_bps: int
    amount: Decimal


@dataclass(frozen=True, slots=True)
class DayInput:
    """Everything needed to settle one account's day.

    mainland / other: usage not yet settled, per service, by region class (R1).
    windows: the whole day's traffic bytes per 5-minute window, per traffic service (R8).
    balances: the account's packages with what each has left now.
    month_payg: pay-as-you-go quantity already billed this calendar month, per service.
    bandwidth_billed: per bandwidth service, what the day's peak was billed so far.
    supplement: whether the day was settled before (R12).
    """

    day: date
    mode: TrafficBilling
    mainland: Mapping[str, int]
    other: Mapping[str, int]
    balances: Sequence[Balance]
    windows: Mapping[str, Mapping[int, int]] = field(default_factory=dict)
    month_payg: Mapping[str, int] = field(default_factory=dict)
    bandwidth_billed: Mapping[str, BandwidthBilled] = field(default_factory=dict)
    supplement: bool = False


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

    @property
    def draws(self) -> list[tuple[str, Draw]]:
        return [(line.service, d) for line in self.lines for d in line.drawn]


def peak_bps(windows: Mapping[int, int]) -> int:
    """R8: the largest 5-minute window of the day, in bit/s."""
    return window_bytes_to_bps(max(windows.values(), default=0))


def settle_day(inp: DayInput, catalog: Catalog) -> DayResult:
    lines: list[BillLine] = []
    remaining: dict[str, int] = {}
    month_payg: dict[str, int] = {}
    bandwidth_billed: dict[str, BandwidthBilled] = {}
    by_service: dict[str, list[Balance]] = {}
    for b in inp.balances:
        by_service.setdefault(b.package.service, []).append(b)

    for service in USAGE_SERVICES:
        mainland = inp.mainland.get(service, 0)
        other = inp.other.get(service, 0)
        if mainland + other == 0:
            continue
        if service in TRAFFIC_SERVICES and inp.mode is TrafficBilling.DAILY_PEAK_BANDWIDTH:
            line = _bandwidth_line(inp, BANDWIDTH_OF[service], inp.windows.get(service, {}), catalog)
            if line is not None:
                lines.append(line[0])
                bandwidth_billed[line[0].service] = line[1]
            continue
        held = by_service.get(service)
        draws, left = draw(mainland, held, service, inp.day, inp.mode) if mainland and held else ([], mainland)
        if draws:
            taken = {d.package_id: d.quantity for d in draws}
            for i, b in enumerate(held):
                if b.package.id in taken:
                    held[i] = Balance(b.package, b.remaining - taken[b.package.id])
                    remaining[b.package.id] = held[i].remaining
        payg = left + other
        before = inp.month_payg.get(service, 0)
        amount = round_line(catalog.price(service).amount(payg, before)) if payg else ZERO
        if payg:
            month_payg[service] = before + payg
        lines.append(BillLine(inp.day, service, mainland + other, tuple(draws), payg, amount, inp.supplement))
    return DayResult(tuple(lines), remaining, month_payg, bandwidth_billed)


def _bandwidth_line(
    inp: DayInput, service: str, windows: Mapping[int, int], catalog: Catalog
) -> tuple[BillLine, BandwidthBilled] | None:
    """R8 and R12: bill the day's peak, or on a supplement the rise of the peak."""
    new_peak = peak_bps(windows)
    before = inp.bandwidth_billed.get(service)
    if before is not None and new_peak <= before.peak_bps:
        return None
    total = round_line(catalog.price(service).amount(bps_to_mbps(new_peak)))
    already_peak, already_amount = (before.peak_bps, before.amount) if before else (0, ZERO)
    rise = bps_to_mbps(new_peak - already_peak)
    line = BillLine(inp.day, service, rise, (), rise, total - already_amount, inp.supplement)
    return line, BandwidthBilled(new_peak, total)
