"""R28 auto-rebuy: when a rule's trigger has happened, and what acting on it may do. Pure.

A trigger is named by the package it concerns, so that acting on it once is a key the database
can hold: ``exhausted:<package>`` when the service's last package with something left (the one
bought last among those in use today) is used up, ``expiring:<package>`` when the package with
the latest last day among those with something left is ``days_before`` days or fewer from it.
Buying one package makes a new last package, so the next trigger has another name.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum

from .catalog import USAGE_SERVICES, Catalog, UnknownSku
from .draw_order import draw_order_key
from .errors import InvalidRequest
from .model import Package, TrafficBilling
from .traffic_billing import is_frozen
from .wallet import check_amount

MAX_DAYS_BEFORE = 90
"""The longest notice an ``expiring`` rule may give (a package lives a year)."""


class Trigger(StrEnum):
    EXHAUSTED = "exhausted"
    EXPIRING = "expiring"


@dataclass(frozen=True, slots=True)
class Rule:
    """A service's auto-rebuy rule: buy one ``sku`` when ``trigger`` happens, at most
    ``monthly_cap`` (contracted, CNY) of rebuys in a calendar month."""

    service: str
    sku: str
    trigger: Trigger
    days_before: int | None
    monthly_cap: Decimal


def check_rule(catalog: Catalog, service: str, sku: object, trigger: object, days_before: object, monthly_cap: Decimal) -> Rule:
    """A rule as the customer sent it, or ``InvalidRequest`` naming what is wrong."""
    if service not in USAGE_SERVICES:
        raise InvalidRequest(f"unknown service {service!r}: auto-rebuy is for {', '.join(USAGE_SERVICES)}")
    if not isinstance(sku, str):
        raise InvalidRequest("'sku' is the package to buy, for example the one the service's packages list shows")
    try:
        item = catalog.sku(sku)
    except UnknownSku:
        raise InvalidRequest(f"unknown sku {sku!r}") from None
    if item.service != service:
        raise InvalidRequest(f"sku {sku!r} is a package of {item.service}, not of {service}")
    try:
        kind = Trigger(str(trigger)) if isinstance(trigger, str) else None
    except ValueError:
        kind = None
    if kind is None:
        raise InvalidRequest("'trigger' is 'exhausted' or 'expiring'") from None
    if kind is Trigger.EXPIRING:
        if isinstance(days_before, bool) or not isinstance(days_before, int) or not 1 <= days_before <= MAX_DAYS_BEFORE:
            raise InvalidRequest(f"'days_before' is a whole number of days from 1 to {MAX_DAYS_BEFORE} for an 'expiring' rule")
    elif days_before is not None:
        raise InvalidRequest("'days_before' is only for an 'expiring' rule; leave it null for 'exhausted'")
    cap = check_amount(monthly_cap, "monthly_cap")
    return Rule(service, item.sku, kind, days_before if kind is Trigger.EXPIRING else None, cap)


@dataclass(frozen=True, slots=True)
class Due:
    """A trigger that has happened: its key and the package it concerns."""

    service: str
    key: str
    package: Package


def due(rule: Rule, day: date, held: Iterable[tuple[Package, int]], mode: TrafficBilling) -> Due | None:
    """The rule's trigger on ``day`` (``held``: the account's packages with what each has left
    after the days settled), or None. A traffic service on daily-peak-bandwidth billing has none:
    its packages are frozen and one bought then would be too (R13)."""
    if is_frozen(rule.service, mode):
        return None
    in_use = [(p, left) for p, left in held
              if p.service == rule.service and p.refunded_at is None and p.first_day <= day <= p.last_day]
    with_left = [p for p, left in in_use if left > 0]
    if rule.trigger is Trigger.EXHAUSTED:
        used_up = [p for p, left in in_use if left <= 0]
        if with_left or not used_up:
            return None
        last = max(used_up, key=draw_order_key)
        return Due(rule.service, f"exhausted:{last.id}", last)
    if not with_left:
        return None
    last = max(with_left, key=lambda p: (p.last_day, draw_order_key(p)))
    if (last.last_day - day).days > (rule.days_before or 0):
        return None
    return Due(rule.service, f"expiring:{last.id}", last)


class Act(StrEnum):
    BUY = "buy"
    WAIT = "wait"
    """Bought already, or tried today already: nothing to do until tomorrow's settlement."""
    CAPPED = "capped"
    """Buying would pass the monthly cap."""


@dataclass(frozen=True, slots=True)
class Tried:
    """What was done about a trigger before: the order it bought, or the last day it was tried."""

    order_id: str | None
    tried_on: date


def decide(rule: Rule, tried: Tried | None, today: date, spent_this_month: Decimal, price: Decimal) -> Act:
    """Whether to buy now: never twice for one trigger, at most one try a day (a refusal for funds
    is tried again at the next settlement), never past the monthly cap (``price``: what the package
    costs today, contracted)."""
    if tried is not None and (tried.order_id is not None or tried.tried_on >= today):
        return Act.WAIT
    if spent_this_month + price > rule.monthly_cap:
        return Act.CAPPED
    return Act.BUY


def month_of(day: date) -> date:
    """The calendar month a rebuy counts in, as its first day."""
    return day.replace(day=1)


def spent_in(bought: Sequence[tuple[date, Decimal]], month: date) -> Decimal:
    """What the rebuys of ``month`` spent (``bought``: each rebuy's month and contracted amount)."""
    return sum((amount for m, amount in bought if m == month), Decimal("0.00"))
