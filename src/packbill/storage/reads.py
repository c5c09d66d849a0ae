"""What customers and operators look at, as rows: bill lines with their draws, daily usage,
the five-minute traffic windows."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from ..domain.model import BillLine, Draw
from ..domain.money import from_fen
from ..domain.wallet import Payment
from . import schema
from .sql import day_value


def bill_lines(conn: Connection, account_id: str, first: date, last: date) -> list[BillLine]:
    """Bill lines of the days ``first`` to ``last`` in day and writing order, each with its draws."""
    bl = schema.bill_lines
    rows = conn.execute(sa.select(bl).where(bl.c.account_id == account_id, bl.c.day.between(first, last)).order_by(bl.c.day, bl.c.id)).all()
    drawn: dict[int, list[Draw]] = {}
    vouchers: dict[int, list[tuple[str, object]]] = {}
    ids = [r.id for r in rows]
    for chunk in range(0, len(ids), 5000):
        part = ids[chunk : chunk + 5000]
        for d in conn.execute(sa.select(schema.draws.c.line_id, schema.draws.c.package_id, schema.draws.c.quantity)
                              .where(schema.draws.c.line_id.in_(part)).order_by(schema.draws.c.id)):
            drawn.setdefault(d.line_id, []).append(Draw(d.package_id, d.quantity))
        if any(r.voucher_fen for r in rows):
            for v in conn.execute(sa.select(schema.line_vouchers).where(schema.line_vouchers.c.line_id.in_(part))):
                vouchers.setdefault(v.line_id, []).append((v.voucher_id, from_fen(v.amount_fen)))
    return [BillLine(day_value(r.day), r.service, r.quantity, tuple(drawn.get(r.id, ())), r.payg_quantity, from_fen(r.amount_fen),
                     bool(r.supplement), from_fen(r.list_amount_fen) if r.list_amount_fen is not None else from_fen(r.amount_fen),
                     Payment(tuple(vouchers.get(r.id, ())), from_fen(r.cash_fen)), r.other_quantity, r.paid_by)
            for r in rows]


@dataclass(frozen=True, slots=True)
class DailyUsage:
    day: date
    service: str
    mainland: int
    other: int
    settled: int


def daily_usage(conn: Connection, account_id: str, first: date, last: date) -> list[DailyUsage]:
    ud = schema.usage_daily
    rows = conn.execute(sa.select(ud).where(ud.c.account_id == account_id, ud.c.day.between(first, last)).order_by(ud.c.day, ud.c.service))
    return [DailyUsage(day_value(r.day), r.service, r.mainland, r.other, r.settled_mainland + r.settled_other) for r in rows]


def first_bill_day(conn: Connection, account_id: str) -> date | None:
    """The first usage day the account was billed for (None: never)."""
    bl = schema.bill_lines
    found = conn.execute(sa.select(sa.func.min(bl.c.day)).where(bl.c.account_id == account_id)).scalar()
    return day_value(found) if found is not None else None


def month_payg(conn: Connection, account_id: str, month: date) -> dict[str, int]:
    """Per service, the pay-as-you-go quantity billed so far in ``month`` (what its tiers count from)."""
    mp = schema.month_payg
    rows = conn.execute(sa.select(mp.c.service, mp.c.quantity).where(mp.c.account_id == account_id, mp.c.month == month))
    return {service: int(quantity) for service, quantity in rows}


def daily_peak_bytes(conn: Connection, account_id: str, first: date, last: date) -> dict[date, dict[str, int]]:
    """Per day, the bytes of the largest 5-minute window of each traffic direction (R8)."""
    uw = schema.usage_windows
    out: dict[date, dict[str, int]] = defaultdict(dict)
    for day, service, peak in conn.execute(
            sa.select(uw.c.day, uw.c.service, sa.func.max(uw.c.bytes))
            .where(uw.c.account_id == account_id, uw.c.day.between(first, last)).group_by(uw.c.day, uw.c.service)):
        out[day_value(day)][service] = int(peak)
    return dict(out)


def raw_events(conn: Connection, account_id: str, first: date, last: date) -> list[dict]:
    """An account's stored raw events between two days, in time order."""
    e = schema.usage_events
    rows = conn.execute(sa.select(e.c.account_id, e.c.event_id, e.c.service, e.c.quantity, e.c.region, e.c.ts_us, e.c.day)
                        .where(e.c.account_id == account_id, e.c.day >= first, e.c.day <= last).order_by(e.c.ts_us, e.c.event_id))
    return [dict(r._mapping) for r in rows]
