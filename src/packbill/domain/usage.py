"""Usage events in: validation (R1, R14) and aggregation into days and 5-minute windows (R6, R8)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Iterable, Mapping

from .catalog import TRAFFIC_SERVICES, USAGE_SERVICES, Catalog
from .days import SHANGHAI
from .model import UsageEvent

MAX_QUANTITY = 10**15
MAX_EVENT_ID = 128
MAX_EVENTS_PER_BATCH = 10_000
MAX_AHEAD = timedelta(minutes=5)
"""R14: an event stamped more than 5 minutes ahead of the server's clock is invalid."""

_FIELDS = ("event_id", "service", "quantity", "region", "timestamp")


@dataclass(frozen=True, slots=True)
class EventError:
    index: int
    reason: str


def parse_timestamp(value: Any) -> datetime:
    """An ISO 8601 time with a UTC offset; a time without one is refused."""
    if not isinstance(value, str):
        raise ValueError("must be an ISO 8601 time string")
    text = value.strip()
    if len(text) > 64:
        raise ValueError("is not an ISO 8601 time")
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError("is not an ISO 8601 time") from None
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("has no UTC offset (write e.g. 2025-03-01T09:30:00+08:00)")
    return moment


def check_event(raw: Any, now: datetime, catalog: Catalog) -> UsageEvent | str:
    """One raw event (a JSON object) as a UsageEvent, or the reason it is invalid."""
    if not isinstance(raw, Mapping):
        return "an event must be an object"
    missing = [f for f in _FIELDS if f not in raw]
    if missing:
        return f"missing field(s): {', '.join(missing)}"
    event_id = raw["event_id"]
    if not isinstance(event_id, str) or not (1 <= len(event_id) <= MAX_EVENT_ID):
        return f"event_id must be a string of 1 to {MAX_EVENT_ID} characters"
    service = raw["service"]
    if not isinstance(service, str) or service not in USAGE_SERVICES:
        return f"unknown service {service!r}; usage is reported for {', '.join(USAGE_SERVICES)}"
    quantity = raw["quantity"]
    if not isinstance(quantity, int) or isinstance(quantity, bool):
        return "quantity must be an integer"
    if not (1 <= quantity <= MAX_QUANTITY):
        return f"quantity must be from 1 to {MAX_QUANTITY}"
    region = raw["region"]
    if not isinstance(region, str) or region not in catalog.regions:
        return f"unknown region {region!r}"
    try:
        timestamp = parse_timestamp(raw["timestamp"])
    except ValueError as exc:
        return f"timestamp {exc}"
    if timestamp - now > MAX_AHEAD:
        return "timestamp is more than 5 minutes ahead of the server's clock"
    return UsageEvent(event_id, service, quantity, region, timestamp)


def check_batch(raws: Iterable[Any], now: datetime, catalog: Catalog) -> tuple[list[UsageEvent], list[EventError]]:
    """Validate a batch; any error means the whole batch is refused (the caller stores nothing)."""
    events: list[UsageEvent] = []
    errors: list[EventError] = []
    for index, raw in enumerate(raws):
        result = check_event(raw, now, catalog)
        if isinstance(result, str):
            errors.append(EventError(index, result))
        else:
            events.append(result)
    return events, errors


def dedupe(events: Iterable[UsageEvent], seen: set[str] | None = None) -> tuple[list[UsageEvent], int]:
    """Keep the first of each event_id not in ``seen`` (R14); returns them and the duplicate count."""
    seen = set() if seen is None else seen
    kept: list[UsageEvent] = []
    duplicates = 0
    for event in events:
        if event.event_id in seen:
            duplicates += 1
            continue
        seen.add(event.event_id)
        kept.append(event)
    return kept, duplicates


@dataclass(slots=True)
class DayUsage:
    """An account's usage of one day, summed.

    mainland / other: per service, quantity from mainland regions and from the rest (R1).
    windows: per traffic service, bytes per 5-minute window index (R8; every region counts).
    """

    mainland: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    other: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    windows: dict[str, dict[int, int]] = field(default_factory=lambda: defaultdict(lambda: defaultdict(int)))

    def add(self, service: str, quantity: int, mainland: bool, window: int) -> None:
        (self.mainland if mainland else self.other)[service] += quantity
        if service in TRAFFIC_SERVICES:
            self.windows[service][window] += quantity


def bucket(event: UsageEvent) -> tuple[date, int]:
    """The Shanghai day and 5-minute window index of an event."""
    local = event.timestamp.astimezone(SHANGHAI)
    return local.date(), (local.hour * 3600 + local.minute * 60 + local.second) // 300


def aggregate(events: Iterable[UsageEvent], catalog: Catalog) -> dict[date, DayUsage]:
    """Sum events into days (Asia/Shanghai) and windows; the order of events does not matter."""
    days: dict[date, DayUsage] = defaultdict(DayUsage)
    for event in events:
        day, window = bucket(event)
        days[day].add(event.service, event.quantity, catalog.is_mainland(event.region), window)
    return days
