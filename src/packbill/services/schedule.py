"""The built-in schedule: every day at a set time (default 08:00 Asia/Shanghai) settle every
ended day, then raise every account's reminders. Several servers may run it: each day has one
row in ``schedule_runs``, and only the server that inserts it runs that day (one wins, the
others skip). A winner that died mid-run leaves its claim stale; after ``STALE`` another takes it."""

from __future__ import annotations

import os
import socket
from datetime import date, datetime, time, timedelta

from ..domain.days import SHANGHAI
from ..domain.errors import InvalidRequest
from ..storage import schedule as schedule_store
from ..storage.schedule import ScheduleRun
from . import operators, sweep
from .context import Context
from .operators import SCHEDULE
from .settlement import settle

STALE = timedelta(hours=2)
"""A claim not finished after this long was abandoned (its server died): another server retries."""


def parse_time(text: str) -> time:
    """``HH:MM`` (24-hour, Asia/Shanghai)."""
    try:
        hours, minutes = text.strip().split(":")
        return time(int(hours), int(minutes))
    except ValueError:
        raise InvalidRequest(f"the settlement time must be HH:MM (24-hour, Beijing time), not {text!r}") from None


def due(now: datetime, at: time) -> date | None:
    """The day whose scheduled run is due at ``now``: today once its time has come (it settles
    through yesterday), else None."""
    local = now.astimezone(SHANGHAI)
    return local.date() if local.time() >= at else None


def _me() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:200]


def _claim(ctx: Context, day: date, now: datetime) -> bool:
    with ctx.db.write() as conn:
        return schedule_store.claim(conn, day, now, _me()) or schedule_store.take_over(conn, day, now, now - STALE, _me())


class Scheduler:
    """One server's side of the schedule: asks the database at most once a day (and again
    after a restart), so that the loop's rounds cost nothing the rest of the day."""

    def __init__(self, ctx: Context, at: time) -> None:
        self.ctx, self.at = ctx, at
        self.seen: date | None = None

    def __call__(self) -> ScheduleRun | None:
        day = due(self.ctx.now(), self.at)
        if day is None or day == self.seen:
            return None
        self.seen = day
        return run_if_due(self.ctx, self.at)


def run_if_due(ctx: Context, at: time) -> ScheduleRun | None:
    """Run today's scheduled settlement if its time has come and no other server has; returns
    what this server ran, or None."""
    now = ctx.now()
    day = due(now, at)
    if day is None or not _claim(ctx, day, now):
        return None
    through = day - timedelta(days=1)
    days = lines = error = None
    try:
        ctx.prepare_partitions()
        with operators.recorded(ctx, SCHEDULE, "schedule", "settlement.run", parameters={"through": through.isoformat(), "day": day.isoformat()}):
            result = settle(ctx, through)
        days, lines = result.days, result.lines
        sweep.sweep_all(ctx)
    except Exception as exc:  # recorded on the run; the loop goes on tomorrow
        error = f"{type(exc).__name__}: {getattr(exc, 'message', exc)}"[:400]
    with ctx.db.write() as conn:
        schedule_store.finish(conn, day, ctx.now(), through, days, lines, error)
    return last_runs(ctx, 1)[0]


def last_runs(ctx: Context, limit: int = 10) -> list[ScheduleRun]:
    with ctx.db.read() as conn:
        return schedule_store.last_runs(conn, limit)


__all__ = ["ScheduleRun", "Scheduler", "due", "last_runs", "parse_time", "run_if_due"]
