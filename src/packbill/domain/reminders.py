"""Reminders (R11): expiring soon, running low, used up, frozen traffic packages.

Reminders are derived from the packages and their draw history at a day; nothing is stored.
A delivery channel (webhooks, mail) can key each reminder by (kind, package_id, day,
threshold) to send it once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Iterable, Sequence

from .catalog import TRAFFIC_SERVICES
from .model import Package, TrafficBilling
from .money import format_quantity, format_quantity_zh

EXPIRY_NOTICE_DAYS = 7


@dataclass(frozen=True, slots=True)
class Reminder:
    kind: str
    """expiring, low, exhausted or frozen."""
    package_id: str
    day: date
    message: str
    message_zh: str
    threshold: Decimal | None = None


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
        remaining = p.size - sum(q for _, q in draws)
        left_en, left_zh = format_quantity(p.service, remaining), format_quantity_zh(p.service, remaining)
        found = crossings(p.size, draws, fractions)
        if None in found:
            out.append(
                Reminder(
                    "exhausted",
                    p.id,
                    found[None],
                    f"Your package {p.sku} was used up on {found[None]}; further {p.service} usage is "
                    "billed pay-as-you-go unless another package covers it.",
                    f"您的资源包 {p.sku} 已于 {found[None]} 用完，之后的 {p.service} 用量将按量计费（如无其他资源包抵扣）。",
                )
            )
            continue
        for f in fractions:
            if f in found:
                pct = (f * 100).normalize()
                out.append(
                    Reminder(
                        "low",
                        p.id,
                        found[f],
                        f"Your package {p.sku} has less than {pct:f}% left since {found[f]}: {left_en} remain, "
                        f"valid until {p.last_day}.",
                        f"您的资源包 {p.sku} 自 {found[f]} 起余量已低于 {pct:f}%：剩余 {left_zh}，有效期至 {p.last_day}。",
                        f,
                    )
                )
        days_left = (p.last_day - day).days
        if days_left < EXPIRY_NOTICE_DAYS:
            out.append(
                Reminder(
                    "expiring",
                    p.id,
                    day,
                    f"Your package {p.sku} expires after {p.last_day} ({days_left + 1} day(s) of use left); "
                    f"its remaining {left_en} will then be forfeited and are not refunded.",
                    f"您的资源包 {p.sku} 将于 {p.last_day} 后到期（还可使用 {days_left + 1} 天），"
                    f"届时剩余的 {left_zh} 将作废且不退还。",
                )
            )
        if p.service in TRAFFIC_SERVICES and mode is TrafficBilling.DAILY_PEAK_BANDWIDTH:
            out.append(
                Reminder(
                    "frozen",
                    p.id,
                    day,
                    f"Your traffic package {p.sku} is frozen because this account's traffic is billed by daily "
                    f"peak bandwidth; its {left_en} stay unused while its validity runs on to {p.last_day}. "
                    "Switch traffic billing to traffic volume to use it from the next day.",
                    f"您的流量资源包 {p.sku} 已冻结：账号当前为日带宽峰值计费，剩余 {left_zh} 无法抵扣，"
                    f"但有效期照常计算至 {p.last_day}。切换为流量计费后次日起可用。",
                )
            )
    return out
