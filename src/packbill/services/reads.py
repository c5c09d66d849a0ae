"""What customers and operators look at: packages, bills, reminders."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa

from ..domain import (
    BillLine,
    Draw,
    PackageHistory,
    PackageStatus,
    PackageView,
    Reminder,
    in_draw_order,
    mode_on,
    package_status,
    reminders_at,
    shanghai_day,
)
from ..domain.catalog import BANDWIDTH_SERVICES
from ..domain.errors import InvalidRequest
from ..domain.money import bps_to_mbps, from_fen
from ..storage import schema as t
from ..storage.db import day_value
from ..storage.repo import draws_by_package, get_account, load_packages, load_switches
from .context import Context


def list_packages(ctx: Context, account_id: str, as_of: datetime | None = None, status: str | None = None) -> list[PackageView]:
    """The account's packages bought by ``as_of``, in draw order, with what remained then.

    ``remaining`` counts every day settled up to ``as_of``'s day: for a moment in the past
    the draws after that day are left out.
    """
    now = ctx.now()
    as_of = as_of or now
    if status is not None:
        try:
            wanted = PackageStatus(status)
        except ValueError:
            raise InvalidRequest(f"status must be one of {', '.join(s.value for s in PackageStatus)}") from None
    day = shanghai_day(as_of)
    with ctx.db.read() as conn:
        get_account(conn, account_id)
        held = [(p, r) for p, r in load_packages(conn, account_id) if p.purchased_at <= as_of]
        mode = mode_on(day, load_switches(conn, account_id))
        if as_of < now:
            history = draws_by_package(conn, [p.id for p, _ in held], through=day)
            held = [(p, p.size - sum(q for _, q in history[p.id])) for p, _ in held]
    remaining = {p.id: r for p, r in held}
    views = [
        PackageView(p, remaining[p.id], package_status(p, remaining[p.id], as_of, mode))
        for p in in_draw_order(p for p, _ in held)
    ]
    if status is not None:
        views = [v for v in views if v.status is wanted]
    return views


def bills(ctx: Context, account_id: str, first: date, last: date) -> list[BillLine]:
    """Bill lines of the days ``first`` to ``last``, each with the packages that paid."""
    if first > last:
        raise InvalidRequest("'from' must not be after 'to'")
    with ctx.db.read() as conn:
        get_account(conn, account_id)
        rows = conn.execute(
            sa.select(t.bill_lines)
            .where(t.bill_lines.c.account_id == account_id, t.bill_lines.c.day.between(first, last))
            .order_by(t.bill_lines.c.day, t.bill_lines.c.id)
        ).all()
        drawn: dict[int, list[Draw]] = {}
        ids = [r.id for r in rows]
        for chunk in range(0, len(ids), 5000):
            for d in conn.execute(
                sa.select(t.draws.c.line_id, t.draws.c.package_id, t.draws.c.quantity)
                .where(t.draws.c.line_id.in_(ids[chunk : chunk + 5000]))
                .order_by(t.draws.c.id)
            ):
                drawn.setdefault(d.line_id, []).append(Draw(d.package_id, d.quantity))
    lines = []
    for r in rows:
        bandwidth = r.service in BANDWIDTH_SERVICES
        quantity = bps_to_mbps(r.quantity) if bandwidth else r.quantity
        payg = bps_to_mbps(r.payg_quantity) if bandwidth else r.payg_quantity
        lines.append(
            BillLine(day_value(r.day), r.service, quantity, tuple(drawn.get(r.id, ())), payg, from_fen(r.amount_fen), r.supplement)
        )
    return lines


def reminders(ctx: Context, account_id: str, as_of: datetime | None = None) -> list[Reminder]:
    day = shanghai_day(as_of or ctx.now())
    with ctx.db.read() as conn:
        get_account(conn, account_id)
        packages = [p for p, _ in load_packages(conn, account_id)]
        history = draws_by_package(conn, [p.id for p in packages], through=day)
        mode = mode_on(day, load_switches(conn, account_id))
    histories = [PackageHistory(p, history[p.id]) for p in in_draw_order(packages)]
    return reminders_at(day, histories, mode, ctx.catalog.low_thresholds)
