"""Usage events in: validation (R1, R14), the typed row every intake path stores, and the
aggregation of events into days and 5-minute windows (R6, R8).

``check_event`` is the definition of a valid event; a faster validator elsewhere must give the
same verdicts (its tests compare the two). ``DayUsage`` is the one aggregation in Python; the
database adds up stored rows in the same way (``storage.intake``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, NamedTuple

from .catalog import TRAFFIC_SERVICES, USAGE_SERVICES, Catalog
from .days import check_supported, day_and_window, to_us
from .limits import MAX_AHEAD, MAX_DAY_CALLS, MAX_EVENT_ID, MAX_QUANTITY, day_limit, unstorable
from .model import UsageEvent

_FIELDS = ("event_id", "service", "quantity", "region", "timestamp")

DAY_TOTAL_TOO_LARGE = "day_total_too_large"
TOO_LATE = "too_late"
CONFLICTING_DUPLICATE = "conflicting_duplicate"
"""R14: an event id sent again with other content (service, quantity, region or time): refused,
never silently dropped; an identical retry counts once."""
"""R23: the reason of an event stamped before the lateness horizon."""


def horizon_us(now_us: int, lateness_days: int | None) -> int | None:
    """R23: the earliest moment (epoch microseconds) a usage event may be stamped, or None
    without a horizon. An event stamped more than ``lateness_days`` days before now is too late."""
    return None if lateness_days is None else now_us - lateness_days * 86_400_000_000


@dataclass(frozen=True, slots=True)
class EventError:
    index: int
    reason: str


class UsageRow(NamedTuple):
    """One valid event as it is stored.

    account_id, event_id: the event's key (R14: unique within the account).
    service, quantity, region: as sent.
    ts_us: the moment of use as UTC epoch microseconds.
    day: its Asia/Shanghai day; window: its 5-minute window in that day, 0..287 (R8).
    mainland: whether the region is in mainland China (R1).
    """

    account_id: str
    event_id: str
    service: str
    quantity: int
    region: str
    ts_us: int
    day: date
    window: int
    mainland: bool


def row_of(account_id: str, event: UsageEvent, catalog: Catalog) -> UsageRow:
    day, window = day_and_window(event.timestamp)
    return UsageRow(account_id, event.event_id, event.service, event.quantity, event.region, to_us(event.timestamp),
                    day, window, catalog.is_mainland(event.region))


def parse_moment(value: str | None) -> datetime | None:
    """An optional moment (``None`` when not given), else as ``parse_timestamp``."""
    return None if value is None else parse_timestamp(value)


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
    check_supported(moment.date())
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
    if "\x00" in event_id:
        return "event_id must not contain NUL characters"
    if unstorable(event_id):
        return "event_id holds a character that cannot be stored (a lone UTF-16 surrogate)"
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


def over_day_total(rows: Iterable[tuple[int, UsageRow]]) -> list[tuple[int, str]]:
    """(index, reason) of every event of an (account, day, service) whose total in this batch
    alone passes its limit (``limits.day_limit``); the store checks the total with what it
    already holds."""
    rows = list(rows)
    if sum(r[1][3] for r in rows) <= MAX_DAY_CALLS:  # r[1][3]: the row's quantity; the smaller limit
        return []
    totals: dict[tuple[str, date, str], int] = defaultdict(int)
    members: dict[tuple[str, date, str], list[int]] = defaultdict(list)
    for index, r in rows:
        key = (r.account_id, r.day, r.service)
        totals[key] += r.quantity
        members[key].append(index)
    return sorted((i, DAY_TOTAL_TOO_LARGE) for key, total in totals.items() if total > day_limit(key[2]) for i in members[key])


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

    def add(self, row: UsageRow) -> None:
        (self.mainland if row.mainland else self.other)[row.service] += row.quantity
        if row.service in TRAFFIC_SERVICES:
            self.windows[row.service][row.window] += row.quantity

    def peaks(self) -> dict[str, int]:
        """Per traffic service, the bytes of the day's largest 5-minute window (R8)."""
        return {service: max(w.values()) for service, w in self.windows.items() if w}
