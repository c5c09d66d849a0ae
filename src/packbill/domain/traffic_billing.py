"""The traffic billing type of an account on a day (R7)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from .catalog import TRAFFIC_SERVICES
from .days import shanghai_day
from .errors import InvalidRequest
from .model import TrafficBilling

DEFAULT_MODE = TrafficBilling.DAILY_PEAK_BANDWIDTH


@dataclass(frozen=True, slots=True)
class SwitchRequest:
    """A request to switch traffic billing, made at ``requested_at`` (seq breaks ties)."""

    mode: TrafficBilling
    requested_at: datetime
    seq: int = 0

    @property
    def effective_day(self) -> date:
        """R7: a switch requested on day D takes effect at 00:00 of D+1."""
        return shanghai_day(self.requested_at) + timedelta(days=1)


def is_frozen(service: str, mode: TrafficBilling) -> bool:
    """R7: traffic packages are frozen on a daily-peak-bandwidth day (nothing is drawn)."""
    return service in TRAFFIC_SERVICES and mode is not TrafficBilling.TRAFFIC


def requested_by(requests: Iterable[SwitchRequest], moment: datetime) -> list[SwitchRequest]:
    """The requests made by ``moment``: what the account looked like then."""
    return [r for r in requests if r.requested_at <= moment]


def mode_on(day: date, requests: Iterable[SwitchRequest]) -> TrafficBilling:
    """The traffic billing type in force on ``day``: the last request effective by then wins."""
    latest: SwitchRequest | None = None
    for request in requests:
        if request.effective_day <= day and (
            latest is None or (request.requested_at, request.seq) > (latest.requested_at, latest.seq)
        ):
            latest = request
    return latest.mode if latest else DEFAULT_MODE


def pending_switch(today: date, requests: Iterable[SwitchRequest]) -> tuple[TrafficBilling, date] | None:
    """The switch that takes effect tomorrow, if tomorrow's type differs from today's."""
    requests = list(requests)
    tomorrow = today + timedelta(days=1)
    now_mode, next_mode = mode_on(today, requests), mode_on(tomorrow, requests)
    return (next_mode, tomorrow) if next_mode != now_mode else None


def check_switch(request: SwitchRequest, last_settled: date | None) -> None:
    """R7: a switch (with an operator's past ``at``) may not change a day already settled."""
    if last_settled is not None and request.effective_day <= last_settled:
        raise InvalidRequest(
            f"a switch requested then would take effect on {request.effective_day}, but the days through "
            f"{last_settled} are already settled and cannot change; request it for a later moment",
            {"reason": "day_settled", "effective_day": request.effective_day.isoformat(),
             "settled_through": last_settled.isoformat()},
        )
