"""The built-in schedule's runs: one row per day, claimed by the one server that runs it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from . import schema
from .db import day_value
from .sql import from_us, to_us


@dataclass(frozen=True, slots=True)
class ScheduleRun:
    day: date
    claimed_at: datetime
    claimed_by: str
    finished_at: datetime | None
    through: date | None
    days: int | None
    lines: int | None
    error: str | None


def claim(conn: Connection, day: date, now: datetime, me: str) -> bool:
    """Insert the day's row; False when another server has it."""
    try:
        with conn.begin_nested():
            conn.execute(sa.insert(schema.schedule_runs).values(day=day, claimed_us=to_us(now), claimed_by=me))
        return True
    except IntegrityError:
        return False


def take_over(conn: Connection, day: date, now: datetime, stale_before: datetime, me: str) -> bool:
    """Take the day's claim over when it was never finished and is older than ``stale_before``."""
    s = schema.schedule_runs
    return conn.execute(sa.update(s).where(s.c.day == day, s.c.finished_us.is_(None), s.c.claimed_us < to_us(stale_before))
                        .values(claimed_us=to_us(now), claimed_by=me)).rowcount == 1


def finish(conn: Connection, day: date, at: datetime, through: date, days: int | None, lines: int | None, error: str | None) -> None:
    s = schema.schedule_runs
    conn.execute(sa.update(s).where(s.c.day == day).values(finished_us=to_us(at), through=through, days=days, lines=lines, error=error))


def last_runs(conn: Connection, limit: int) -> list[ScheduleRun]:
    s = schema.schedule_runs
    return [ScheduleRun(day_value(r.day), from_us(r.claimed_us), r.claimed_by, from_us(r.finished_us) if r.finished_us is not None else None,
                        day_value(r.through) if r.through is not None else None, r.days, r.lines, r.error)
            for r in conn.execute(sa.select(s).order_by(s.c.day.desc()).limit(limit))]
