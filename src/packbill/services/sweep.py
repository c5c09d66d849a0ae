"""R11, R19, R20, R26: the live sweep, which raises reminders within a minute of the usage that
causes them. Reminders are facts derived from the packages, the draws and the wallet; the sweep
notices them and writes each once (its once-key), whichever process notices it first."""

from __future__ import annotations

from collections.abc import Iterable

from ..domain import notify
from ..domain.days import shanghai_day
from ..domain.errors import NotFound
from ..domain.wallet import PaymentTerms, WalletState
from ..storage import accounts as accounts_store
from ..storage import controls as controls_store
from ..storage import notify as notify_store
from ..storage import wallet as wallet_store
from . import budget
from .context import Context


def sweep(ctx: Context, account_ids: Iterable[str]) -> int:
    """R11, R19, R20, R26: raise the reminders the accounts have now, the unsettled usage
    estimated by the settlement engine, each once. Returns the events written."""
    from .estimate import estimate_run
    from .reads import recent_anomalies, reminders

    now = ctx.now()
    day = shanghai_day(now)
    written = 0
    for account_id in account_ids:
        estimated = estimate_run(ctx, account_id, now)  # once: the reminders and the low balance both read it
        try:
            found = reminders(ctx, account_id, now, estimate=estimated)
        except NotFound:
            continue
        events: list[tuple] = []  # (account, type, data, once-key[, when it happened])
        with ctx.db.read() as conn:
            switches = accounts_store.load_switches(conn, account_id)
            purse = wallet_store.load_purse(conn, account_id)
            limits = controls_store.limits(conn, account_id)
        since = max((s.effective_day for s in switches if s.effective_day <= day), default=None)
        for r in found:  # each dated when it happened: a package used up in October reads October
            kind, data, once = notify.reminder_event(r, since.isoformat() if since else None)
            happened = max(since or r.package.first_day, r.package.first_day) if r.kind == "frozen" else r.day
            events.append((account_id, kind, data, f"{account_id}:{once}", notify.dated(happened, now)))
        for a in recent_anomalies(ctx, account_id, now):  # R30: each settled day judged once, dated the day it concerns
            events.append((account_id, "reminder.anomaly", notify.anomaly_data(a), f"{account_id}:{notify.anomaly_key(a)}",
                           notify.dated(a.day, now)))
        if limits:  # R30: the budget's alerts and the caps, on the same estimate
            events += budget.events(account_id, budget.view(ctx, account_id, now, estimated, limits), now)
        if estimated is not None and "low_balance" in estimated.events:
            events.append((account_id, "wallet.low_balance", {"day": day.isoformat(), "estimated_balance": str(estimated.state.purse.cash),
                                                             "balance": str(estimated.state.purse.cash), "threshold": str(purse.threshold),
                                                             "estimate": True},
                           notify.low_balance_key(account_id, day)))
        if purse.terms is PaymentTerms.BALANCE and purse.arrears_since is not None:
            suspended = purse.arrears_since + ctx.delays.suspend_after
            for step, when in ((WalletState.SUSPENDED, suspended), (WalletState.RECLAIM_DUE, suspended + ctx.delays.reclaim_after)):
                if when <= now:  # a step noticed late (a server started later) is dated when it was reached
                    events.append((account_id, f"wallet.{step.value}", {"arrears_since": purse.arrears_since.isoformat()},
                                   f"{account_id}:{step.value}:{int(purse.arrears_since.timestamp())}", when))
        if events:
            with ctx.db.write() as conn:
                written += notify_store.emit(conn, events, now)
    return written


def sweep_touched(ctx: Context) -> int:
    """The live sweep's round: the accounts whose usage arrived in this process since the last."""
    return sweep(ctx, ctx.touched.take()) if ctx.touched is not None else 0


def sweep_all(ctx: Context) -> int:
    """The daily sweep (after the scheduled settlement): every account's reminders."""
    with ctx.db.read() as conn:
        ids = [a.id for a in accounts_store.list_accounts(conn)]
    return sweep(ctx, ids)
