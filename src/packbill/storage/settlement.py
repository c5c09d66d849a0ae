"""Settlement's reads and writes: the runs, a chunk of accounts' unsettled days and state in,
the engine's results out. No rule lives here: ``domain.settle_account`` decides everything.

A chunk is read with a handful of bulk queries (only the account-days that intake marked
unsettled, never history; each day's peak window comes from the database as a MAX) and written
back in bulk, under the chunk's account locks (``sql.lock_accounts``).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from typing import Sequence

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from ..domain import AccountSettlement, AccountState, Balance, BandwidthBilled, UsageDay
from ..domain.days import month_start
from ..domain.money import from_fen, to_fen, window_bytes_to_bps
from . import schema as t
from .accounts import switches_of
from .packages import load_packages
from .sql import day_value, from_us, insert_ignore, lock_accounts, to_us, upsert_set

INT64 = 2**63 - 1


# -- runs ---------------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class RunRecord:
    id: int
    through: date
    started_at: datetime
    finished_at: datetime | None
    heartbeat_at: datetime | None
    days: int
    lines: int
    failed: int


def start_run(conn: Connection, through: date, now: datetime) -> int:
    return conn.execute(sa.insert(t.settlement_runs).values(through=through, started_us=to_us(now), heartbeat_us=to_us(now))
                        .returning(t.settlement_runs.c.id)).scalar_one()


def heartbeat(conn: Connection, run_id: int, now: datetime, days: int, lines: int) -> None:
    conn.execute(sa.update(t.settlement_runs).where(t.settlement_runs.c.id == run_id)
                 .values(heartbeat_us=to_us(now), days=days, lines=lines))


def finish_run(conn: Connection, run_id: int, now: datetime, days: int, lines: int, failed: int) -> None:
    conn.execute(sa.update(t.settlement_runs).where(t.settlement_runs.c.id == run_id)
                 .values(finished_us=to_us(now), heartbeat_us=to_us(now), days=days, lines=lines, failed=failed))


def record_failures(conn: Connection, run_id: int, failures: Sequence[tuple[str, str]]) -> None:
    if failures:
        conn.execute(sa.insert(t.settlement_failures), [dict(run_id=run_id, account_id=a, reason=r) for a, r in failures])


def settled_through(conn: Connection) -> date | None:
    """R12: the last day a finished run went through; every day up to it is settled for all."""
    value = conn.execute(sa.select(sa.func.max(t.settlement_runs.c.through)).where(t.settlement_runs.c.finished_us.is_not(None))).scalar()
    return day_value(value) if value is not None else None


def list_runs(conn: Connection, limit: int = 20) -> list[RunRecord]:
    r_ = t.settlement_runs
    rows = conn.execute(sa.select(r_).order_by(r_.c.id.desc()).limit(limit))
    return [RunRecord(r.id, day_value(r.through), from_us(r.started_us), from_us(r.finished_us) if r.finished_us else None,
                      from_us(r.heartbeat_us) if r.heartbeat_us else None, r.days, r.lines, r.failed) for r in rows]


def run_failures(conn: Connection, run_id: int) -> list[tuple[str, str]]:
    f = t.settlement_failures
    return [(r.account_id, r.reason) for r in conn.execute(sa.select(f).where(f.c.run_id == run_id).order_by(f.c.account_id))]


def last_settled_day(conn: Connection, account_id: str) -> date | None:
    """The latest day settled for this account, counting days every account has settled (R7, R12)."""
    own = conn.execute(sa.select(sa.func.max(t.settled_days.c.day)).where(t.settled_days.c.account_id == account_id)).scalar()
    days = [d for d in (settled_through(conn), day_value(own) if own is not None else None) if d is not None]
    return max(days, default=None)


# -- a chunk ------------------------------------------------------------------------------------

def accounts_to_settle(conn: Connection, through: date) -> list[str]:
    dirty = t.usage_dirty
    return [r[0] for r in conn.execute(sa.select(dirty.c.account_id).where(dirty.c.day <= through).distinct().order_by(dirty.c.account_id))]


def load_chunk(conn: Connection, account_ids: Sequence[str], through: date) -> dict[str, tuple[list[UsageDay], AccountState]]:
    """Lock the accounts and read each one's unsettled days through ``through`` and its state."""
    ids = sorted(account_ids)
    lock_accounts(conn, ids)
    dirty = t.usage_dirty
    marked = sa.select(dirty.c.account_id, dirty.c.day).where(dirty.c.account_id.in_(ids), dirty.c.day <= through).subquery()

    def joined(table: sa.Table, *columns):
        return sa.select(*columns).join(marked, sa.and_(table.c.account_id == marked.c.account_id, table.c.day == marked.c.day))

    todo: dict[str, list[date]] = defaultdict(list)
    for account_id, day in conn.execute(sa.select(marked.c.account_id, marked.c.day).order_by(marked.c.account_id, marked.c.day)):
        todo[account_id].append(day_value(day))
    if not todo:
        return {}
    ud = t.usage_daily
    usage: dict[tuple[str, date], tuple[dict[str, int], dict[str, int]]] = defaultdict(lambda: ({}, {}))
    for r in conn.execute(joined(ud, ud.c.account_id, ud.c.day, ud.c.service, ud.c.mainland, ud.c.other,
                                 ud.c.settled_mainland, ud.c.settled_other)):
        mainland, other = usage[(r.account_id, day_value(r.day))]
        if r.mainland > r.settled_mainland:
            mainland[r.service] = r.mainland - r.settled_mainland
        if r.other > r.settled_other:
            other[r.service] = r.other - r.settled_other
    uw = t.usage_windows
    peaks: dict[tuple[str, date], dict[str, int]] = defaultdict(dict)
    for account_id, day, service, peak in conn.execute(
            joined(uw, uw.c.account_id, uw.c.day, uw.c.service, sa.func.max(uw.c.bytes)).group_by(uw.c.account_id, uw.c.day, uw.c.service)):
        peaks[(account_id, day_value(day))][service] = int(peak)
    bb = t.bandwidth_billed
    billed: dict[str, dict[tuple[date, str], BandwidthBilled]] = defaultdict(dict)
    for r in conn.execute(joined(bb, bb.c.account_id, bb.c.day, bb.c.service, bb.c.peak_bytes, bb.c.amount_fen)):
        billed[r.account_id][(day_value(r.day), r.service)] = BandwidthBilled(r.peak_bytes, from_fen(r.amount_fen))
    sd = t.settled_days
    settled: dict[str, set[date]] = defaultdict(set)
    for account_id, day in conn.execute(joined(sd, sd.c.account_id, sd.c.day)):
        settled[account_id].add(day_value(day))
    chunk_ids = list(todo)
    months = {month_start(d) for days in todo.values() for d in days}
    mp = t.month_payg
    month_payg: dict[str, dict[tuple[date, str], int]] = defaultdict(dict)
    for r in conn.execute(sa.select(mp).where(mp.c.account_id.in_(chunk_ids), mp.c.month.in_(months))):
        month_payg[r.account_id][(day_value(r.month), r.service)] = r.quantity
    balances: dict[str, dict[str, Balance]] = defaultdict(dict)
    for package, remaining in load_packages(conn, chunk_ids):
        balances[package.account_id][package.id] = Balance(package, remaining)
    switches = switches_of(conn, chunk_ids)
    return {
        a: ([UsageDay(d, *usage[(a, d)], peaks[(a, d)]) for d in todo[a]],
            AccountState(balances[a], month_payg[a], billed[a], frozenset(settled[a]), tuple(switches.get(a, ()))))
        for a in chunk_ids
    }


def fits(result: AccountSettlement) -> bool:
    """Whether every number of a result fits the database's 64-bit columns."""
    amounts = [abs(to_fen(line.amount)) for line in result.lines] + [abs(to_fen(b.amount)) for b in result.bandwidth_billed.values()]
    return all(v <= INT64 for v in amounts) and all(q <= INT64 for q in result.month_payg.values())


def write_chunk(conn: Connection, run_id: int, through: date, results: dict[str, AccountSettlement], skipped: Sequence[str]) -> None:
    """Write the settled accounts' lines, draws and state; mark their days settled.

    ``skipped`` accounts (that could not be settled) keep their days unsettled for a later run.
    """
    lines = [(account_id, line) for account_id, result in results.items() for line in result.lines]
    if lines:
        line_ids = _new_line_ids(conn, len(lines))
        line_rows, draw_rows = [], []
        for line_id, (account_id, line) in zip(line_ids, lines):
            line_rows.append(dict(id=line_id, account_id=account_id, day=line.day, service=line.service, quantity=line.quantity,
                                  payg_quantity=line.payg_quantity, amount_fen=to_fen(line.amount), supplement=line.supplement,
                                  run_id=run_id))
            draw_rows.extend(dict(line_id=line_id, account_id=account_id, package_id=d.package_id, day=line.day,
                                  service=line.service, quantity=d.quantity, run_id=run_id) for d in line.drawn)
        conn.execute(sa.insert(t.bill_lines), line_rows)
        if draw_rows:
            conn.execute(sa.insert(t.draws), draw_rows)
    remaining = sorted((pid, left) for result in results.values() for pid, left in result.remaining.items())
    if remaining:
        conn.execute(sa.update(t.packages).where(t.packages.c.id == sa.bindparam("pid")).values(remaining=sa.bindparam("left")),
                     [dict(pid=pid, left=left) for pid, left in remaining])
    upsert_set(conn, t.month_payg, sorted(([dict(account_id=a, month=m, service=s, quantity=q)
                                            for a, r in results.items() for (m, s), q in r.month_payg.items()]),
                                          key=lambda x: (x["account_id"], x["month"], x["service"])),
               ("account_id", "month", "service"), ("quantity",))
    upsert_set(conn, t.bandwidth_billed, [dict(account_id=a, day=d, service=s, peak_bytes=b.peak_bytes,
                                               peak_bps=window_bytes_to_bps(b.peak_bytes), amount_fen=to_fen(b.amount))
                                          for a, r in results.items() for (d, s), b in sorted(r.bandwidth_billed.items())],
               ("account_id", "day", "service"), ("peak_bytes", "peak_bps", "amount_fen"))
    insert_ignore(conn, t.settled_days, [dict(account_id=a, day=d) for a, r in results.items() for d in r.newly_settled])
    # what was settled is now everything these days hold: nothing else writes them while we hold the accounts
    done = sorted(results)
    if done:
        dirty, ud = t.usage_dirty, t.usage_daily
        for start in range(0, len(done), 5000):
            part = done[start : start + 5000]
            in_part = sa.and_(dirty.c.account_id.in_(part), dirty.c.day <= through)
            conn.execute(sa.update(ud).where(sa.exists().where(dirty.c.account_id == ud.c.account_id, dirty.c.day == ud.c.day, in_part))
                         .values(settled_mainland=ud.c.mainland, settled_other=ud.c.other))
            conn.execute(sa.delete(dirty).where(in_part))


def _new_line_ids(conn: Connection, n: int) -> list[int]:
    """``n`` new bill line ids, ascending, so that draws can name their line before it is written."""
    if conn.dialect.name == "postgresql":
        return list(conn.execute(
            sa.text("SELECT nextval(pg_get_serial_sequence('bill_lines', 'id')) FROM generate_series(1, :n) ORDER BY 1"), {"n": n}
        ).scalars())
    # SQLite: the writer lock is ours until commit
    first = conn.execute(sa.select(sa.func.coalesce(sa.func.max(t.bill_lines.c.id), 0))).scalar_one() + 1
    return list(range(first, first + n))

