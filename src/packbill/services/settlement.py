"""Daily settlement (R6, R12) over the database: the rules are ``domain.settle_day``.

Each account is settled in its own transaction, holding the account's row lock on
PostgreSQL (ingest for that account holds a share lock), so that several settlement runs,
in several processes, and ingest can run at once: no day is drawn twice, no usage is lost.
A run only visits account-days marked unsettled by ingest; it never rescans history.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Callable

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from ..domain import Balance, BandwidthBilled, Catalog, DayInput, mode_on, settle_day, shanghai_day
from ..domain.catalog import BANDWIDTH_SERVICES, TRAFFIC_SERVICES
from ..domain.days import month_start
from ..domain.errors import InvalidRequest
from ..domain.money import from_fen, to_fen
from ..storage import schema as t
from ..storage.db import day_value, to_us
from ..storage.repo import get_account, load_packages, load_switches, upsert_set
from .context import Context


@dataclass(frozen=True, slots=True)
class SettlementResult:
    run_id: int
    days: int
    lines: int


def settle(
    ctx: Context,
    through: date,
    now: datetime | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> SettlementResult:
    """Settle every account's unsettled days up to ``through``, supplements included.

    ``through`` must have ended (by ``now``, default the clock). ``progress(done, total)`` is
    called after each account.
    """
    now = now or ctx.now()
    if through >= shanghai_day(now):
        raise InvalidRequest(f"day {through} has not ended yet (Asia/Shanghai); settle only days that have ended")
    with ctx.db.write() as conn:
        run_id = conn.execute(
            sa.insert(t.settlement_runs).values(through=through, started_us=to_us(now)).returning(t.settlement_runs.c.id)
        ).scalar_one()
    with ctx.db.read() as conn:
        accounts = [
            r[0]
            for r in conn.execute(
                sa.select(t.usage_dirty.c.account_id).where(t.usage_dirty.c.day <= through).distinct().order_by(t.usage_dirty.c.account_id)
            )
        ]
    days = lines = 0
    for i, account_id in enumerate(accounts):
        d, n = ctx.db.write_retrying(lambda conn: settle_account(conn, ctx.catalog, account_id, through, run_id))
        days += d
        lines += n
        if progress:
            progress(i + 1, len(accounts))
    with ctx.db.write() as conn:
        conn.execute(
            sa.update(t.settlement_runs)
            .where(t.settlement_runs.c.id == run_id)
            .values(finished_us=to_us(ctx.now()), days=days, lines=lines)
        )
    return SettlementResult(run_id, days, lines)


def settle_account(conn: Connection, catalog: Catalog, account_id: str, through: date, run_id: int) -> tuple[int, int]:
    """Settle one account's unsettled days, oldest first, in the caller's transaction."""
    get_account(conn, account_id, lock="update")
    days = [
        day_value(r[0])
        for r in conn.execute(
            sa.select(t.usage_dirty.c.day)
            .where(t.usage_dirty.c.account_id == account_id, t.usage_dirty.c.day <= through)
            .order_by(t.usage_dirty.c.day)
        )
    ]
    if not days:
        return 0, 0
    balances = {p.id: Balance(p, remaining) for p, remaining in load_packages(conn, account_id)}
    switches = load_switches(conn, account_id)
    already = {
        day_value(r[0])
        for r in conn.execute(
            sa.select(t.settled_days.c.day).where(t.settled_days.c.account_id == account_id, t.settled_days.c.day.in_(days))
        )
    }
    lines_written = 0
    for day in days:
        lines_written += _settle_one_day(conn, catalog, account_id, day, balances, switches, day in already, run_id)
    conn.execute(
        sa.delete(t.usage_dirty).where(t.usage_dirty.c.account_id == account_id, t.usage_dirty.c.day.in_(days))
    )
    return len(days), lines_written


def _settle_one_day(conn, catalog, account_id, day, balances, switches, supplement, run_id) -> int:
    usage = conn.execute(
        sa.select(t.usage_daily).where(t.usage_daily.c.account_id == account_id, t.usage_daily.c.day == day)
    ).all()
    mainland = {r.service: r.mainland - r.settled_mainland for r in usage if r.mainland > r.settled_mainland}
    other = {r.service: r.other - r.settled_other for r in usage if r.other > r.settled_other}
    if not mainland and not other:
        return 0
    mode = mode_on(day, switches)
    windows: dict[str, dict[int, int]] = {}
    if any(s in TRAFFIC_SERVICES for s in (*mainland, *other)):
        for r in conn.execute(
            sa.select(t.usage_windows).where(t.usage_windows.c.account_id == account_id, t.usage_windows.c.day == day)
        ):
            windows.setdefault(r.service, {})[r.window] = r.bytes
    month = month_start(day)
    month_payg = {
        r.service: r.quantity
        for r in conn.execute(
            sa.select(t.month_payg).where(t.month_payg.c.account_id == account_id, t.month_payg.c.month == month)
        )
    }
    billed = {
        r.service: BandwidthBilled(r.peak_bps, from_fen(r.amount_fen))
        for r in conn.execute(
            sa.select(t.bandwidth_billed).where(t.bandwidth_billed.c.account_id == account_id, t.bandwidth_billed.c.day == day)
        )
    }
    result = settle_day(
        DayInput(day, mode, mainland, other, list(balances.values()), windows, month_payg, billed, supplement), catalog
    )

    if result.lines:
        line_ids = conn.execute(
            sa.insert(t.bill_lines).returning(t.bill_lines.c.id, sort_by_parameter_order=True),
            [
                dict(
                    account_id=account_id,
                    day=day,
                    service=line.service,
                    quantity=_stored_quantity(line.service, line.quantity),
                    payg_quantity=_stored_quantity(line.service, line.payg_quantity),
                    amount_fen=to_fen(line.amount),
                    supplement=line.supplement,
                    run_id=run_id,
                )
                for line in result.lines
            ],
        ).scalars().all()
        draw_rows = [
            dict(line_id=line_id, account_id=account_id, package_id=d.package_id, day=day, service=line.service,
                 quantity=d.quantity, run_id=run_id)
            for line_id, line in zip(line_ids, result.lines)
            for d in line.drawn
        ]
        if draw_rows:
            conn.execute(sa.insert(t.draws), draw_rows)
    for package_id, remaining in result.remaining.items():
        conn.execute(sa.update(t.packages).where(t.packages.c.id == package_id).values(remaining=remaining))
        balances[package_id] = Balance(balances[package_id].package, remaining)
    for service, q in mainland.items():
        conn.execute(
            sa.update(t.usage_daily)
            .where(t.usage_daily.c.account_id == account_id, t.usage_daily.c.day == day, t.usage_daily.c.service == service)
            .values(settled_mainland=t.usage_daily.c.settled_mainland + q)
        )
    for service, q in other.items():
        conn.execute(
            sa.update(t.usage_daily)
            .where(t.usage_daily.c.account_id == account_id, t.usage_daily.c.day == day, t.usage_daily.c.service == service)
            .values(settled_other=t.usage_daily.c.settled_other + q)
        )
    upsert_set(
        conn, t.month_payg,
        [dict(account_id=account_id, month=month, service=s, quantity=q) for s, q in result.month_payg.items()],
        ("account_id", "month", "service"), ("quantity",),
    )
    upsert_set(
        conn, t.bandwidth_billed,
        [dict(account_id=account_id, day=day, service=s, peak_bps=b.peak_bps, amount_fen=to_fen(b.amount))
         for s, b in result.bandwidth_billed.items()],
        ("account_id", "day", "service"), ("peak_bps", "amount_fen"),
    )
    if not supplement:
        conn.execute(sa.insert(t.settled_days).values(account_id=account_id, day=day))
    return len(result.lines)


def _stored_quantity(service: str, quantity) -> int:
    """Calls and bytes as they are; a bandwidth figure in Mbps as whole bit/s."""
    if service in BANDWIDTH_SERVICES:
        return int(quantity * 1_000_000)
    return int(quantity)
