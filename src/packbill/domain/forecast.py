"""The advisor's forecast (R27, SPEC section 8): a window of past daily usage as a quantity per
month of the horizon. Pure.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction

GROWTH_CAP = Fraction(1, 10)
"""A projected usage grows or shrinks by at most 10 % a month."""

ENOUGH_DAYS = 7
"""R27: fewer days with usage than this in the window, and there is not enough usage to advise."""


def enough_usage(daily: Sequence[int]) -> bool:
    return sum(1 for q in daily if q) >= ENOUGH_DAYS


def project(daily: Sequence[int], lengths: Sequence[int], trend: bool = False) -> tuple[int, ...]:
    """A forecast per month of the horizon (``lengths``: each month's days) from a window of
    daily quantities (oldest first). Flat (the default, SPEC section 8): the window's average
    daily usage, counted from its first day with usage (days before an account's first usage are
    not a quiet spell), times the days of each month. With ``trend``: the average of the last 30
    days, growing each month by the window's trend (least squares over the whole window, as a
    share of that average), capped at 10 % a month either way, times the month's days; only when
    the customer asks for it."""
    if not daily or not any(daily):
        return (0,) * len(lengths)
    if not trend:
        since = next(i for i, q in enumerate(daily) if q)
        average = Fraction(sum(daily), len(daily) - since)
        return tuple(int(average * n) for n in lengths)
    recent = daily[-30:]
    base = Fraction(sum(recent), len(recent))
    n = len(daily)
    growth = Fraction(0)
    if n >= 14 and base > 0:
        mean_x = Fraction(n - 1, 2)
        mean_y = Fraction(sum(daily), n)
        sxx = sum((Fraction(i) - mean_x) ** 2 for i in range(n))
        sxy = sum((Fraction(i) - mean_x) * (q - mean_y) for i, q in enumerate(daily))
        growth = max(-GROWTH_CAP, min(GROWTH_CAP, Fraction(sxy) / Fraction(sxx) * 30 / base))
    return tuple(int(base * n * (1 + growth) ** (m + 1)) for m, n in enumerate(lengths))
