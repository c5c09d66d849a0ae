"""What customers and operators look at: packages, bills, reminders."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from ..domain.anomaly import WINDOW, Anomaly, anomalies
from ..domain.catalog import USAGE_SERVICES
from ..domain.days import shanghai_day
from ..domain.draw_order import in_draw_order
from ..domain.errors import InvalidRequest
from ..domain.model import BillLine, PackageStatus
from ..domain.package_forecast import RECENT_DAYS, PackageForecast, daily_rates, forecast_packages
from ..domain.reference import PackageView
from ..domain.reminders import (
    DEFAULT_ALERT_PERCENT,
    PackageHistory,
    Reminder,
    active_left,
    forfeit_reminders,
    package_low_reminders,
    reminders_at,
)
from ..domain.status import package_status, remaining_of
from ..domain.traffic_billing import mode_on, requested_by
from ..domain.wallet import WalletReminder
from ..domain.wallet import wallet_reminders as domain_wallet_reminders
from ..storage import accounts as accounts_store
from ..storage import packages as packages_store
from ..storage import reads
from . import auto_rebuy, budget
from .context import Context
from .estimate import estimate_run, held_and_mode
from .usage import sum_pending


def list_packages(ctx: Context, account_id: str, as_of: datetime | None = None, status: str | None = None) -> list[PackageView]:
    """The account's packages bought by ``as_of``, in draw order, with what remained then.

    ``remaining`` counts every day settled up to ``as_of``'s day: for a moment in the past
    the draws after that day are left out.
    """
    now = ctx.now()
    as_of = as_of or now
    wanted = None
    if status is not None:
        try:
            wanted = PackageStatus(status)
        except ValueError:
            raise InvalidRequest(f"status must be one of {', '.join(s.value for s in PackageStatus)}") from None
    day = shanghai_day(as_of)
    with ctx.db.read() as conn:
        held, mode = held_and_mode(conn, account_id, as_of)
        if as_of < now:  # what was bought by then, with what remained after the days settled by then
            drawn = packages_store.drawn_through(conn, account_id, day)
            held = [(p, p.size - drawn.get(p.id, 0)) for p, _ in held if p.purchased_at <= as_of]
    remaining = {p.id: r for p, r in held}
    views = [PackageView(p, remaining[p.id], package_status(p, remaining[p.id], as_of, mode, day)) for p in in_draw_order(p for p, _ in held)]
    return [v for v in views if wanted is None or v.status is wanted]


def package_forecasts(ctx: Context, account_id: str, left: Mapping[str, int]) -> dict[str, PackageForecast]:
    """R29: each active package's forecast now, at the account's mainland usage rate of the last 30
    days (none for a service without usage), from what it has left now (``left``: the R26
    estimate the package list shows), at the traffic billing type in force today."""
    now = ctx.now()
    today = shanghai_day(now)
    sum_pending(ctx)
    with ctx.db.read() as conn:
        held, mode = held_and_mode(conn, account_id, now)
        usage = reads.daily_usage(conn, account_id, today - timedelta(days=RECENT_DAYS), today - timedelta(days=1))
    recent: dict[str, int] = {}
    for row in usage:
        recent[row.service] = recent.get(row.service, 0) + row.mainland
    active = [(p, left.get(p.id, remaining)) for p, remaining in held if p.refunded_at is None]
    return forecast_packages(active, daily_rates(recent), today, mode)


def bills(ctx: Context, account_id: str, first: date, last: date) -> list[BillLine]:
    """Bill lines of the days ``first`` to ``last``, each with the packages that paid."""
    if first > last:
        raise InvalidRequest("'from' must not be after 'to'")
    with ctx.db.read() as conn:
        accounts_store.get_account(conn, account_id)
        return reads.bill_lines(conn, account_id, first, last)


LIVE = timedelta(minutes=1)
"""A read "now" (within this of the clock) counts the usage not yet settled, as estimated (R26)."""


def estimated_draws(ctx: Context, account_id: str, as_of: datetime) -> dict[str, list[tuple[date, int]]]:
    """R26: per package, the draws settling the unsettled usage now would make (same engine)."""

    return _draws_by_package(estimate_run(ctx, account_id, as_of))


def _draws_by_package(result) -> dict[str, list[tuple[date, int]]]:
    out: dict[str, list[tuple[date, int]]] = {}
    for day, _service, d in (result.draws if result is not None else []):
        out.setdefault(d.package_id, []).append((day, d.quantity))
    return out


_ESTIMATE_HERE = object()


def remaining_now(ctx: Context, account_id: str) -> dict[str, int]:
    """R26: what each package has left now, unsettled usage included (an estimate)."""
    with ctx.db.read() as conn:
        held = packages_store.load_packages(conn, account_id)
    extra = estimated_draws(ctx, account_id, ctx.now())
    return {p.id: max(0, left - sum(q for _, q in extra.get(p.id, ()))) for p, left in held}


def reminders(ctx: Context, account_id: str, as_of: datetime | None = None, estimate=_ESTIMATE_HERE) -> list[Reminder]:
    """R11 reminders at ``as_of``; asked about now, the usage not yet settled counts (R26), so
    that running low or out shows within a minute of the usage, not the next morning.
    ``estimate``: the engine's result on the unsettled usage at ``as_of`` (``estimate_run``),
    when the caller has it already; else it is made here."""
    now = ctx.now()
    as_of = as_of or now
    day = shanghai_day(as_of)
    with ctx.db.read() as conn:
        accounts_store.get_account(conn, account_id)
        packages = [p for p, _ in packages_store.load_packages(conn, account_id)]
        history = packages_store.draws_by_package(conn, [p.id for p in packages], through=day)
        mode = mode_on(day, requested_by(accounts_store.load_switches(conn, account_id), as_of))
        thresholds = accounts_store.package_alerts(conn, account_id)
    if abs(as_of - now) <= LIVE:
        found = estimated_draws(ctx, account_id, as_of) if estimate is _ESTIMATE_HERE else _draws_by_package(estimate)
        for pid, draws in found.items():
            history[pid] = [*history.get(pid, []), *draws]
    histories = [PackageHistory(p, history[p.id]) for p in in_draw_order(packages)]
    out = reminders_at(day, histories, mode, ctx.catalog.low_thresholds)
    if abs(as_of - now) <= LIVE:  # R29: the forecast and the package alerts are made now, so their reminders are too
        left = {h.package.id: remaining_of(h.package, h.daily_draws) for h in histories}
        out += forfeit_reminders(day, packages, package_forecasts(ctx, account_id, left), left)
        out += package_low_reminders(day, [(p, left[p.id]) for p in packages], mode, thresholds)
    return out


@dataclass(frozen=True, slots=True)
class PackageAlert:
    """R29: a service's package alert: its threshold (None: off), whether it is the default, and
    what the service's active packages have left now as a share of what they held (None: none)."""

    service: str
    threshold_percent: int | None
    default: bool
    left_percent: Decimal | None


def package_alerts(ctx: Context, account_id: str, left: Mapping[str, int] | None = None) -> list[PackageAlert]:
    """R29: every usage service's package alert, with what its active packages have left now (the
    same share the alert compares: ``domain.reminders.active_left``). ``left``: what each package
    has left now (``remaining_now``), when the caller has it already; else it is made here."""
    now = ctx.now()
    with ctx.db.read() as conn:
        held, mode = held_and_mode(conn, account_id, now)
        thresholds = accounts_store.package_alerts(conn, account_id)
    if left is None:
        left = remaining_now(ctx, account_id)
    shares = active_left(shanghai_day(now), [(p, left.get(p.id, r)) for p, r in held], mode)
    return [PackageAlert(service, thresholds.get(service, DEFAULT_ALERT_PERCENT), service not in thresholds,
                         (Decimal(100 * shares[service][0]) / shares[service][1]).quantize(Decimal("0.1"), ROUND_HALF_UP)
                         if service in shares else None)
            for service in USAGE_SERVICES]


def set_package_alert(ctx: Context, account_id: str, service: str, threshold_percent: int | None) -> PackageAlert:
    """R29: a service's package alert threshold, 1 to 99 percent, or None (off)."""
    if service not in USAGE_SERVICES:
        raise InvalidRequest(f"unknown service {service!r}: package alerts are for {', '.join(USAGE_SERVICES)}")
    if threshold_percent is not None and (isinstance(threshold_percent, bool) or not isinstance(threshold_percent, int)
                                          or not 1 <= threshold_percent <= 99):
        raise InvalidRequest("'threshold_percent' is a whole percent from 1 to 99, or null to switch the alert off")
    with ctx.db.write() as conn:
        accounts_store.get_account(conn, account_id, lock=True)
        accounts_store.set_package_alert(conn, account_id, service, threshold_percent)
    return next(a for a in package_alerts(ctx, account_id) if a.service == service)


def wallet_reminders(ctx: Context, account_id: str, as_of: datetime | None = None) -> list[WalletReminder]:
    """R19, R20: low balance on the day it was raised; arrears, suspension, reclaim while they last."""
    from ..storage import wallet as wallet_store

    as_of = as_of or ctx.now()
    with ctx.db.read() as conn:
        purse = wallet_store.load_purse(conn, account_id)
        low = [d for kind, d, _ in wallet_store.events_of(conn, account_id) if kind == "low_balance"]
    return domain_wallet_reminders(purse, as_of, shanghai_day(as_of), low, ctx.delays)


def recent_anomalies(ctx: Context, account_id: str, as_of: datetime | None = None) -> list[Anomaly]:
    """R30: the anomalies of the last ``WINDOW`` settled days before ``as_of``'s day, judged on the
    bill lines settled so far (a day is judged once settled)."""
    day = shanghai_day(as_of or ctx.now())
    first = day - timedelta(days=2 * WINDOW)
    with ctx.db.read() as conn:
        accounts_store.get_account(conn, account_id)
        lines = reads.bill_lines(conn, account_id, first, day - timedelta(days=1))
        first_billed = reads.first_bill_day(conn, account_id)
    amounts: dict[tuple[date, str], Decimal] = {}
    for line in lines:
        amounts[(line.day, line.service)] = amounts.get((line.day, line.service), Decimal(0)) + line.amount
    return anomalies(amounts, [day - timedelta(days=k) for k in range(1, WINDOW + 1)], first_billed)



@dataclass(frozen=True, slots=True)
class EveryReminder:
    """Everything an account is reminded of at a moment: its packages' (R11, R29), its wallet's
    (R19, R20), the anomalies (R30), the rebuys refused (R28) and the budget's alerts (R30)."""

    packages: list[Reminder]
    wallet: list[WalletReminder]
    anomalies: list[Anomaly]
    refusals: list
    budget: list
    day: date
    """The day asked about (the budget's alerts are of its month)."""


def every_reminder(ctx: Context, account_id: str, as_of: datetime | None = None) -> EveryReminder:
    """The reminders the API, the command line and the console list (``present.reminder_rows``);
    the budget's only when asked about now (they are of the month now)."""

    now = ctx.now()
    at = as_of or now
    live = abs(at - now) <= LIVE
    estimate = estimate_run(ctx, account_id, at) if live else _ESTIMATE_HERE  # once, for the packages' reminders and the budget's
    return EveryReminder(reminders(ctx, account_id, as_of, estimate), wallet_reminders(ctx, account_id, as_of),
                         recent_anomalies(ctx, account_id, as_of), auto_rebuy.refusals(ctx, account_id, at),
                         budget.alerts_now(ctx, account_id, estimate) if live else [], shanghai_day(at))
