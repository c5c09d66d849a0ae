"""A package's status at a moment (API: refunded, expired, exhausted, frozen, active)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

from .days import shanghai_day
from .model import Package, PackageStatus, TrafficBilling
from .traffic_billing import is_frozen


def remaining_of(package: Package, daily_draws: Iterable[tuple[date, int]], through: date | None = None) -> int:
    """What a package has left: its size less everything drawn (on days up to ``through``)."""
    return package.size - sum(q for d, q in daily_draws if through is None or d <= through)


def package_status(package: Package, remaining: int, as_of: datetime, mode: TrafficBilling, day: date | None = None) -> PackageStatus:
    """The first that applies: refunded, expired (after last_day), exhausted, frozen, active.

    ``mode`` is the account's traffic billing type on the day of ``as_of`` (R7); ``day``, that
    day when the caller knows it already (a list of many packages).
    """
    day = day or shanghai_day(as_of)
    if package.refunded_at is not None and package.refunded_at <= as_of:
        return PackageStatus.REFUNDED
    if day > package.last_day:
        return PackageStatus.EXPIRED
    if remaining <= 0:
        return PackageStatus.EXHAUSTED
    if is_frozen(package.service, mode):
        return PackageStatus.FROZEN
    return PackageStatus.ACTIVE
