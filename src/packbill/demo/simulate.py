"""A month of a real-looking customer, generated deterministically from a seed.

Golden Dragon Kitchens runs kitchen-compliance cameras in eight restaurant kitchens (Beijing
and Shanghai) and one in Hong Kong. AI calls follow opening hours with lunch and dinner
peaks and busier weekends; video traffic follows a diurnal curve at five-minute resolution.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from ..domain.days import SHANGHAI

MONTH_START = date(2026, 10, 1)
DAYS = 31
ZONES = [("bj-1", "ap-beijing"), ("bj-2", "ap-beijing"), ("bj-3", "ap-beijing"), ("sh-1", "ap-shanghai"),
         ("sh-2", "ap-shanghai"), ("sh-3", "ap-shanghai"), ("gz-1", "ap-guangzhou"), ("cd-1", "ap-chengdu"),
         ("hk-1", "ap-hongkong")]
OFFLINE_ZONE, OFFLINE_DAY, OFFLINE_HOURS = "sh-2", 20, range(14, 18)
"""sh-2's edge box loses its uplink on the 20th from 14:00 to 18:00; its usage arrives on the 22nd."""


@dataclass(frozen=True)
class Action:
    at: datetime
    kind: str  # buy | switch | topup | voucher | alert | discount | rebuy | budget | cap
    arg: str


@dataclass
class Month:
    events_by_day: dict[date, list[dict]] = field(default_factory=dict)
    late_by_day: dict[date, list[dict]] = field(default_factory=dict)
    """Events delivered on the key day although they belong to an earlier day."""
    actions: list[Action] = field(default_factory=list)


def at(day: int, hour: int, minute: int = 0) -> datetime:
    d = MONTH_START + timedelta(days=day - 1)
    return datetime(d.year, d.month, d.day, hour, minute, tzinfo=SHANGHAI)


def _meal_curve(hour: float) -> float:
    """Kitchen activity: zero when closed, peaks at lunch (12:00) and dinner (18:30)."""
    if hour < 9 or hour >= 22:
        return 0.0
    return 0.25 + math.exp(-((hour - 12) ** 2) / 1.5) + 1.2 * math.exp(-((hour - 18.5) ** 2) / 2.0)


def _diurnal(hour: float) -> float:
    """Camera upload bitrate factor: night baseline, busy daytime."""
    return 0.35 + 0.65 * max(0.0, math.sin(math.pi * (hour - 6) / 17)) if 6 <= hour <= 23 else 0.35


def generate(seed: int) -> Month:
    rnd = random.Random(seed)
    month = Month()
    month.actions = [
        Action(at(1, 8, 30), "topup", "1400.00"),  # the customer prepays by bank transfer
        Action(at(1, 8, 35), "voucher", "100.00"),  # a welcome voucher from the operator, valid this month
        Action(at(1, 8, 40), "alert", "200.00"),  # remind me when the balance falls below 200
        Action(at(7, 10), "discount", "0.9"),  # a 10 % contract discount from the 8th
        Action(at(1, 9), "buy", "ai.kitchen.100k"),
        Action(at(1, 9, 1), "buy", "ai.face.1m"),
        Action(at(1, 9, 2), "buy", "traffic.up.1tb"),
        Action(at(1, 8, 45), "rebuy", "ai.kitchen.100k"),  # auto-rebuy: another when it is used up, at most 500.00 a month (R28)
        Action(at(1, 8, 50), "budget", "1800.00"),  # a monthly budget: alerts at 50, 80 and 100 % (R30)
        Action(at(1, 8, 55), "cap", "ai.body 40.00"),  # body recognition pay-as-you-go at most 40.00 a month (R30)
        Action(at(10, 11), "price", "2026-10-20"),  # the operator cuts prices from the 20th (R31): the kitchen package, body calls
        Action(at(15, 18), "switch", "traffic"),  # effective the 16th: the traffic package thaws
    ]
    for day in range(1, DAYS + 1):
        d = MONTH_START + timedelta(days=day - 1)
        weekend = 1.35 if d.weekday() >= 5 else 1.0
        events: list[dict] = []
        late: list[dict] = []
        for zone, region in ZONES:
            size = 0.6 if region == "ap-hongkong" else 1.0 + rnd.random() * 0.3
            for window in range(288):
                hour = window / 12
                moment = datetime(d.year, d.month, d.day, tzinfo=SHANGHAI) + timedelta(minutes=5 * window, seconds=rnd.randint(0, 299))
                stamp = moment.isoformat()
                bucket = late if (zone == OFFLINE_ZONE and day == OFFLINE_DAY and int(hour) in OFFLINE_HOURS) else events
                kitchen = _meal_curve(hour) * weekend * size * 10 * rnd.uniform(0.7, 1.3)
                if kitchen >= 1:
                    bucket.append(_ev(f"{zone}-k-{day}-{window}", "ai.kitchen", round(kitchen), region, stamp))
                if window % 3 == 0 and _meal_curve(hour) > 0:
                    faces = round(_meal_curve(hour) * weekend * size * 4.5 * rnd.uniform(0.6, 1.4))
                    if faces:
                        bucket.append(_ev(f"{zone}-f-{day}-{window}", "ai.face", faces, region, stamp))
                if window % 6 == 0 and _meal_curve(hour) > 0 and zone.endswith("1"):
                    bucket.append(_ev(f"{zone}-b-{day}-{window}", "ai.body", rnd.randint(3, 12), region, stamp))
                # the edge box reports its traffic every five minutes
                up = int(2 * 1.1e6 / 8 * 300 * _diurnal(hour) * size * rnd.uniform(0.85, 1.15))
                bucket.append(_ev(f"{zone}-u-{day}-{window}", "traffic.up", up, region, stamp))
                down = int(0.4e6 / 8 * 300 * _meal_curve(hour) * size * rnd.uniform(0.5, 1.5))
                if down > 0:
                    bucket.append(_ev(f"{zone}-d-{day}-{window}", "traffic.down", down, region, stamp))
        month.events_by_day[d] = events
        if late:
            month.late_by_day[d + timedelta(days=2)] = late
    return month


def _ev(event_id: str, service: str, quantity: int, region: str, timestamp: str) -> dict:
    return {"event_id": event_id, "service": service, "quantity": quantity, "region": region, "timestamp": timestamp}
