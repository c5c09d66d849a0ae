"""Asia/Shanghai days and the validity window of a package (R4)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from .money import WINDOW_SECONDS

SHANGHAI = ZoneInfo("Asia/Shanghai")


_EPOCH = datetime(1970, 1, 1, tzinfo=ZoneInfo("UTC"))


FIRST_DAY = date(2000, 1, 1)
LAST_DAY = date(2199, 12, 31)
"""The days packbill works with: a time or day outside them is refused as invalid input (near
the ends of the calendar, a time zone or a month's end would leave what dates can hold)."""


def check_supported(day: date) -> date:
    """``day``, or ValueError when it is outside FIRST_DAY to LAST_DAY."""
    if not FIRST_DAY <= day <= LAST_DAY:
        raise ValueError(f"is outside the days packbill supports ({FIRST_DAY} to {LAST_DAY})")
    return day


def to_us(moment: datetime) -> int:
    """An aware moment as UTC epoch microseconds (exact)."""
    delta = moment - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def from_us(us: int) -> datetime:
    """UTC epoch microseconds as an aware moment."""
    return _EPOCH + timedelta(microseconds=us)


def require_aware(moment: datetime) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("a time must carry a UTC offset")
    return moment


def shanghai_day(moment: datetime) -> date:
    """The Asia/Shanghai calendar day a moment falls on."""
    return require_aware(moment).astimezone(SHANGHAI).date()


def window_index(second_of_day: int) -> int:
    """R8: index 0..287 of the 5-minute window that a second of a Shanghai day falls in.

    The one definition of the window: the validators and the reference model all use it."""
    return second_of_day // WINDOW_SECONDS


def day_and_window(moment: datetime) -> tuple[date, int]:
    """The Asia/Shanghai day of a moment and its 5-minute window in that day (R8)."""
    local = require_aware(moment).astimezone(SHANGHAI)
    return local.date(), window_index(local.hour * 3600 + local.minute * 60 + local.second)


def month_start(day: date) -> date:
    return day.replace(day=1)


def next_month(month: date) -> date:
    """The first day of the month after ``month``'s."""
    return (month.replace(day=28) + timedelta(days=4)).replace(day=1)


def month_end(month: date) -> date:
    """The last day of ``month``'s month."""
    return next_month(month) - timedelta(days=1)


def month_days(month: date) -> list[date]:
    """Every day of ``month``'s month."""
    return [month.replace(day=n) for n in range(1, month_end(month).day + 1)]


def day_start(day: date) -> datetime:
    """The moment an Asia/Shanghai day begins."""
    return datetime(day.year, day.month, day.day, tzinfo=SHANGHAI)


_VALIDITY = re.compile(r"^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)D)?$")


@dataclass(frozen=True, slots=True)
class Validity:
    """A validity period written as an ISO 8601 duration of years, months and days."""

    months: int
    days: int

    @classmethod
    def parse(cls, text: str) -> Validity:
        match = _VALIDITY.match(text) if isinstance(text, str) else None
        if not match or text == "P":
            raise ValueError(f"{text!r} is not a duration like 'P1Y', 'P6M' or 'P30D'")
        years, months, days = (int(g) if g else 0 for g in match.groups())
        validity = cls(months=years * 12 + months, days=days)
        if validity.months == 0 and validity.days == 0:
            raise ValueError("a validity period must be longer than zero")
        return validity

    def __str__(self) -> str:
        years, months = divmod(self.months, 12)
        parts = "P"
        if years:
            parts += f"{years}Y"
        if months:
            parts += f"{months}M"
        if self.days:
            parts += f"{self.days}D"
        return parts

    def last_day(self, first_day: date) -> date:
        """The last usage day covered by a package whose first day is ``first_day``.

        R4: from the purchase day through the day before the same date one period later
        (2026-11-26 + P1Y covers 2026-11-26 .. 2027-11-25). Where that date does not exist
        (29 February plus a year), the period ends with the last day of the month, so a
        customer never loses a day.
        """
        return add_months_rolling(first_day, self.months) + timedelta(days=self.days - 1)


def add_months_rolling(day: date, months: int) -> date:
    """The same date ``months`` later; a date that does not exist rolls to the next month's 1st."""
    index = day.year * 12 + (day.month - 1) + months
    year, month0 = divmod(index, 12)
    try:
        return date(year, month0 + 1, day.day)
    except ValueError:
        year2, month2 = divmod(index + 1, 12)
        return date(year2, month2 + 1, 1)
