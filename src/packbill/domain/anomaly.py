"""R30 anomalies: a day whose pay-as-you-go for a service is far above the days before it. Pure.

A day's pay-as-you-go for a service (its bill lines' amounts, settled) is an anomaly when it is
more than ``FACTOR`` times the median of the ``WINDOW`` days before it and more than ``FLOOR``.
The days before count as 0.00 where nothing was billed, but only days from the account's first
billed day on: a new account's first week has no history to compare with, and is not judged.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from statistics import median

FACTOR = 3
WINDOW = 7
FLOOR = Decimal("10.00")


@dataclass(frozen=True, slots=True)
class Anomaly:
    service: str
    day: date
    amount: Decimal
    """The day's pay-as-you-go for the service."""
    median: Decimal
    """The median of the ``WINDOW`` days before it."""


def anomalies(amounts: Mapping[tuple[date, str], Decimal], days: Iterable[date], first_billed: date | None) -> list[Anomaly]:
    """The anomalies among ``days`` (``amounts``: pay-as-you-go per (day, service), settled)."""
    if first_billed is None:
        return []
    out = []
    services = sorted({s for _, s in amounts})
    for day in sorted(days):
        if day - timedelta(days=WINDOW) < first_billed:
            continue  # not a week of history before it
        for service in services:
            amount = amounts.get((day, service), Decimal(0))
            before = median(amounts.get((day - timedelta(days=k), service), Decimal(0)) for k in range(1, WINDOW + 1))
            if amount > FLOOR and amount > FACTOR * before:
                out.append(Anomaly(service, day, amount, Decimal(before)))
    return out
