"""R27 over the database: the account's usage, packages, discount and billing type, handed to
the advisor (``domain.advice``), which decides; nothing is written.

The horizon runs from today (Asia/Shanghai) through the day before the same date
``horizon_months`` later (``domain.horizon``); its months start on today's date of each month,
and pay-as-you-go tiers restart on each calendar month's 1st, counting from what this month has
already billed. A held package counts until its last day.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Any

from ..domain import advice as core
from ..domain import forecast as projection
from ..domain import plan_cost
from ..domain.catalog import TRAFFIC_SERVICES, USAGE_SERVICES
from ..domain.days import month_start, shanghai_day
from ..domain.errors import InvalidRequest
from ..domain.horizon import Horizon
from ..domain.limits import MAX_DAY_TOTAL
from ..domain.model import PackageStatus, TrafficBilling
from ..domain.traffic_what_if import TrafficWhatIf, traffic_what_if
from ..domain.wallet import contracted
from ..storage.reads import DailyUsage
from .accounts import account_view
from .context import Context
from .reads import list_packages
from .usage import daily_peaks, daily_usage, month_payg
from .wallet import wallet_rate

MAX_WINDOW_DAYS = 730
MAX_HORIZON_MONTHS = 36
MAX_WHAT_IF_DAYS = 366


@dataclass(frozen=True, slots=True)
class PlannedBuy:
    sku: str
    service: str
    count: int
    buy_on: date
    cost: Decimal
    """What buying ``count`` of them charges: the contracted price of the order, rounded once
    half up (R16, ``domain.wallet.contracted``, as the purchase and the console compute it)."""
    reason: tuple[str, Decimal, Decimal, Fraction]
    """(service, pay-as-you-go price per unit, the package's price per unit, months of usage it covers)."""
    saving: Decimal = Decimal(0)
    """What the plan saves by this purchase: the plan without it costs this much more (exact)."""


@dataclass(frozen=True, slots=True)
class AdviceView:
    account_id: str
    today: date
    months: int
    source: str
    """"window" (projected from past usage) or "forecast"."""
    plan: tuple[PlannedBuy, ...]
    advice: core.Advice
    what_if: TrafficWhatIf | None
    traffic_billing: TrafficBilling
    excluded: tuple[str, ...]
    """Services left out of the plan: traffic while the account bills it by daily peak bandwidth
    (R7), or while switching to it would cost less than any traffic package (``switch_first``)."""
    method: str = "flat"
    """How the window was projected: "flat" (the default) or "trend" (on request)."""
    enough_usage: bool = True
    """False: fewer than 7 days with usage in the window, too little to advise on (no plan)."""
    switch_first: bool = False
    """On traffic billing, daily peak bandwidth would cost less than traffic with the best
    packages: the advice is to switch, and no traffic package is advised (SPEC section 8)."""

    @property
    def horizon(self) -> Horizon:
        return Horizon.of(self.today, self.months)

    @property
    def forecast(self) -> dict[str, tuple[int, ...]]:
        """The usage planned for, per service and month (mainland and other regions together)."""
        return {s.service: tuple(m + o for m, o in zip(s.need.mainland, s.need.other, strict=True)) for s in self.advice.services}


def _int(value: Any, name: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not (low <= value <= high):
        raise InvalidRequest(f"'{name}' must be a whole number from {low} to {high}")
    return value


def check_forecast(raw: Any) -> dict[str, list[int]]:
    """``{"<service>": [quantity per month, ...]}``: known usage services, 1 to 36 whole months, the same length."""
    if not isinstance(raw, Mapping) or not raw:
        raise InvalidRequest("'forecast' maps services to a list of quantities per month, e.g. {\"ai.face\": [100000, 120000]}")
    out: dict[str, list[int]] = {}
    for service, months in raw.items():
        if service not in USAGE_SERVICES:
            raise InvalidRequest(f"unknown service {service!r} in the forecast; plan for {', '.join(USAGE_SERVICES)}")
        if not isinstance(months, list) or not (1 <= len(months) <= MAX_HORIZON_MONTHS):
            raise InvalidRequest(f"the forecast of {service} must be a list of 1 to {MAX_HORIZON_MONTHS} monthly quantities")
        out[service] = [_int(q, f"forecast.{service}", 0, MAX_DAY_TOTAL) for q in months]
    if len({len(v) for v in out.values()}) != 1:
        raise InvalidRequest("every service of the forecast must cover the same number of months")
    return out


def advise(ctx: Context, account_id: str, window_days: int = 90, horizon_months: int = 12,
           forecast: Mapping[str, list[int]] | None = None, what_if_days: int = 30, method: str = "flat") -> AdviceView:
    if method not in ("flat", "trend"):
        raise InvalidRequest("'method' is flat (the default: the window's average, every month) or trend")
    window_days = _int(window_days, "window_days", 7, MAX_WINDOW_DAYS)
    horizon_months = _int(horizon_months, "horizon_months", 1, MAX_HORIZON_MONTHS)
    what_if_days = _int(what_if_days, "what_if_days", 1, MAX_WHAT_IF_DAYS)
    now = ctx.now()
    today = shanghai_day(now)
    mode = account_view(ctx, account_id, now).traffic_billing
    rate = wallet_rate(ctx, account_id, today)
    if forecast is not None:
        forecast = check_forecast(forecast)
        horizon_months = len(next(iter(forecast.values())))
    excluded = tuple(sorted(TRAFFIC_SERVICES)) if mode is TrafficBilling.DAILY_PEAK_BANDWIDTH else ()
    horizon = Horizon.of(today, horizon_months)
    held = _held(ctx, account_id, now, horizon)
    offers = _offers(ctx, rate, horizon)
    # the account's daily usage, read once for both the projection and the traffic what-if
    usage = daily_usage(ctx, account_id, today - timedelta(days=max(what_if_days, 0 if forecast is not None else window_days)),
                        today - timedelta(days=1))
    what_if = _what_if(ctx, account_id, usage, held, _offers(ctx, rate), rate, today, what_if_days)
    before = month_payg(ctx, account_id, month_start(today))  # the tiers of this month count from it
    switch_first = mode is TrafficBilling.TRAFFIC and what_if is not None and what_if.cheaper == TrafficBilling.DAILY_PEAK_BANDWIDTH.value
    if switch_first:  # switching billing type is compared before any traffic package (SPEC section 8)
        excluded = tuple(sorted(TRAFFIC_SERVICES))
    enough = True
    if forecast is not None:
        needs = [plan_cost.Need(s, tuple(forecast[s]), (0,) * horizon_months, before.get(s, 0))
                 for s in USAGE_SERVICES if s in forecast and s not in excluded]
    else:
        first = today - timedelta(days=window_days)
        by_day: dict[date, int] = {}
        for r in usage:  # the window's usage per day, every service together: read once, not once per day
            by_day[r.day] = by_day.get(r.day, 0) + r.mainland + r.other
        enough = projection.enough_usage([by_day.get(first + timedelta(days=i), 0) for i in range(window_days)])
        needs = _projected(usage, horizon, window_days, excluded, before, method == "trend") if enough else []
    result = core.advise(needs, held, offers, ctx.catalogs(), rate, horizon)
    plan = _plan(ctx, result, offers, rate, horizon)
    return AdviceView(account_id, today, horizon_months, "forecast" if forecast is not None else "window",
                      tuple(sorted(plan, key=lambda p: (p.buy_on, p.sku))), result, what_if, mode, excluded, method, enough, switch_first)


def _offers(ctx: Context, rate: Decimal, horizon: Horizon | None = None) -> list[plan_cost.Offer]:
    """Every SKU on sale at the account's contracted price (and its list price: a purchase of
    several is charged their list total's contracted price, rounded once, R16). Over a
    ``horizon``: every SKU on sale in one of its months, priced in each by the version in force
    on the month's first day (R31); without one, today's."""
    every = ctx.catalogs()
    months = [every.on(start) for start in horizon.starts[:-1]] if horizon else [ctx.catalog]
    out = []
    for sku in dict.fromkeys(sku for c in months for sku in c.packages):
        prices = tuple((contracted(c.packages[sku].price, rate)[1], c.packages[sku].price) if sku in c.packages else None
                       for c in months)
        first = next(c.packages[sku] for c in months if sku in c.packages)
        price, list_price = next(p for p in prices if p is not None)
        out.append(plan_cost.Offer(sku, first.service, first.size, price, max(1, first.validity.months), list_price,
                                   month_prices=prices if len(set(prices)) > 1 else ()))
    return out


def _held(ctx: Context, account_id: str, now: datetime, horizon: Horizon) -> list[plan_cost.Lot]:
    """What the account holds, in draw order (R5): each package until its last day."""
    return [held_lot(v.package.service, v.package.id, v.remaining, (v.package.last_day - shanghai_day(now)).days + 1, horizon)
            for v in list_packages(ctx, account_id, now)
            if v.remaining > 0 and v.status not in (PackageStatus.REFUNDED, PackageStatus.EXPIRED)]


def held_lot(service: str, package_id: str, remaining: int, days_left: int, horizon: Horizon) -> plan_cost.Lot:
    """A package held now with ``days_left`` days of cover (today included): it pays for the
    horizon's days up to its last one."""
    return plan_cost.Lot(service, 0, min(days_left, horizon.days) - 1, remaining, package_id=package_id)


def _projected(usage: list[DailyUsage], horizon: Horizon, window_days: int, excluded: tuple[str, ...], before: Mapping[str, int],
               trend: bool = False) -> list[plan_cost.Need]:
    """Each service's need per month of the horizon, projected from the window of daily usage before today."""
    first = horizon.today - timedelta(days=window_days)
    lengths = horizon.month_lengths()
    days = [first + timedelta(days=i) for i in range(window_days)]
    needs = []
    for service in USAGE_SERVICES:
        mine = {r.day: r for r in usage if r.service == service and r.day >= first}
        if service in excluded or not mine:
            continue
        mainland = projection.project([mine[d].mainland if d in mine else 0 for d in days], lengths, trend)
        other = projection.project([mine[d].other if d in mine else 0 for d in days], lengths, trend)
        needs.append(plan_cost.Need(service, mainland, other, before.get(service, 0)))
    return needs


def _plan(ctx: Context, result: core.Advice, offers: list[plan_cost.Offer], rate: Decimal, horizon: Horizon) -> list[PlannedBuy]:
    """The purchases the solution makes, each with its cost and the figures of its reason."""
    plan = []
    by_sku = {o.sku: o for o in offers}
    for service_advice in result.services:
        need = service_advice.need
        average = Fraction(sum(need.mainland), len(need.mainland)) if need.mainland else Fraction(0)
        price = ctx.catalog.price(need.service)
        payg_unit = Decimal(price.tiers[0].price) * rate
        for b, saving in zip(service_advice.buys, service_advice.savings, strict=True):
            o = by_sku[b.sku].at(b.month)
            unit = Decimal(o.price) / o.size * price.units_per_price
            covers = min(Fraction(o.size * b.count) / average, Fraction(o.months)) if average else Fraction(0)
            cost = plan_cost.purchase_cost(o, b.count, rate)  # what the purchase of them charges
            plan.append(PlannedBuy(b.sku, need.service, b.count, horizon.starts[b.month], cost,
                                   (need.service, payg_unit, unit, covers), saving))
    return plan


def _what_if(ctx: Context, account_id: str, usage: list[DailyUsage], held: list[plan_cost.Lot], offers: list[plan_cost.Offer], rate: Decimal,
             today: date, what_if_days: int) -> TrafficWhatIf | None:
    """The traffic what-if: the last days' traffic billed by volume and by daily peak bandwidth."""
    since = today - timedelta(days=what_if_days)
    volume = {s: sum(r.mainland + r.other for r in usage if r.service == s and r.day >= since) for s in TRAFFIC_SERVICES}
    if not any(volume.values()):
        return None
    peaks_by_day = daily_peaks(ctx, account_id, since, today - timedelta(days=1))
    peaks = {s: [p.get(s, 0) for p in peaks_by_day.values()] for s in TRAFFIC_SERVICES}
    traffic_held = [lot for lot in held if lot.service in TRAFFIC_SERVICES]
    return traffic_what_if(what_if_days, volume, peaks, traffic_held, offers, ctx.catalog, rate, Horizon.of(today, 12))


def traffic_costs(ctx: Context, account_id: str, days: int = 30) -> TrafficWhatIf | None:
    """The last ``days`` days' traffic billed by volume and by daily peak bandwidth, with the
    account's packages (None without traffic): what each billing type would have cost."""
    now = ctx.now()
    today = shanghai_day(now)
    rate = wallet_rate(ctx, account_id, today)
    held = _held(ctx, account_id, now, Horizon.of(today, 12))
    offers = _offers(ctx, rate)
    usage = daily_usage(ctx, account_id, today - timedelta(days=days), today - timedelta(days=1))
    return _what_if(ctx, account_id, usage, held, offers, rate, today, days)
