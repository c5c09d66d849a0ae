"""A package's status at a moment (API: refunded, expired, exhausted, frozen, active)."""

from __future__ import annotations

from datetime import datetime

from .catalog import TRAFFIC_SERVICES
from .days import shanghai_day
from .model import Package, PackageStatus, TrafficBilling


def package_status(package: Package, remaining: int, as_of: datetime, mode: TrafficBilling) -> PackageStatus:
    """The first that applies: refunded, expired (after last_day), exhausted, frozen, active.

    ``mode`` is the account's traffic billing type on the day of ``as_of`` (R7).
    """
    day = shanghai_day(as_of)
    if package.refunded_at is not None and package.refunded_at <= as_of:
        return PackageStatus.REFUNDED
    if day > package.last_day:
        return PackageStatus.EXPIRED
    if remaining <= 0:
        return PackageStatus.EXHAUSTED
    if package.service in TRAFFIC_SERVICES and mode is TrafficBilling.DAILY_PEAK_BANDWIDTH:
        return PackageStatus.FROZEN
    return PackageStatus.ACTIVE
