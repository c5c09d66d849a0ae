"""Settlement's reads and writes: the runs, a chunk of accounts' unsettled days and state in,
the engine's results out. No rule lives here: ``domain.settle_account`` decides everything, and
``domain.settled.chunk_books`` what else a settled chunk writes (``services.settlement`` writes it).

A chunk is read with a handful of bulk queries (only the account-days that intake marked
unsettled, never history; each day's peak window comes from the database as a MAX) and written
back in bulk, under the chunk's account locks (``sql.lock_accounts``).
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from ..domain.days import month_start
from ..domain.model import Balance
from ..domain.money import from_fen, to_fen, window_bytes_to_bps
from ..domain.settlement import AccountSettlement, AccountState, BandwidthBilled, UsageDay
from . import schema
from .accounts import switches_of
from .packages import load_packages
from .sql import Raw, day_value, from_us, lock_accounts, new_ids, to_us, upsert_set
from .wallet import load_purses, load_rates

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
    abandoned_at: datetime | None = None


def close_abandoned(conn: Connection, now: datetime, silent_since: datetime) -> list[int]:
    """Close every run that has not finished and has shown no sign of life since ``silent_since``
    as abandoned, with the account-days, lines and failures its chunks did; returns their ids.
    Their chunks left undone are dropped: the next run settles those accounts."""
    closed = []
    for record in list_runs(conn, 10_000, open_only=True):
        if record.heartbeat_at is not None and record.heartbeat_at >= silent_since:
            continue
        _, _, days, lines, failed = run_progress(conn, record.id)
        r = schema.settlement_runs
        conn.execute(sa.update(r).where(r.c.id == record.id, r.c.finished_us.is_(None), r.c.abandoned_us.is_(None))
                     .values(abandoned_us=to_us(now), days=days, lines=lines, failed=len(failed)))
        record_failures(conn, record.id, failed)
        c = schema.settlement_chunks
        conn.execute(sa.delete(c).where(c.c.run_id == record.id, c.c.done_us.is_(None)))
        closed.append(record.id)
    return closed


def start_run(conn: Connection, through: date, now: datetime, run_at: datetime | None = None) -> int:
    return conn.execute(sa.insert(schema.settlement_runs).values(through=through, started_us=to_us(now), heartbeat_us=to_us(now),
                                                            run_at_us=to_us(run_at or now))
                        .returning(schema.settlement_runs.c.id)).scalar_one()


def run_plan(conn: Connection, run_id: int) -> tuple[date, datetime, bool]:
    """A run's ``through``, the moment it acts at, and whether it is closed (finished, or closed
    as abandoned)."""
    r = schema.settlement_runs
    row = conn.execute(sa.select(r.c.through, r.c.run_at_us, r.c.started_us, r.c.finished_us, r.c.abandoned_us)
                       .where(r.c.id == run_id)).one()
    closed = row.finished_us is not None or row.abandoned_us is not None
    return day_value(row.through), from_us(row.run_at_us if row.run_at_us is not None else row.started_us), closed


def add_chunks(conn: Connection, run_id: int, chunks: Sequence[Sequence[str]]) -> None:
    if chunks:
        conn.execute(sa.insert(schema.settlement_chunks), [dict(run_id=run_id, chunk=i, accounts=json.dumps(list(c)))
                                                     for i, c in enumerate(chunks)])


def take_chunk(conn: Connection, run_id: int) -> tuple[int, list[str]] | None:
    """A pending chunk of the run, held (FOR UPDATE SKIP LOCKED on PostgreSQL: the chunks other
    workers hold are passed over; on SQLite the write lock is the writer's alone) until this
    transaction ends; None when no chunk is free."""
    c = schema.settlement_chunks
    query = sa.select(c.c.chunk, c.c.accounts).where(c.c.run_id == run_id, c.c.done_us.is_(None)).order_by(c.c.chunk).limit(1)
    if conn.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    row = conn.execute(query).first()
    return (row.chunk, json.loads(row.accounts)) if row else None


def chunk_done(conn: Connection, run_id: int, chunk: int, now: datetime, by: str, days: int, lines: int,
               failed: Sequence[tuple[str, str]]) -> None:
    c = schema.settlement_chunks
    conn.execute(sa.update(c).where(c.c.run_id == run_id, c.c.chunk == chunk).values(
        done_us=to_us(now), done_by=by[:200], days=days, lines=lines, failed=json.dumps([list(f) for f in failed]) if failed else None))


def run_progress(conn: Connection, run_id: int) -> tuple[int, int, int, int, list[tuple[str, str]]]:
    """(chunks done, chunks in all, account-days, lines, failures) of a run so far."""
    c = schema.settlement_chunks
    rows = conn.execute(sa.select(c.c.done_us, c.c.days, c.c.lines, c.c.failed).where(c.c.run_id == run_id)).all()
    done = [r for r in rows if r.done_us is not None]
    failed = [tuple(f) for r in done if r.failed for f in json.loads(r.failed)]
    return len(done), len(rows), sum(r.days for r in done), sum(r.lines for r in done), failed


def chunk_sizes(conn: Connection, run_id: int) -> dict[int, int]:
    """How many accounts each chunk of a run holds (read once: the lists do not change)."""
    c = schema.settlement_chunks
    return {r.chunk: len(json.loads(r.accounts)) for r in conn.execute(sa.select(c.c.chunk, c.c.accounts).where(c.c.run_id == run_id))}


def done_chunks(conn: Connection, run_id: int) -> list[int]:
    c = schema.settlement_chunks
    return list(conn.execute(sa.select(c.c.chunk).where(c.c.run_id == run_id, c.c.done_us.is_not(None))).scalars())


def runs_with_work(conn: Connection) -> list[int]:
    """Runs not finished that still have pending chunks, oldest first."""
    c, r = schema.settlement_chunks, schema.settlement_runs
    return [x[0] for x in conn.execute(sa.select(c.c.run_id).join(r, r.c.id == c.c.run_id)
                                       .where(c.c.done_us.is_(None), r.c.finished_us.is_(None), r.c.abandoned_us.is_(None))
                                       .distinct().order_by(c.c.run_id))]


def finish_run(conn: Connection, run_id: int, now: datetime, days: int, lines: int, failed: int) -> None:
    conn.execute(sa.update(schema.settlement_runs).where(schema.settlement_runs.c.id == run_id)
                 .values(finished_us=to_us(now), heartbeat_us=to_us(now), days=days, lines=lines, failed=failed))


def record_failures(conn: Connection, run_id: int, failures: Sequence[tuple[str, str]]) -> None:
    if failures:
        conn.execute(sa.insert(schema.settlement_failures), [dict(run_id=run_id, account_id=a, reason=r) for a, r in failures])


def settled_through(conn: Connection) -> date | None:
    """R12: the last day a finished run went through; every day up to it is settled for all."""
    value = conn.execute(sa.select(sa.func.max(schema.settlement_runs.c.through)).where(schema.settlement_runs.c.finished_us.is_not(None))).scalar()
    return day_value(value) if value is not None else None


def list_runs(conn: Connection, limit: int = 20, open_only: bool = False) -> list[RunRecord]:
    """The latest runs (``open_only``: those neither finished nor closed as abandoned); a run's
    sign of life is its heartbeat or its latest chunk done."""
    r_, c = schema.settlement_runs, schema.settlement_chunks
    last_chunk = sa.select(sa.func.max(c.c.done_us)).where(c.c.run_id == r_.c.id).scalar_subquery()
    query = sa.select(r_, last_chunk.label("chunk_us")).order_by(r_.c.id.desc()).limit(limit)
    if open_only:
        query = query.where(r_.c.finished_us.is_(None), r_.c.abandoned_us.is_(None))
    out = []
    for r in conn.execute(query):
        alive = max((x for x in (r.heartbeat_us, r.chunk_us) if x is not None), default=None)
        out.append(RunRecord(r.id, day_value(r.through), from_us(r.started_us), from_us(r.finished_us) if r.finished_us else None,
                             from_us(alive) if alive else None, r.days, r.lines, r.failed,
                             from_us(r.abandoned_us) if r.abandoned_us else None))
    return out


def run_failures(conn: Connection, run_id: int) -> list[tuple[str, str]]:
    f = schema.settlement_failures
    return [(r.account_id, r.reason) for r in conn.execute(sa.select(f).where(f.c.run_id == run_id).order_by(f.c.account_id))]


def last_settled_day(conn: Connection, account_id: str) -> date | None:
    """The latest day settled for this account, counting days every account has settled (R7, R12)."""
    own = conn.execute(sa.select(sa.func.max(schema.settled_days.c.day)).where(schema.settled_days.c.account_id == account_id)).scalar()
    days = [d for d in (settled_through(conn), day_value(own) if own is not None else None) if d is not None]
    return max(days, default=None)


# -- a chunk ------------------------------------------------------------------------------------

def accounts_to_settle(conn: Connection, through: date) -> list[str]:
    dirty = schema.usage_dirty
    return [r[0] for r in conn.execute(sa.select(dirty.c.account_id).where(dirty.c.day <= through).distinct().order_by(dirty.c.account_id))]


def load_chunk(conn: Connection, account_ids: Sequence[str], through: date, *, lock: bool = True
               ) -> dict[str, tuple[list[UsageDay], AccountState]]:
    """Lock the accounts (unless ``lock`` is False: a read for an estimate) and read each one's
    unsettled days through ``through`` and its state."""
    ids = sorted(account_ids)
    if lock:
        lock_accounts(conn, ids)
    raw = Raw(conn)
    where = f"u.account_id IN ({', '.join([raw.mark] * len(ids))}) AND u.day <= {raw.mark}"
    args = [*ids, raw.day(through)]

    def joined(table: str, columns: str, tail: str = "") -> list[tuple]:
        return raw.all(f"SELECT {columns} FROM {table} x JOIN usage_dirty u ON x.account_id = u.account_id AND x.day = u.day "
                       f"WHERE {where} {tail}", args)

    todo: dict[str, list[date]] = defaultdict(list)
    days: dict[object, date] = {}

    def day_of(value) -> date:
        found = days.get(value)
        if found is None:
            found = days[value] = day_value(value)
        return found

    for account_id, day in raw.all(f"SELECT u.account_id, u.day FROM usage_dirty u WHERE {where} ORDER BY 1, 2", args):
        todo[account_id].append(day_of(day))
    if not todo:
        return {}
    usage, peaks, billed, settled = _unsettled_days(joined, day_of)
    chunk_ids = list(todo)
    months = {month_start(d) for days in todo.values() for d in days}
    mp = schema.month_payg
    month_payg: dict[str, dict[tuple[date, str], int]] = defaultdict(dict)
    for r in conn.execute(sa.select(mp).where(mp.c.account_id.in_(chunk_ids), mp.c.month.in_(months))):
        month_payg[r.account_id][(day_value(r.month), r.service)] = r.quantity
    balances: dict[str, dict[str, Balance]] = defaultdict(dict)
    for package, remaining in load_packages(conn, chunk_ids):
        balances[package.account_id][package.id] = Balance(package, remaining)
    switches = switches_of(conn, chunk_ids)
    purses = load_purses(conn, chunk_ids)
    rates = load_rates(conn, chunk_ids)
    return {
        a: ([UsageDay(d, *usage[(a, d)], peaks[(a, d)]) for d in todo[a]],
            AccountState(balances[a], month_payg[a], billed[a], frozenset(settled[a]), tuple(switches.get(a, ())), rates[a], purses[a]))
        for a in chunk_ids
    }


def _unsettled_days(joined, day_of):
    """The chunk's unsettled account-days: each one's usage not settled yet (mainland, other),
    its peak windows, what its bandwidth was billed, and the days each account has settled."""
    usage: dict[tuple[str, date], tuple[dict[str, int], dict[str, int]]] = defaultdict(lambda: ({}, {}))
    for account_id, day, service, mainland_q, other_q, settled_m, settled_o in joined(
            "usage_daily", "x.account_id, x.day, x.service, x.mainland, x.other, x.settled_mainland, x.settled_other"):
        mainland, other = usage[(account_id, day_of(day))]
        if mainland_q > settled_m:
            mainland[service] = mainland_q - settled_m
        if other_q > settled_o:
            other[service] = other_q - settled_o
    peaks: dict[tuple[str, date], dict[str, int]] = defaultdict(dict)
    for account_id, day, service, peak in joined("usage_windows", "x.account_id, x.day, x.service, max(x.bytes)",
                                                 "GROUP BY x.account_id, x.day, x.service"):
        peaks[(account_id, day_of(day))][service] = int(peak)
    billed: dict[str, dict[tuple[date, str], BandwidthBilled]] = defaultdict(dict)
    for account_id, day, service, peak_bytes, amount_fen, list_fen in joined(
            "bandwidth_billed", "x.account_id, x.day, x.service, x.peak_bytes, x.amount_fen, x.list_amount_fen"):
        billed[account_id][(day_of(day), service)] = BandwidthBilled(peak_bytes, from_fen(amount_fen),
                                                                     from_fen(list_fen if list_fen is not None else amount_fen))
    settled: dict[str, set[date]] = defaultdict(set)
    for account_id, day in joined("settled_days", "x.account_id, x.day"):
        settled[account_id].add(day_of(day))
    return usage, peaks, billed, settled


def fits(result: AccountSettlement) -> bool:
    """Whether every number of a result fits the database's 64-bit columns."""
    amounts = [abs(to_fen(line.amount)) for line in result.lines] + [abs(to_fen(b.amount)) for b in result.bandwidth_billed.values()]
    amounts.append(abs(to_fen(result.state.purse.cash)))
    return all(v <= INT64 for v in amounts) and all(q <= INT64 for q in result.month_payg.values())


def cash_fits(purse) -> bool:
    """Whether a wallet's cash fits the database's 64-bit column."""
    return abs(to_fen(purse.cash)) <= INT64


def write_lines(conn: Connection, run_id: int, results: dict[str, AccountSettlement], months: dict[date, date]) -> None:
    """Write the settled accounts' bill lines with their draws and voucher payments; ``months``:
    each line's day and its statement month."""
    lines = [(account_id, line) for account_id, result in results.items() for line in result.lines]
    if not lines:
        return
    raw = Raw(conn)
    line_rows, draw_rows, voucher_rows = [], [], []
    days: dict[date, object] = {}
    for line_id, (account_id, line) in zip(new_ids(conn, "bill_lines", len(lines)), lines, strict=True):
        day = days.get(line.day)
        if day is None:
            day = days[line.day] = raw.day(line.day)
        paid = line.paid
        amount = int(line.amount.scaleb(2))  # bill amounts are whole fen by construction (round_line)
        listed = amount if line.list_amount is line.amount else (int(line.list_amount.scaleb(2)) if line.list_amount is not None else None)
        cash = amount if paid.cash is line.amount else int(paid.cash.scaleb(2))
        line_rows.append((line_id, account_id, day, line.service, line.quantity, line.payg_quantity, amount,
                          raw.bool(line.supplement), run_id, listed, to_fen(paid.voucher_total) if paid.vouchers else 0, cash,
                          line.other, raw.day(months[line.day]), line.paid_by))
        draw_rows += [(line_id, account_id, d.package_id, day, line.service, d.quantity, run_id) for d in line.drawn]
        voucher_rows += [(account_id, line_id, v, to_fen(a)) for v, a in paid.vouchers]
    raw.many("INSERT INTO bill_lines (id, account_id, day, service, quantity, payg_quantity, amount_fen, supplement, run_id, "
             "list_amount_fen, voucher_fen, cash_fen, other_quantity, statement_month, paid_by) "
             "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", line_rows)
    if draw_rows:
        raw.many("INSERT INTO draws (line_id, account_id, package_id, day, service, quantity, run_id) VALUES (?, ?, ?, ?, ?, ?, ?)",
                 draw_rows)
    if voucher_rows:
        raw.many("INSERT INTO line_vouchers (account_id, line_id, voucher_id, amount_fen) VALUES (?, ?, ?, ?)", voucher_rows)


def write_state(conn: Connection, through: date, results: dict[str, AccountSettlement]) -> None:
    """Write the settled accounts' new state (what each package has left, the month's
    pay-as-you-go quantities, each day's billed peak) and mark their days settled through
    ``through``: what was settled is now everything these days hold."""
    remaining = sorted((a, pid, left) for a, result in results.items() for pid, left in result.remaining.items())
    if remaining:  # by the account and the id: the packages' unique key (the id alone would read every package)
        Raw(conn).many("UPDATE packages SET remaining = ? WHERE account_id = ? AND id = ?", [(left, a, pid) for a, pid, left in remaining])
    upsert_set(conn, schema.month_payg, sorted(([dict(account_id=a, month=m, service=s, quantity=q)
                                                 for a, r in results.items() for (m, s), q in r.month_payg.items()]),
                                               key=lambda x: (x["account_id"], x["month"], x["service"])),
               ("account_id", "month", "service"), ("quantity",))
    upsert_set(conn, schema.bandwidth_billed, [dict(account_id=a, day=d, service=s, peak_bytes=b.peak_bytes,
                                                    peak_bps=window_bytes_to_bps(b.peak_bytes), amount_fen=to_fen(b.amount),
                                                    list_amount_fen=to_fen(b.list_amount))
                                               for a, r in results.items() for (d, s), b in sorted(r.bandwidth_billed.items())],
               ("account_id", "day", "service"), ("peak_bytes", "peak_bps", "amount_fen", "list_amount_fen"))
    new_days = [(a, d) for a, r in results.items() for d in r.newly_settled]
    if new_days:
        raw = Raw(conn)
        raw.many("INSERT INTO settled_days (account_id, day) VALUES (?, ?)", [(a, raw.day(d)) for a, d in new_days])
    # nothing else writes these days while we hold the accounts
    done = sorted(results)
    dirty, ud = schema.usage_dirty, schema.usage_daily
    for start in range(0, len(done), 5000):
        part = done[start : start + 5000]
        in_part = sa.and_(dirty.c.account_id.in_(part), dirty.c.day <= through)
        # the chunk's own rows first (the key's range), then those of its unsettled days: not a scan of every account's days
        conn.execute(sa.update(ud).where(ud.c.account_id.in_(part), ud.c.day <= through,
                                         sa.exists().where(dirty.c.account_id == ud.c.account_id, dirty.c.day == ud.c.day))
                     .values(settled_mainland=ud.c.mainland, settled_other=ud.c.other))
        conn.execute(sa.delete(dirty).where(in_part))
