"""Reminders (R11): expiring soon, running low, used up, frozen traffic packages.

Reminders are derived from the packages and their draw history at a day; nothing is stored.
They are facts (kind, package, day, what is left); the words a customer reads are written by
the presentation layer in Chinese or English. A delivery channel can key each reminder by
(kind, package_id, day, threshold) to send it once.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from .draw_order import draw_order_key
from .model import Package, TrafficBilling
from .package_forecast import PackageForecast
from .status import remaining_of
from .traffic_billing import is_frozen

EXPIRY_NOTICE_DAYS = 7
"""R11: a reminder on each of the 7 days that end with a package's last day."""


@dataclass(frozen=True, slots=True)
class Reminder:
    """kind: expiring, low, exhausted, frozen, forfeit_expected or package_low (R29).

    day: the day it concerns (for low and exhausted the day the package crossed the line).
    package: the package; remaining: what it had left on the day asked about.
    threshold: for low, the fraction of the size crossed.
    days_left: for expiring, the days of use left including the day asked about.
    """

    kind: str
    package: Package
    day: date
    remaining: int
    threshold: Decimal | None = None
    days_left: int | None = None
    forecast: PackageForecast | None = None
    """For forfeit_expected (R29): what it is expected to forfeit at its last day."""
    notice: int | None = None
    """For forfeit_expected: the notice it is (30 or 7 days before the last day)."""
    capacity: int | None = None
    """For package_low (R29): what the service's active packages held (``remaining`` is what they
    have left together; ``package`` the one bought last, whose purchase armed the alert)."""

    @property
    def package_id(self) -> str:
        return self.package.id


@dataclass(frozen=True, slots=True)
class PackageHistory:
    """A package and the quantity drawn from it on each usage day (in any order)."""

    package: Package
    daily_draws: Sequence[tuple[date, int]]


def crossings(size: int, daily_draws: Iterable[tuple[date, int]], fractions: Sequence[Decimal]) -> dict[Decimal | None, date]:
    """Day on which remaining first fell below each fraction of ``size``; key None: used up."""
    found: dict[Decimal | None, date] = {}
    remaining = size
    for day, qty in sorted(daily_draws):
        remaining -= qty
        for f in fractions:
            if f not in found and remaining < f * size:
                found[f] = day
        if remaining <= 0 and None not in found:
            found[None] = day
    return found


def reminders_at(
    day: date,
    histories: Iterable[PackageHistory],
    mode: TrafficBilling,
    fractions: Sequence[Decimal],
) -> list[Reminder]:
    """The reminders an account has on ``day`` (draws up to that day counted)."""
    out: list[Reminder] = []
    for history in histories:
        p = history.package
        if p.refunded_at is not None or p.first_day > day or day > p.last_day:
            continue
        draws = [(d, q) for d, q in history.daily_draws if d <= day]
        remaining = remaining_of(p, draws)
        found = crossings(p.size, draws, fractions)
        if None in found:
            out.append(Reminder("exhausted", p, found[None], remaining))
            continue
        for f in fractions:
            if f in found:
                out.append(Reminder("low", p, found[f], remaining, threshold=f))
        days_left = (p.last_day - day).days + 1
        if days_left <= EXPIRY_NOTICE_DAYS:
            out.append(Reminder("expiring", p, day, remaining, days_left=days_left))
        if is_frozen(p.service, mode):
            out.append(Reminder("frozen", p, day, remaining))
    return out


FORFEIT_NOTICES = (7, 30)
"""R29: a package expected to forfeit something is announced 30 and 7 days before its last day."""


def forfeit_reminders(day: date, packages: Iterable[Package], forecasts: Mapping[str, PackageForecast],
                      remaining: Mapping[str, int]) -> list[Reminder]:
    """R29: on ``day``, a reminder for each package its forecast (made that day) expects to forfeit
    something, once it is 30 days or fewer from its last day (the 30-day notice) and again at 7
    (the 7-day notice): a notice missed on its day (a server down) is given late, never lost."""
    out = []
    for p in packages:
        forecast = forecasts.get(p.id)
        if forecast is None or not forecast.forfeits or not (p.first_day <= day <= p.last_day):
            continue
        before = (p.last_day - day).days
        notice = next((n for n in FORFEIT_NOTICES if before <= n), None)
        if notice is not None:
            out.append(Reminder("forfeit_expected", p, day, remaining.get(p.id, 0), days_left=before + 1, forecast=forecast,
                                notice=notice))
    return out


DEFAULT_ALERT_PERCENT = 20
"""R29: a service's package alert threshold until the customer sets one."""


def active_left(day: date, held: Iterable[tuple[Package, int]], mode: TrafficBilling) -> dict[str, tuple[int, int, Package]]:
    """R29: per service, what its active packages (covering ``day``, not refunded, not used up, not
    frozen) have left together, what they held, and the one bought last."""
    out: dict[str, tuple[int, int, Package]] = {}
    for p, left in held:
        if p.refunded_at is None and p.first_day <= day <= p.last_day and left > 0 and not is_frozen(p.service, mode):
            total, capacity, latest = out.get(p.service, (0, 0, p))
            out[p.service] = (total + left, capacity + p.size, max(latest, p, key=draw_order_key))
    return out


def package_low_reminders(day: date, held: Iterable[tuple[Package, int]], mode: TrafficBilling,
                          thresholds: Mapping[str, int | None]) -> list[Reminder]:
    """R29: per service, what its active packages have left together as a share of what they held
    (``active_left``); below the customer's threshold (``thresholds``: percent, None for off; the
    default when a service has none), a package_low reminder. It is one per crossing: a purchase
    re-arms it (the reminder names the package bought last, which its once-key holds)."""
    out = []
    for service, (left, capacity, latest) in sorted(active_left(day, held, mode).items()):
        percent = thresholds.get(service, DEFAULT_ALERT_PERCENT)
        if percent is not None and left * 100 < percent * capacity:
            out.append(Reminder("package_low", latest, day, left, threshold=Decimal(percent) / 100, capacity=capacity))
    return out
