"""Daily settlement (R6, R12) over the database: the rules are ``domain.settle_account``.

Accounts are settled in chunks, each one transaction that holds the chunk's account locks (the
writers' one lock order), so several settlement runs, in several processes, and intake can run
at once: no day is drawn twice, no usage is lost. An account that cannot be settled (its
numbers do not fit, or the engine refuses it) is left unsettled and named in the run's result;
it never holds back the other accounts of its chunk.
"""

from __future__ import annotations

import logging
import os
import socket
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta

from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from ..domain.days import shanghai_day
from ..domain.errors import BillingError, Conflict, InvalidRequest
from ..domain.group import PayerChange, payers_named, settle_paid
from ..domain.settled import chunk_books
from ..domain.settlement import AccountSettlement, AccountState, UsageDay
from ..domain.wallet import Purse
from ..process import gcpause
from ..process.instruments import INSTRUMENTS
from ..storage import books as books_store
from ..storage import fold as fold_store
from ..storage import groups as groups_store
from ..storage import journal as journal_store
from ..storage import notify as notify_store
from ..storage import settlement as settlement_store
from ..storage import wallet as wallet_store
from ..storage.db import Unavailable, is_retryable, is_unavailable
from ..storage.settlement import RunRecord
from . import auto_rebuy, books, idempotency
from .context import Context, not_ahead
from .idempotency import IdempotencyKey

log = logging.getLogger("packbill.settlement")

CHUNK = 500
"""Accounts per transaction."""
ABANDONED_AFTER = timedelta(minutes=10)
"""A run that has not finished and has shown no sign of life for this long was abandoned."""


@dataclass(frozen=True, slots=True)
class SettlementResult:
    run_id: int
    days: int
    lines: int
    failed: list[tuple[str, str]] = field(default_factory=list)
    """(account id, reason) of each account that could not be settled; its days stay unsettled."""
    rebought: list[str] = field(default_factory=list)
    """R28: the orders auto-rebuy made after this run."""


def settle(
    ctx: Context,
    through: date,
    now: datetime | None = None,
    progress: Callable[[int, int], None] | None = None,
    idem: IdempotencyKey | None = None,
) -> SettlementResult:
    """Settle every account's unsettled days up to ``through``, supplements included, in this
    process. ``through`` must have ended (by ``now``, default the clock). ``progress(done,
    total)`` is called with the accounts settled and the accounts in all, at the start and after each chunk."""
    run_id = start(ctx, through, now, idem)
    work(ctx, run_id, progress)
    return finish(ctx, run_id, idem, progress)


def start(ctx: Context, through: date, now: datetime | None = None, idem: IdempotencyKey | None = None, chunk: int = CHUNK) -> int:
    """Begin a run: its accounts cut into chunks that any number of workers, in this process or
    others, on this machine or others, then settle (``work``). Returns the run's id."""
    now = not_ahead(ctx, now, "a settlement run")
    if through >= shanghai_day(now):
        raise InvalidRequest(f"day {through} has not ended yet (Asia/Shanghai); settle only days that have ended")
    with ctx.db.write() as conn:
        idempotency.check(conn, idem)
        settlement_store.close_abandoned(conn, ctx.now(), ctx.now() - ABANDONED_AFTER)
        run_id = settlement_store.start_run(conn, through, ctx.now(), now)
        fold_store.fold_all(conn)  # every event stored before the run is in the sums it settles
        accounts = settlement_store.accounts_to_settle(conn, through)
        settlement_store.add_chunks(conn, run_id, [accounts[i : i + chunk] for i in range(0, len(accounts), chunk)])
    return run_id


def work(ctx: Context, run_id: int, progress: Callable[[int, int], None] | None = None, worker: str | None = None,
         stop: Callable[[], bool] | None = None) -> int:
    """Settle chunks of the run until none is left free (others may still hold some). Each chunk
    is taken, settled and marked done in one transaction: settled once, and a worker that dies
    mid-chunk leaves it to the others. Returns the chunks this worker settled."""
    worker = worker or f"{socket.gethostname()}:{os.getpid()}"
    with ctx.db.read() as conn:
        through, run_at, finished = settlement_store.run_plan(conn, run_id)
    if finished:
        return 0
    plan = _Plan(ctx, run_id, through, run_at, worker)
    settled = 0
    sizes: dict[int, int] = {}

    def report() -> None:  # progress counts accounts: each chunk's size, read once
        if progress:
            with ctx.db.read() as conn:
                sizes.update(sizes or settlement_store.chunk_sizes(conn, run_id))
                done = settlement_store.done_chunks(conn, run_id)
            progress(sum(sizes.get(c, 0) for c in done), sum(sizes.values()))

    report()
    while not (stop and stop()):
        begun = time.perf_counter()
        with gcpause.paused():
            try:
                days = ctx.db.write_retrying(plan.chunk)
            except Unavailable:
                raise
            except Exception as exc:  # noqa: BLE001 - one account's numbers; the chunk is settled account by account
                log.warning("a settlement chunk of run %s failed whole (%s); settling its accounts one by one", run_id,
                            type(exc).__name__)
                days = ctx.db.write_retrying(lambda conn: plan.chunk(conn, careful=True))
        if days is None:
            break
        INSTRUMENTS.settlement_chunk_seconds.observe(time.perf_counter() - begun)
        INSTRUMENTS.settled_account_days.inc(days)
        settled += 1
        report()
    return settled


@dataclass(frozen=True, slots=True)
class _Plan:
    """One worker's part in a run: what it settles and how."""

    ctx: Context
    run_id: int
    through: date
    run_at: datetime
    worker: str

    def chunk(self, conn: Connection, careful: bool = False) -> int | None:
        """Take a free chunk, settle its accounts and mark it done; the account-days settled, or
        None when no chunk is free. ``careful``: settle and write each account apart (the chunk
        failed whole once), so that one cannot hold back the others."""
        taken = settlement_store.take_chunk(conn, self.run_id)
        if taken is None:
            return None
        chunk, accounts = taken
        loaded = settlement_store.load_chunk(conn, accounts, self.through)
        changes = groups_store.payer_changes(conn, loaded)  # R32, read under the members' locks (a change takes them too)
        wallets = groups_store.wallets(conn, loaded, payers_named(changes.values()), lock=True)  # the payers outside the chunk locked too
        through = settlement_store.settled_through(conn)
        if careful:
            steps, problems = self.settle_apart(conn, loaded, changes, wallets, through)
        else:
            steps, problems = self.settle(loaded, changes, wallets, through)
            self.write(conn, steps, {s.account_id: loaded[s.account_id][1] for s in steps})
        days = sum(len(s.result.days) for s in steps)
        settlement_store.chunk_done(conn, self.run_id, chunk, self.ctx.now(), self.worker, days,
                                    sum(len(s.result.lines) for s in steps), problems)
        return days

    def step(self, account_id: str, usage_days: list[UsageDay], state: AccountState, changes: Sequence[PayerChange],
             wallets: dict[str, Purse], settled_through: date | None) -> _Settled:
        """The rules on one account: its days, each stretch paid by its payer of those days (R32);
        refused (``_Refused``) when the rules refuse it or its numbers do not fit the database."""
        try:
            paid = settle_paid(account_id, usage_days, state, changes, wallets, self.ctx.catalogs(), run_at=self.run_at,
                               settled_through=settled_through)
        except (BillingError, ArithmeticError, ValueError, KeyError) as exc:
            raise _Refused(f"the rules could not settle it: {exc}"[:400]) from None
        after = paid.wallets
        if not settlement_store.fits(paid.result) or not all(settlement_store.cash_fits(w) for w in after.values()):
            raise _Refused("an amount or quantity is too large to store; its days stay unsettled")
        return _Settled(account_id, paid.result, {o: wallets.get(o, state.purse) for o in after}, after, paid.events)

    def settle(self, loaded: dict[str, tuple[list[UsageDay], AccountState]], changes: dict[str, list[PayerChange]],
               wallets: dict[str, Purse], settled_through: date | None) -> tuple[list[_Settled], list[tuple[str, str]]]:
        """The rules on each account of a chunk, in order, the wallets carried from one to the next:
        what each settled, and (account, reason) of those the rules refused or whose numbers do
        not fit the database."""
        steps: list[_Settled] = []
        problems: list[tuple[str, str]] = []
        wallets = dict(wallets)
        for account_id, (usage_days, state) in loaded.items():
            try:
                step = self.step(account_id, usage_days, state, changes.get(account_id, ()), wallets, settled_through)
            except _Refused as refused:
                problems.append((account_id, refused.reason))
                continue
            wallets.update(step.after)
            steps.append(step)
        return steps, problems

    def write(self, conn: Connection, steps: Sequence[_Settled], states: dict[str, AccountState]) -> None:
        """Write what settling these accounts means (``domain.settled.chunk_books``): lines, state,
        money, journal, wallet events and notifications. The final months are read under the
        accounts' locks, which finalising a month takes too."""
        day = shanghai_day(self.run_at)
        results = {s.account_id: s.result for s in steps}
        purses: dict[str, tuple[Purse, Purse]] = {}
        for s in steps:
            for owner, after in s.after.items():
                purses[owner] = (purses[owner][0] if owner in purses else s.before[owner], after)
        raised = [e for s in steps for e in s.events]
        books = chunk_books(self.run_id, results, states, day, books_store.final_month_rows(conn), self.ctx.delays.suspend_after,
                            paid=(raised, {o: after for o, (_, after) in purses.items()}))
        settlement_store.write_lines(conn, self.run_id, results, books.statement_months)
        settlement_store.write_state(conn, self.through, results)
        wallet_store.save_purses(conn, {o: (b, a) for o, (b, a) in purses.items() if a != b})
        journal_store.write_many(conn, books.entries, self.run_at)
        wallet_store.insert_events(conn, books.wallet_events, self.run_at, day)
        notify_store.emit(conn, books.notifications, self.run_at)

    def settle_apart(self, conn: Connection, loaded: dict[str, tuple[list[UsageDay], AccountState]],
                     changes: dict[str, list[PayerChange]], wallets: dict[str, Purse], settled_through: date | None
                     ) -> tuple[list[_Settled], list[tuple[str, str]]]:
        """Settle and write each account in a savepoint of its own, the wallets carried on only
        from those written; returns what was written, and (account, reason) of those the rules
        or the database refused (their days stay unsettled)."""
        steps: list[_Settled] = []
        refused: list[tuple[str, str]] = []
        wallets = dict(wallets)
        for account_id, (usage_days, state) in loaded.items():
            try:
                step = self.step(account_id, usage_days, state, changes.get(account_id, ()), wallets, settled_through)
                with conn.begin_nested():
                    self.write(conn, [step], {account_id: state})
            except _Refused as exc:
                refused.append((account_id, exc.reason))
                continue
            except Exception as exc:  # noqa: BLE001 - sorted below: the database's own trouble goes on up
                if is_retryable(exc) or is_unavailable(exc):
                    raise
                refused.append((account_id, f"its settlement could not be stored ({type(exc).__name__}: {str(exc)[:200]}); "
                                            "its days stay unsettled"[:400]))
                continue
            wallets.update(step.after)
            steps.append(step)
        return steps, refused


@dataclass(frozen=True, slots=True)
class _Settled:
    """One account settled in a chunk: the engine's result, and the wallets it moved (its own and
    its payers', R32) before and after, with the wallet events each raised."""

    account_id: str
    result: AccountSettlement
    before: dict[str, Purse]
    after: dict[str, Purse]
    events: list[tuple[str, str]]


class _Refused(Exception):
    """An account the rules refused, or whose numbers do not fit the database."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


WAIT = 0.2
"""Seconds between looks at a run whose last chunks other workers hold."""


def finish(ctx: Context, run_id: int, idem: IdempotencyKey | None = None,
           progress: Callable[[int, int], None] | None = None) -> SettlementResult:
    """End a run once every chunk is settled: chunks a dead worker left are settled here. Then
    the daily job's books: breakage, then the months now final."""
    while True:
        work(ctx, run_id, progress)
        with ctx.db.read() as conn:
            done, total, days, lines, failed = settlement_store.run_progress(conn, run_id)
            through, run_at, closed = settlement_store.run_plan(conn, run_id)
        if done == total:
            break
        time.sleep(WAIT)  # other workers hold the rest; if one dies, its chunk is free again at once
    if closed:  # not finished (only this call finishes it): another run closed it as abandoned
        raise Conflict(f"settlement run {run_id} was silent for {ABANDONED_AFTER} and was closed as abandoned; settle again",
                       {"run_id": run_id})
    books.close_expired(ctx, through, run_at)
    books.finalise_months(ctx, through, run_at)
    rebought = auto_rebuy.rebuy(ctx, run_at)  # R28: only settlement buys; a trigger acted on once, whoever finishes
    with ctx.db.write() as conn:
        settlement_store.record_failures(conn, run_id, failed)
        settlement_store.finish_run(conn, run_id, ctx.now(), days, lines, len(failed))
        if idem is not None:
            with conn.begin_nested() as claimed:
                try:
                    idempotency.claim(conn, idem, str(run_id), ctx.now())
                except IntegrityError:  # the same key finished another run meanwhile: both are the same settlement
                    claimed.rollback()
    return SettlementResult(run_id, days, lines, failed, [o.order_id for o in rebought.bought if o.order_id])


def pending_runs(ctx: Context) -> list[int]:
    """Runs not finished with chunks left: what a long-running worker looks for."""
    with ctx.db.read() as conn:
        return settlement_store.runs_with_work(conn)


@dataclass(frozen=True, slots=True)
class RunView:
    run: RunRecord
    status: str
    """finished, running, or abandoned (not finished and silent for ABANDONED_AFTER)."""
    failed: list[tuple[str, str]]


def runs(ctx: Context, limit: int = 20) -> list[RunView]:
    """The latest settlement runs, newest first, each with its status and the accounts it could not settle."""
    now = ctx.now()
    with ctx.db.read() as conn:
        records = settlement_store.list_runs(conn, limit)
        failures = {r.id: settlement_store.run_failures(conn, r.id) for r in records if r.failed}
        progress = {r.id: settlement_store.run_progress(conn, r.id) for r in records if r.finished_at is None and r.abandoned_at is None}
    out = []
    for r in records:
        if r.id in progress:  # not closed yet: what its chunks have done so far
            _, _, days, lines, failed = progress[r.id]
            r = replace(r, days=days, lines=lines, failed=len(failed))
            failures[r.id] = failed
        if r.finished_at is not None:
            status = "finished"
        elif r.abandoned_at is not None or now - (r.heartbeat_at or r.started_at) > ABANDONED_AFTER:
            status = "abandoned"
        else:
            status = "running"
        out.append(RunView(r, status, failures.get(r.id, [])))
    return out


def run_result(ctx: Context, run_id: int) -> SettlementResult:
    """A finished run's result (for replaying a settlement's answer)."""
    with ctx.db.read() as conn:
        (record,) = [r for r in settlement_store.list_runs(conn, 10_000) if r.id == run_id]
        return SettlementResult(run_id, record.days, record.lines, settlement_store.run_failures(conn, run_id))
