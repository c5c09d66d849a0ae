"""R30 budgets and caps over the database: the month's spending (settled, and estimated now as R26
does), the limits, the alerts the live sweep raises and the services a cap stops."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from ..domain import budget as rules
from ..domain.budget import BUDGET, BudgetAlert, MonthSpend
from ..domain.catalog import BANDWIDTH_SERVICES, USAGE_SERVICES
from ..domain.days import SHANGHAI, shanghai_day
from ..domain.errors import InvalidRequest
from ..domain.notify import budget_data
from ..domain.package_forecast import RECENT_DAYS
from ..domain.settlement import AccountSettlement
from ..domain.wallet import check_amount
from ..storage import accounts as accounts_store
from ..storage import controls as controls_store
from ..storage import reads
from .context import Context
from .estimate import covered_services, estimate_run

SERVICES = USAGE_SERVICES + BANDWIDTH_SERVICES
"""What a cap may stop: every service with a ``service_status``."""

_ESTIMATE_HERE = object()


def _month_start(month: date) -> datetime:
    return datetime.combine(month, datetime.min.time(), tzinfo=SHANGHAI)


def month_spend(ctx: Context, account_id: str, now: datetime, estimate=_ESTIMATE_HERE) -> MonthSpend:
    """What ``now``'s calendar month has spent (purchases and pay-as-you-go, the unsettled usage
    estimated by the settlement engine) and is expected to (``domain.budget.forecast``). ``estimate``:
    the R26 estimate when the caller has made it (None: nothing unsettled)."""

    today = shanghai_day(now)
    month = today.replace(day=1)
    following = (month + timedelta(days=32)).replace(day=1)
    first = min(month, today - timedelta(days=RECENT_DAYS))
    with ctx.db.read() as conn:
        accounts_store.get_account(conn, account_id)
        by_day = controls_store.payg_by_day(conn, account_id, first, today)
        purchases = controls_store.purchases_between(conn, account_id, _month_start(month), _month_start(following))
        first_billed = reads.first_bill_day(conn, account_id)
    found: AccountSettlement | None = estimate_run(ctx, account_id, now) if estimate is _ESTIMATE_HERE else estimate
    for line in found.lines if found is not None else ():
        by_day[(line.day, line.service)] = by_day.get((line.day, line.service), Decimal(0)) + line.amount
    payg: dict[str, Decimal] = {}
    for (day, service), amount in by_day.items():
        if day >= month:
            payg[service] = payg.get(service, Decimal("0.00")) + amount
    before_today = purchases + sum((a for (d, _), a in by_day.items() if month <= d < today), Decimal("0.00"))
    since = max(today - timedelta(days=RECENT_DAYS), first_billed or today)
    window = (today - since).days
    rate = sum((a for (d, _), a in by_day.items() if since <= d < today), Decimal(0)) / window if window > 0 else Decimal(0)
    spent = purchases + sum(payg.values(), Decimal("0.00"))
    return MonthSpend(month, purchases, payg, rules.forecast(spent, before_today, rate, today))


@dataclass(frozen=True, slots=True)
class BudgetView:
    """The month's budget and caps, with what was spent against each (``spend``)."""

    monthly: Decimal | None
    caps: Mapping[str, Decimal]
    spend: MonthSpend
    covered: frozenset[str]
    """The services an active package with something left covers (a cap does not stop them)."""

    @property
    def capped(self) -> set[str]:
        return rules.capped(self.caps, self.spend.payg, set(self.covered))

    @property
    def alerts(self) -> list[BudgetAlert]:
        return rules.budget_alerts(self.monthly, self.spend)


def view(ctx: Context, account_id: str, now: datetime | None = None, estimate=_ESTIMATE_HERE,
         limits: Mapping[str, Decimal] | None = None) -> BudgetView:
    """R30: the account's budget and caps now, and the month's spending against them (``limits``:
    the account's, when the caller has read them already)."""

    now = now or ctx.now()
    spend = month_spend(ctx, account_id, now, estimate)
    if limits is None:
        with ctx.db.read() as conn:
            limits = controls_store.limits(conn, account_id)
    covered = covered_services(ctx, account_id, now) if len(limits) > (BUDGET in limits) else frozenset()
    return BudgetView(limits.get(BUDGET), {s: v for s, v in limits.items() if s != BUDGET}, spend, frozenset(covered))


def capped_services(ctx: Context, account_id: str, now: datetime, estimate, covered: set[str]) -> set[str]:
    """R30: the services capped now (``covered``: those an active package covers), read only when
    the account has a cap."""
    with ctx.db.read() as conn:
        caps = {s: v for s, v in controls_store.limits(conn, account_id).items() if s != BUDGET}
    if not caps:
        return set()
    return rules.capped(caps, month_spend(ctx, account_id, now, estimate).payg, covered)


def _set(ctx: Context, account_id: str, scope: str, monthly: Decimal | None, name: str) -> BudgetView:
    if monthly is not None:
        monthly = check_amount(monthly, name)
    with ctx.db.write() as conn:
        accounts_store.get_account(conn, account_id, lock=True)
        controls_store.set_limit(conn, account_id, scope, monthly)
    if ctx.touched is not None:  # the live sweep looks at the new limit within a minute
        ctx.touched.add((account_id,))
    return view(ctx, account_id)


def set_budget(ctx: Context, account_id: str, monthly: Decimal | None) -> BudgetView:
    """R30: the monthly budget (purchases and pay-as-you-go), or None: none."""
    return _set(ctx, account_id, BUDGET, monthly, "monthly")


def set_cap(ctx: Context, account_id: str, service: str, monthly: Decimal | None) -> BudgetView:
    """R30: a service's monthly pay-as-you-go cap, or None: none."""
    if service not in SERVICES:
        raise InvalidRequest(f"unknown service {service!r}: caps are for {', '.join(SERVICES)}")
    return _set(ctx, account_id, service, monthly, "monthly")


def events(account_id: str, found: BudgetView, now: datetime) -> list[tuple]:
    """The sweep's events of the budget and caps: each alert once a month (``BudgetAlert.key``), and
    ``service.capped`` once a month per service and cap (raising the cap re-arms it)."""
    out: list[tuple] = [(account_id, "reminder.budget", budget_data(a), f"{account_id}:{a.key}") for a in found.alerts]
    for service in sorted(found.capped):
        cap = found.caps[service]
        out.append((account_id, "service.capped", {"service": service, "month": f"{found.spend.month:%Y-%m}", "monthly": str(cap),
                                                   "spent_this_month": str(found.spend.payg.get(service, Decimal("0.00"))),
                                                   "day": shanghai_day(now).isoformat()},
                    f"{account_id}:capped:{service}:{found.spend.month:%Y-%m}:{cap}"))
    return out


def alerts_now(ctx: Context, account_id: str, estimate=_ESTIMATE_HERE) -> list[BudgetAlert]:
    """R30: the budget's alerts this month has reached (none without a budget, read cheaply);
    ``estimate``: the R26 estimate when the caller has made it."""
    with ctx.db.read() as conn:
        accounts_store.get_account(conn, account_id)
        limits = controls_store.limits(conn, account_id)
    return view(ctx, account_id, None, estimate, limits).alerts if BUDGET in limits else []
