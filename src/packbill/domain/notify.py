"""R25: notification events, their webhook form and signature, and the retry schedule.

Pure: no I/O, no clock. The outbox, the dispatcher and the console's messages are built on it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from .anomaly import Anomaly
from .budget import BudgetAlert
from .days import SHANGHAI
from .reminders import Reminder

EVENT_TYPES = (
    "package.bought",
    "package.refunded",
    "package.expired",
    "day.settled",
    "statement.final",
    "reminder.expiring",
    "reminder.low",
    "reminder.exhausted",
    "reminder.frozen",
    "reminder.forfeit_expected",
    "reminder.package_low",
    "reminder.anomaly",
    "reminder.budget",
    "reminder.rebuy_failed",
    "service.capped",
    "invoice.requested",
    "invoice.issued",
    "invoice.rejected",
    "invoice.red_requested",
    "wallet.low_balance",
    "wallet.arrears",
    "wallet.suspended",
    "wallet.reclaim_due",
    "wallet.arrears_lifted",
    "wallet.topped_up",
)
"""Every event type a webhook endpoint may subscribe to (all of them when it names none)."""

CATEGORIES: dict[str, tuple[str, ...]] = {
    "packages": ("package.bought", "package.refunded", "package.expired", "reminder.expiring", "reminder.low",
                 "reminder.exhausted", "reminder.frozen", "reminder.forfeit_expected", "reminder.package_low", "reminder.rebuy_failed"),
    "bills": ("day.settled", "statement.final", "reminder.anomaly", "invoice.requested", "invoice.issued", "invoice.rejected",
              "invoice.red_requested"),
    "money": ("wallet.low_balance", "wallet.arrears", "wallet.suspended", "wallet.reclaim_due", "wallet.arrears_lifted",
              "wallet.topped_up", "reminder.budget", "service.capped"),
}
"""The messages' categories (站内信 filters): packages and their reminders, bills, money."""


def category_of(kind: str) -> str:
    """The category an event type belongs to."""
    return next(name for name, kinds in CATEGORIES.items() if kind in kinds)


def dated(day: date, now: datetime) -> datetime:
    """When an event of ``day`` happened, as its message is dated: ``now`` when it is today,
    the last second of that day when it was noticed later (a server started on an old database
    dates a package used up in October in October, not today)."""
    end = datetime.combine(day + timedelta(days=1), datetime.min.time(), tzinfo=SHANGHAI) - timedelta(seconds=1)
    return min(now, end)

RETRY_DELAYS = (
    timedelta(0),
    timedelta(seconds=5),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=5),
    timedelta(hours=10),
    timedelta(hours=10),
)
"""R25: attempt n+1 is made RETRY_DELAYS[n] after attempt n failed (the first at once); after
the last one fails, the delivery has failed (it can still be sent again by hand)."""

DISABLE_AFTER = timedelta(days=5)
"""R25: an endpoint whose deliveries have failed, without a success, for this long is disabled."""

LEASE = timedelta(seconds=60)
"""How long a claimed delivery is another dispatcher's to leave alone; a dispatcher that dies
mid-delivery leaves it due again after this (the same event id is sent again)."""

SECRET_PREFIX = "whsec_"


@dataclass(frozen=True, slots=True)
class Event:
    """One event of the outbox. ``id`` is stable: every delivery of it, retries and resends
    included, carries it as ``webhook-id``."""

    id: str
    type: str
    at: datetime
    account_id: str | None
    data: dict[str, Any]
    seq: int = 0


def body(event: Event) -> str:
    """The webhook's JSON body (the Standard Webhooks shape: type, timestamp, data)."""
    return json.dumps({"type": event.type, "timestamp": event.at.astimezone(SHANGHAI).isoformat(), "data": {"account_id": event.account_id, **event.data}},
                      ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def sign(secret: str, msg_id: str, timestamp: int, payload: str) -> str:
    """The ``webhook-signature`` header: ``v1,<base64 HMAC-SHA256 of "id.timestamp.body">``,
    keyed with the secret's base64-decoded bytes (after its ``whsec_`` prefix)."""
    key = base64.b64decode(secret.removeprefix(SECRET_PREFIX))
    digest = hmac.new(key, f"{msg_id}.{timestamp}.{payload}".encode(), hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode("ascii")


def headers(secret: str, event: Event, timestamp: int, payload: str) -> dict[str, str]:
    return {"webhook-id": event.id, "webhook-timestamp": str(timestamp), "webhook-signature": sign(secret, event.id, timestamp, payload),
            "content-type": "application/json"}


def next_attempt(attempts: int, failed_at: datetime) -> datetime | None:
    """When to try again after ``attempts`` attempts, the last of which failed at ``failed_at``;
    None when the schedule is used up."""
    if attempts >= len(RETRY_DELAYS):
        return None
    return failed_at + RETRY_DELAYS[attempts]


def disable_now(failing_since: datetime | None, now: datetime) -> bool:
    return failing_since is not None and now - failing_since >= DISABLE_AFTER


def wants(events: Sequence[str] | None, endpoint_account: str | None, event: Event) -> bool:
    """Whether an endpoint (its event filter, its account or None for the operator's) gets ``event``."""
    if endpoint_account is not None and endpoint_account != event.account_id:
        return False
    return events is None or event.type in events


def reminder_event(r: Reminder, frozen_since: str | None = None) -> tuple[str, dict[str, Any], str]:
    """A package reminder (R11) as (type, data, once-key). The key makes it one event however
    many times and by whichever process it is noticed: low once per package and threshold,
    exhausted once per package, expiring once per package and day, frozen once per package and
    stretch of daily-peak-bandwidth billing (``frozen_since``), forfeit_expected once per package
    and notice (30 and 7 days before its last day, R29), package_low once per service, package
    bought last (a purchase re-arms it) and threshold (R29)."""
    data: dict[str, Any] = {"package_id": r.package_id, "sku": r.package.sku, "service": r.package.service, "day": r.day.isoformat(),
                            "remaining": r.remaining}
    if r.kind == "low":
        data["threshold"] = str(r.threshold)
        key = f"low:{r.package_id}:{r.threshold}"
    elif r.kind == "exhausted":
        key = f"exhausted:{r.package_id}"
    elif r.kind == "expiring":
        data["days_left"] = r.days_left
        data["last_day"] = r.package.last_day.isoformat()
        key = f"expiring:{r.package_id}:{r.day.isoformat()}"
    elif r.kind == "forfeit_expected" and r.forecast is not None:
        data.update(last_day=r.package.last_day.isoformat(), days_left=r.days_left, notice=r.notice,
                    forfeit_quantity=r.forecast.forfeit_quantity, forfeit_value=str(r.forecast.forfeit_value))
        key = f"forfeit_expected:{r.package_id}:{r.notice}"
    elif r.kind == "package_low":
        data.update(threshold=str(r.threshold), capacity=r.capacity)
        key = f"package_low:{r.package.service}:{r.package_id}:{r.threshold}"
    else:
        key = f"frozen:{r.package_id}:{frozen_since or r.day.isoformat()}"
    return f"reminder.{r.kind}", data, key


def anomaly_data(a: Anomaly) -> dict[str, Any]:
    """R30: an anomaly's figures: the service, its day, the day's pay-as-you-go and the median of the 7 days before."""
    return {"service": a.service, "day": a.day.isoformat(), "amount": str(a.amount), "median": str(a.median)}


def budget_data(a: BudgetAlert) -> dict[str, Any]:
    """R30: a budget alert's figures (``percent`` only for a step: the forecast's sentence is another)."""
    data: dict[str, Any] = {"month": f"{a.month:%Y-%m}", "step": a.step, "budget": str(a.budget), "spent": str(a.spent),
                            "forecast": str(a.forecast)}
    return data if a.step is None else {**data, "percent": a.step}


def anomaly_key(a: Anomaly) -> str:
    """R30: one anomaly per service and day."""
    return f"anomaly:{a.service}:{a.day.isoformat()}"


def low_balance_key(account_id: str, day: date) -> str:
    """R20: one low-balance reminder a day, whether a settlement's charge or the live estimate raised it."""
    return f"{account_id}:low_balance:{day.isoformat()}"


def wallet_event(account_id: str, kind: str, day: date, cash: Decimal | None = None, threshold: Decimal | None = None,
                 suspend_at: datetime | None = None) -> tuple[str, str, dict[str, Any], str | None]:
    """A wallet event (R19, R20) raised by a movement of money, as an outbox row, with the figures
    the customer's message names: the balance after (``cash``), the alert threshold, what is owed
    and, on entering arrears, when services will be suspended (``suspend_at``)."""
    data: dict[str, Any] = {"day": day.isoformat()}
    if cash is not None:
        data["balance"] = str(cash)
        if cash < 0:
            data["owed"] = str(-cash)
    if threshold is not None:
        data["threshold"] = str(threshold)
    if kind == "arrears" and suspend_at is not None:
        data["suspend_at"] = suspend_at.astimezone(SHANGHAI).isoformat()
    return account_id, f"wallet.{kind}", data, low_balance_key(account_id, day) if kind == "low_balance" else None
