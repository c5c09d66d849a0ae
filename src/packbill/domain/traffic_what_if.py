"""The traffic what-if (R27): the past days' traffic billed by volume, with the best traffic
packages, against the same days billed by daily peak bandwidth, and the break-even. Pure.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from .advice_solver import solve_service
from .catalog import Catalog
from .horizon import Horizon
from .money import ZERO, round_line
from .plan_cost import Lot, Need, Offer, frame, lots_of, simulate


@dataclass(frozen=True, slots=True)
class TrafficWhatIf:
    days: int
    traffic: Decimal
    """The days' traffic billed by volume: pay-as-you-go after the account's traffic packages,
    with the best traffic packages to add (their price spread over the days they would cover)."""
    bandwidth: Decimal
    """The same days billed by daily peak bandwidth (from the five-minute windows)."""
    break_even_hours: Decimal
    """Hours of steady push a day at which both cost the same (uplink and downlink weighted by
    the days' traffic)."""

    @property
    def cheaper(self) -> str:
        return "traffic" if self.traffic <= self.bandwidth else "daily_peak_bandwidth"


BANDWIDTH_FOR = {"traffic.up": "bandwidth.up", "traffic.down": "bandwidth.down"}


def traffic_what_if(days: int, volume: Mapping[str, int], peaks: Mapping[str, Sequence[int]], held: Sequence[Lot],
                    offers: Sequence[Offer], catalog: Catalog, rate: Decimal, year: Horizon) -> TrafficWhatIf:
    """R27: the past ``days`` under each traffic billing type. ``volume``: bytes per traffic
    service over the days (mainland; packages pay for it under traffic billing); ``peaks``: per
    traffic service the bytes of each day's peak five-minute window; ``year``: a year's horizon
    from today, over which the period repeats."""
    from .money import window_mbps

    traffic_cost = Fraction(0)
    bandwidth_cost = Fraction(0)
    hours_num = hours_den = Fraction(0)
    for service, bw in BANDWIDTH_FOR.items():
        bytes_ = volume.get(service, 0)
        price = catalog.price(service)
        # the period repeated over a year: the year's best plan, the period's share of it
        per_day = Fraction(bytes_, days) if days else Fraction(0)
        need = Need(service, tuple(int(per_day * n) for n in year.month_lengths()), (0,) * year.months)
        yearly = sum(need.mainland)
        mine = [Lot(service, 0, year.days - 1, lot.capacity) for lot in held if lot.service == service]
        fr = frame(need, mine, year, offers)
        buys = solve_service(fr, offers, price, rate, year)
        cost = simulate(fr, lots_of(buys, {o.sku: o for o in offers}, year, rate), price, rate).total
        traffic_cost += Fraction(cost) * days / year.days
        bw_price = catalog.price(bw).flat_price or ZERO
        bandwidth_cost += sum((window_mbps(p) * Fraction(bw_price) * Fraction(rate) for p in peaks.get(service, ())), Fraction(0))
        # break-even: a steady R Mbps for h hours a day moves R x h x 3600 / 8 MB; by volume that
        # costs (per GB) R x h x 0.45 x p_gb; by bandwidth R x p_bw: h = p_bw / (0.45 x p_gb)
        per_gb = Fraction(cost) / Fraction(yearly, 10**9) if yearly else Fraction(price.tiers[0].price) * Fraction(rate)
        if per_gb and bw_price:
            weight = Fraction(bytes_ or 1)
            hours_num += weight * Fraction(bw_price) * Fraction(rate) / (Fraction(45, 100) * per_gb)
            hours_den += weight
    hours = hours_num / hours_den if hours_den else Fraction(0)
    return TrafficWhatIf(days, round_line(traffic_cost), round_line(bandwidth_cost), round_line(min(hours, Fraction(24))))
