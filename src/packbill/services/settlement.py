"""Daily settlement (R6, R12) over the database: the rules are ``domain.settle_day``.

Accounts are settled in chunks, each one transaction that holds the chunk's account rows
(PostgreSQL ``FOR UPDATE`` in one sorted order; ingest holds them ``FOR SHARE``; SQLite's
writer lock does the same), so several settlement runs, in several processes, and ingest can
run at once: no day is drawn twice, no usage is lost. A chunk is read with a handful of bulk
queries (only the account-days that ingest marked unsettled, never history; the day's peak
window comes from the database as a MAX), settled in memory day by day, oldest first, and
written back in bulk.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from typing import Callable

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from ..domain import Balance, BandwidthBilled, Catalog, DayInput, SwitchRequest, mode_on, settle_day, shanghai_day
from ..domain.catalog import BANDWIDTH_SERVICES
from ..domain.days import month_start
from ..domain.errors import InvalidRequest
from ..domain.money import from_fen, to_fen
from ..storage import schema as t
from ..storage.db import day_value, to_us
from ..storage.repo import package_from_row, switch_from_row, upsert_set
from .context import Context

CHUNK = 500
"""Accounts per transaction."""


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
    called after each chunk of accounts.
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
    for start in range(0, len(accounts), CHUNK):
        chunk = accounts[start : start + CHUNK]
        d, n = ctx.db.write_retrying(lambda conn: settle_accounts(conn, ctx.catalog, chunk, through, run_id))
        days += d
        lines += n
        if progress:
            progress(min(start + CHUNK, len(accounts)), len(accounts))
    with ctx.db.write() as conn:
        conn.execute(
            sa.update(t.settlement_runs)
            .where(t.settlement_runs.c.id == run_id)
            .values(finished_us=to_us(ctx.now()), days=days, lines=lines)
        )
    return SettlementResult(run_id, days, lines)


def settle_accounts(conn: Connection, catalog: Catalog, account_ids: list[str], through: date, run_id: int) -> tuple[int, int]:
    """Settle these accounts' unsettled days through ``through`` in the caller's transaction."""
    account_ids = sorted(account_ids)
    if conn.dialect.name == "postgresql":
        conn.execute(
            sa.select(t.accounts.c.id).where(t.accounts.c.id.in_(account_ids)).order_by(t.accounts.c.id).with_for_update()
        ).all()
    dirty = t.usage_dirty
    in_chunk = sa.and_(dirty.c.account_id.in_(account_ids), dirty.c.day <= through)
    raw = _Raw(conn)
    ids_sql = ", ".join([raw.mark] * len(account_ids))
    chunk_where = f"u.account_id IN ({ids_sql}) AND u.day <= {raw.mark}"
    chunk_args = [*account_ids, raw.day(through)]
    todo: dict[str, list[date]] = defaultdict(list)
    for account_id, day in raw.all(f"SELECT u.account_id, u.day FROM usage_dirty u WHERE {chunk_where} ORDER BY 1, 2", chunk_args):
        todo[account_id].append(day_value(day))
    if not todo:
        return 0, 0
    ids = list(todo)

    def joined(table: str, columns: str, tail: str = "") -> list[tuple]:
        return raw.all(f"SELECT {columns} FROM {table} x JOIN usage_dirty u ON x.account_id = u.account_id AND x.day = u.day "
                       f"WHERE {chunk_where} {tail}", chunk_args)

    usage: dict[tuple[str, date], tuple[dict[str, int], dict[str, int]]] = defaultdict(lambda: ({}, {}))
    for account_id, day, service, mainland_q, other_q, settled_m, settled_o in joined(
            "usage_daily", "x.account_id, x.day, x.service, x.mainland, x.other, x.settled_mainland, x.settled_other"):
        mainland, other = usage[(account_id, day_value(day))]
        if mainland_q > settled_m:
            mainland[service] = mainland_q - settled_m
        if other_q > settled_o:
            other[service] = other_q - settled_o
    peaks: dict[tuple[str, date], dict[str, dict[int, int]]] = defaultdict(dict)
    for account_id, day, service, peak in joined("usage_windows", "x.account_id, x.day, x.service, max(x.bytes)",
                                                 "GROUP BY x.account_id, x.day, x.service"):
        peaks[(account_id, day_value(day))][service] = {0: int(peak)}  # settle_day needs only the largest window
    billed: dict[tuple[str, date], dict[str, BandwidthBilled]] = defaultdict(dict)
    for account_id, day, service, peak_bps, amount_fen in joined("bandwidth_billed", "x.account_id, x.day, x.service, x.peak_bps, x.amount_fen"):
        billed[(account_id, day_value(day))][service] = BandwidthBilled(peak_bps, from_fen(amount_fen))
    already = {(account_id, day_value(day)) for account_id, day in joined("settled_days", "x.account_id, x.day")}
    months = {month_start(d) for days in todo.values() for d in days}
    mp = t.month_payg
    month_payg: dict[tuple[str, date], dict[str, int]] = defaultdict(dict)
    for r in conn.execute(sa.select(mp).where(mp.c.account_id.in_(ids), mp.c.month.in_(months))):
        month_payg[(r.account_id, day_value(r.month))][r.service] = r.quantity
    balances: dict[str, dict[str, Balance]] = defaultdict(dict)
    for r in conn.execute(sa.select(t.packages).where(t.packages.c.account_id.in_(ids))):
        balances[r.account_id][r.id] = Balance(package_from_row(r), r.remaining)
    switches: dict[str, list[SwitchRequest]] = defaultdict(list)
    for r in conn.execute(sa.select(t.traffic_switches).where(t.traffic_switches.c.account_id.in_(ids)).order_by(t.traffic_switches.c.seq)):
        switches[r.account_id].append(switch_from_row(r))

    lines, remaining, payg_rows, bandwidth_rows, settled_rows = [], {}, {}, [], []
    for account_id in ids:
        account_balances = balances[account_id]
        for day in todo[account_id]:
            mainland, other = usage[(account_id, day)]
            if not mainland and not other:
                continue
            month = month_start(day)
            result = settle_day(
                DayInput(day, mode_on(day, switches[account_id]), mainland, other, list(account_balances.values()),
                         peaks[(account_id, day)], month_payg[(account_id, month)], billed[(account_id, day)],
                         (account_id, day) in already),
                catalog,
            )
            for line in result.lines:
                lines.append((account_id, day, line))
            for package_id, left in result.remaining.items():
                account_balances[package_id] = Balance(account_balances[package_id].package, left)
                remaining[package_id] = left
            for service, q in result.month_payg.items():
                month_payg[(account_id, month)][service] = q
                payg_rows[(account_id, month, service)] = q
            for service, b in result.bandwidth_billed.items():
                bandwidth_rows.append(dict(account_id=account_id, day=day, service=service, peak_bps=b.peak_bps, amount_fen=to_fen(b.amount)))
            if (account_id, day) not in already:
                settled_rows.append(dict(account_id=account_id, day=day))
    _write(conn, run_id, lines, remaining, payg_rows, bandwidth_rows, settled_rows)
    # what was settled is now everything these days hold: nothing else writes them while we hold the accounts
    ud = t.usage_daily
    conn.execute(
        sa.update(ud)
        .where(sa.exists().where(dirty.c.account_id == ud.c.account_id, dirty.c.day == ud.c.day, in_chunk))
        .values(settled_mainland=ud.c.mainland, settled_other=ud.c.other)
    )
    conn.execute(sa.delete(dirty).where(in_chunk))
    return sum(len(v) for v in todo.values()), len(lines)


def _write(conn: Connection, run_id: int, lines, remaining, payg_rows, bandwidth_rows, settled_rows) -> None:
    raw = _Raw(conn)
    if lines:
        line_ids = _new_line_ids(conn, len(lines))
        line_rows, draw_rows = [], []
        supplement = raw.bool
        days: dict[date, object] = {}
        for line_id, (account_id, day, line) in zip(line_ids, lines):
            day_arg = days.get(day)
            if day_arg is None:
                day_arg = days[day] = raw.day(day)
            line_rows.append((line_id, account_id, day_arg, line.service, _stored_quantity(line.service, line.quantity),
                              _stored_quantity(line.service, line.payg_quantity), to_fen(line.amount), supplement(line.supplement), run_id))
            for d in line.drawn:
                draw_rows.append((line_id, account_id, d.package_id, day_arg, line.service, d.quantity, run_id))
        raw.many("INSERT INTO bill_lines (id, account_id, day, service, quantity, payg_quantity, amount_fen, supplement, run_id) "
                 "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", line_rows)
        if draw_rows:
            raw.many("INSERT INTO draws (line_id, account_id, package_id, day, service, quantity, run_id) VALUES (?, ?, ?, ?, ?, ?, ?)",
                     draw_rows)
    if remaining:
        raw.many("UPDATE packages SET remaining = ? WHERE id = ?", [(left, pid) for pid, left in sorted(remaining.items())])
    upsert_set(conn, t.month_payg, [dict(account_id=a, month=m, service=s, quantity=q) for (a, m, s), q in sorted(payg_rows.items())],
            ("account_id", "month", "service"), ("quantity",))
    upsert_set(conn, t.bandwidth_billed, bandwidth_rows, ("account_id", "day", "service"), ("peak_bps", "amount_fen"))
    if settled_rows:
        raw.many("INSERT INTO settled_days (account_id, day) VALUES (?, ?)", [(r["account_id"], raw.day(r["day"])) for r in settled_rows])


class _Raw:
    """The driver's own cursor, for the few statements that move most rows (no per-row objects)."""

    def __init__(self, conn: Connection) -> None:
        self.postgres = conn.dialect.name == "postgresql"
        self.cursor = conn.connection.driver_connection.cursor()
        self.mark = "%s" if self.postgres else "?"

    def day(self, value: date):
        return value if self.postgres else value.isoformat()

    def bool(self, value: bool):
        return value if self.postgres else int(value)

    def all(self, sql: str, args) -> list[tuple]:
        self.cursor.execute(sql, args)
        return self.cursor.fetchall()

    def many(self, sql: str, rows: list[tuple]) -> None:
        self.cursor.executemany(sql.replace("?", self.mark) if self.postgres else sql, rows)


def _new_line_ids(conn: Connection, n: int) -> list[int]:
    """``n`` new bill line ids, ascending, so that draws can name their line before it is written."""
    if conn.dialect.name == "postgresql":
        return list(conn.execute(
            sa.text("SELECT nextval(pg_get_serial_sequence('bill_lines', 'id')) FROM generate_series(1, :n) ORDER BY 1"), {"n": n}
        ).scalars())
    # SQLite: the writer lock is ours until commit
    first = conn.execute(sa.select(sa.func.coalesce(sa.func.max(t.bill_lines.c.id), 0))).scalar_one() + 1
    return list(range(first, first + n))


def _stored_quantity(service: str, quantity) -> int:
    """Calls and bytes as they are; a bandwidth figure in Mbps as whole bit/s."""
    if service in BANDWIDTH_SERVICES:
        return int(quantity * 1_000_000)
    return int(quantity)
