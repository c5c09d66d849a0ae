"""The advisor's horizon (R27): the days it plans for, in months of the horizon and in the
calendar months whose 1st restarts pay-as-you-go tiers. Pure.

A horizon of N months runs from today through the day before the same date N months later:
exactly what a package bought today with an N-month validity covers (R4), so a year's horizon is
a year package's life. Its months start on today's date of each month (the days the advisor may
buy on); pay-as-you-go tiers restart on the 1st of each calendar month (section 1), so the
horizon's days are counted both ways.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from .days import add_months_rolling, next_month


@dataclass(frozen=True, slots=True)
class Horizon:
    today: date
    months: int
    starts: tuple[date, ...]
    """The first day of each month of the horizon, then the day after its last day."""

    @classmethod
    def of(cls, today: date, months: int) -> Horizon:
        return cls(today, months, tuple(add_months_rolling(today, i) for i in range(months + 1)))

    @property
    def days(self) -> int:
        return (self.starts[-1] - self.today).days

    @property
    def end(self) -> date:
        return self.starts[-1] - timedelta(days=1)

    def day(self, index: int) -> date:
        return self.today + timedelta(days=index)

    def index(self, day: date) -> int:
        """The day's place in the horizon (0: today)."""
        return (day - self.today).days

    def month_starts(self) -> tuple[int, ...]:
        """The first day of each month of the horizon, as indices."""
        return tuple(self.index(d) for d in self.starts[:-1])

    def month_lengths(self) -> tuple[int, ...]:
        return tuple((b - a).days for a, b in zip(self.starts, self.starts[1:], strict=False))

    def month_of(self, index: int) -> int:
        """The month of the horizon a day (by index) falls in."""
        return bisect_right(self.starts, self.day(index)) - 1

    def calendar_starts(self) -> tuple[int, ...]:
        """The 1st of each calendar month after today and within the horizon, as indices: where
        pay-as-you-go tiers restart."""
        out, first = [], next_month(self.today)
        while first <= self.end:
            out.append(self.index(first))
            first = next_month(first)
        return tuple(out)

    def spread(self, monthly: Sequence[int]) -> tuple[int, ...]:
        """A quantity per month of the horizon as a quantity per day: each month's spread evenly
        over its days, whole units, the remainder on its later days (the sums stay exact)."""
        daily: list[int] = []
        for quantity, length in zip(monthly, self.month_lengths(), strict=True):
            daily.extend(quantity * (k + 1) // length - quantity * k // length for k in range(length))
        return tuple(daily)
