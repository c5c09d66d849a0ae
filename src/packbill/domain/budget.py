"""R30 budgets and caps: what a month has spent, what it is expected to spend, which alerts it has
crossed and which services are capped. Pure.

A month's spending is its purchases (contracted, less what was refunded in the month) and its
pay-as-you-go (the bill lines of its usage days, settled or estimated now, R26). The forecast adds
to what the month has billed through yesterday the recent daily pay-as-you-go (the last 30 days'
average, as R29's forecasts) for each day from today to the month's end; never less than spent.
"""

from __future__ import annotations

import calendar
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from .money import CENT

STEPS = (50, 80, 100)
"""R30: the budget's alerts, in percent of it, each once a month."""

BUDGET = "*"
"""The scope of the budget among the limits (the caps' scopes are their services)."""


@dataclass(frozen=True, slots=True)
class MonthSpend:
    """What a calendar month has spent so far (``month``: its first day)."""

    month: date
    purchases: Decimal
    payg: Mapping[str, Decimal]
    """Pay-as-you-go per service, settled and estimated."""
    forecast: Decimal

    @property
    def total(self) -> Decimal:
        return self.purchases + sum(self.payg.values(), Decimal("0.00"))


def days_left(today: date) -> int:
    """The days from ``today`` to the end of its month, both included."""
    return calendar.monthrange(today.year, today.month)[1] - today.day + 1


def forecast(spent: Decimal, spent_before_today: Decimal, daily_rate: Decimal, today: date) -> Decimal:
    """The month's expected spending: what it spent before today, and the daily pay-as-you-go rate
    for each day from today on; never less than what it has spent already."""
    expected = (spent_before_today + daily_rate * days_left(today)).quantize(CENT, ROUND_HALF_UP)
    return max(spent, expected)


@dataclass(frozen=True, slots=True)
class BudgetAlert:
    """An alert the month has reached: ``step`` percent of the budget spent, or None: the forecast
    passes the budget."""

    month: date
    step: int | None
    budget: Decimal
    spent: Decimal
    forecast: Decimal

    @property
    def key(self) -> str:
        """Once a month per step (and once for the forecast)."""
        return f"budget:{self.month:%Y-%m}:{'forecast' if self.step is None else self.step}"


def budget_alerts(budget: Decimal | None, spend: MonthSpend) -> list[BudgetAlert]:
    """R30: the alerts of the month so far: each step of ``STEPS`` its spending has reached, and the
    forecast's when it passes the budget."""
    if budget is None:
        return []
    spent = spend.total
    out = [BudgetAlert(spend.month, step, budget, spent, spend.forecast) for step in STEPS if spent * 100 >= budget * step]
    if spend.forecast > budget:
        out.append(BudgetAlert(spend.month, None, budget, spent, spend.forecast))
    return out


def capped(caps: Mapping[str, Decimal], payg: Mapping[str, Decimal], covered: set[str]) -> set[str]:
    """R30: the services whose pay-as-you-go this month has reached their cap, but for those an active
    package with something left still covers (what they draw from it spends nothing more)."""
    return {s for s, cap in caps.items() if s not in covered and payg.get(s, Decimal(0)) >= cap}
