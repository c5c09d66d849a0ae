"""R29: each active package's forecast at the account's recent rate. Pure: no clock, no storage.

The recent rate is a service's mainland usage over the last ``RECENT_DAYS`` days, divided by
them (none without usage: no forecast). From the day after the forecast is made, each day's
usage at that rate (whole units, spread so that the days' sum is exact) is drawn from the
packages as settlement draws it: those covering the day, not frozen (R7, at the billing type in
force now), in purchase order (R5). A package either runs out on a day (``runs_out_on``) or
reaches its last day with something left, forfeited at expiry (R9): the quantity, and its
contracted value (the package's price x quantity / size, rounded half up).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

from .draw_order import can_draw, draw_order_key
from .model import Package, TrafficBilling
from .money import round_line

RECENT_DAYS = 30


@dataclass(frozen=True, slots=True)
class PackageForecast:
    runs_out_on: date | None
    """The day its last unit is drawn at the recent rate; None when it lasts to its last day."""
    forfeit_quantity: int
    forfeit_value: Decimal

    @property
    def forfeits(self) -> bool:
        return self.forfeit_quantity > 0


def daily_rates(recent: Mapping[str, int]) -> dict[str, Fraction]:
    """Per service, the recent mainland usage as a rate per day (services without usage left out)."""
    return {service: Fraction(q, RECENT_DAYS) for service, q in recent.items() if q > 0}


def forecast_packages(held: Sequence[tuple[Package, int]], rates: Mapping[str, Fraction], today: date,
                      mode: TrafficBilling) -> dict[str, PackageForecast]:
    """Per package with something left (``held``: package and what it has left now), its forecast
    from tomorrow on; a package of a service without recent usage has none."""
    out: dict[str, PackageForecast] = {}
    for service, rate in rates.items():
        mine = sorted(((p, left) for p, left in held if p.service == service and left > 0 and p.last_day > today),
                      key=lambda pl: draw_order_key(pl[0]))
        if not mine:
            continue
        left = {p.id: q for p, q in mine}
        runs_out: dict[str, date] = {}
        last = max(p.last_day for p, _ in mine)
        day, n = today + timedelta(days=1), 0
        while day <= last:
            want = int(rate * (n + 1)) - int(rate * n)  # whole units; the days' sum is exact
            for p, _ in mine:
                if want == 0:
                    break
                if left[p.id] and can_draw(p, service, day, mode):
                    take = min(want, left[p.id])
                    left[p.id] -= take
                    want -= take
                    if left[p.id] == 0:
                        runs_out[p.id] = day
            day, n = day + timedelta(days=1), n + 1
        for p, _ in mine:
            q = left[p.id]
            out[p.id] = PackageForecast(runs_out.get(p.id), q, round_line(Fraction(p.price) * q / p.size) if q else Decimal("0.00"))
    return out
