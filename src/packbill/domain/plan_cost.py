"""What a plan of purchases costs over the advisor's horizon (R27), two ways. Pure.

``billed`` is the figure the customer is shown: the plan's packages and the forecast usage, day
by day, through the settlement engine that bills (``settlement.settle_account``: R5 order, the
held packages drawn until their last day, R6, R9 forfeiture, tiers restarting on the 1st of each
calendar month, the discount, each day's line rounded as a bill's is). ``simulate`` is the
optimisation's model of the same: the horizon cut into stretches of days in which nothing
changes (no package starts or ends, no month begins), each stretch's usage drawn at once. It is
exact up to the rounding of each day's line, which a test checks against ``billed`` on random
plans; the search compares plans with it because it is hundreds of times faster.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import timedelta
from decimal import Decimal
from fractions import Fraction

from .catalog import PaygPrice, Prices
from .days import FIRST_DAY, add_months_rolling, day_start, month_start
from .horizon import Horizon
from .model import Balance, Package, TrafficBilling
from .money import ZERO, round_line
from .settlement import AccountState, UsageDay, settle_account
from .traffic_billing import SwitchRequest
from .wallet import DiscountRate, contracted


@dataclass(frozen=True, slots=True)
class Lot:
    """Package capacity that can pay for a service: a package held now or a purchase of the plan.

    first, last: the days of the horizon it covers (indices, inclusive; 0 is today). size: what
    one package can pay for; count: the packages of one purchase (alike, bought together,
    expiring together: one block of ``size x count``). cost: what the purchase charges.
    """

    service: str
    first: int
    last: int
    size: int
    price: Decimal = ZERO
    sku: str | None = None
    package_id: str | None = None
    count: int = 1
    cost: Decimal | None = None

    @property
    def capacity(self) -> int:
        return self.size * self.count

    @property
    def charge(self) -> Decimal:
        return self.cost if self.cost is not None else self.price * self.count


@dataclass(frozen=True, slots=True)
class Offer:
    """A SKU on sale: ``price`` one package's contracted price (what the solver weighs),
    ``list_price`` the catalog's (a purchase of several is charged the contracted price of their
    list total, rounded once: R16); ``months``: how long it covers."""

    sku: str
    service: str
    size: int
    price: Decimal
    months: int = 12
    list_price: Decimal | None = None
    month_prices: tuple[tuple[Decimal, Decimal | None] | None, ...] = ()
    """R31: (price, list price) in each month of the horizon, None where it is not on sale, when
    a price version changes them within the horizon (empty: ``price`` every month)."""

    def on_sale(self, month: int) -> bool:
        return not self.month_prices or self.month_prices[month] is not None

    @property
    def varies(self) -> bool:
        """Whether its price (or its being on sale) changes within the horizon."""
        return len(set(self.month_prices)) > 1

    def at(self, month: int) -> Offer:
        """The offer as priced in ``month`` of the horizon."""
        if not self.month_prices:
            return self
        priced = self.month_prices[month]
        if priced is None:
            raise ValueError(f"{self.sku} is not on sale in month {month} of the horizon")
        return replace(self, price=priced[0], list_price=priced[1], month_prices=())


def purchase_cost(offer: Offer, count: int, rate: Decimal) -> Decimal:
    """What buying ``count`` of ``offer`` charges, as the purchase computes it (R16)."""
    if offer.list_price is None:
        return offer.price * count
    return contracted(offer.list_price * count, rate)[1]


@dataclass(frozen=True, slots=True)
class Need:
    """One service's forecast per month of the horizon: mainland (packages may pay) and other
    regions (pay-as-you-go only); ``before``: its pay-as-you-go already billed this calendar
    month (the tiers count from the 1st)."""

    service: str
    mainland: tuple[int, ...]
    other: tuple[int, ...]
    before: int = 0

    def scaled(self, factor: Fraction) -> Need:
        return replace(self, mainland=tuple(int(q * factor) for q in self.mainland), other=tuple(int(q * factor) for q in self.other))


@dataclass(frozen=True, slots=True)
class Buy:
    sku: str
    count: int
    month: int
    """The month of the horizon to buy it in (0: today)."""


@dataclass(frozen=True, slots=True)
class Outcome:
    """What a set of purchases costs over the horizon."""

    packages: Decimal
    payg: Decimal
    forfeited: Decimal
    """The value of what the bought packages leave unused within the horizon (charge x unused / capacity)."""
    drawn: dict[int, int] = field(default_factory=dict)
    """Per new lot (index into the plan's lots), what it pays for."""
    monthly: tuple[Decimal, ...] = ()
    """What each month of the horizon costs: its pay-as-you-go and the packages bought in it."""
    rounding: Decimal = ZERO
    """(The model's outcome only) how far the engine's figure can be from it: half a cent for
    each day that pays as it goes (each day's line is rounded) and for the total."""

    @property
    def total(self) -> Decimal:
        return self.packages + self.payg


def lots_of(buys: Sequence[Buy], offers: Mapping[str, Offer], horizon: Horizon, rate: Decimal = Decimal(1)) -> list[Lot]:
    """A plan's purchases as lots, one per purchase (its packages together), each covering from
    its month's first day to its validity's last (R4), within the horizon."""
    lots = []
    for b in buys:
        o = offers[b.sku].at(b.month)
        bought = horizon.starts[b.month]
        last = horizon.index(add_months_rolling(bought, o.months)) - 1
        lots.append(Lot(o.service, horizon.index(bought), min(horizon.days - 1, last), o.size, o.price, o.sku, count=b.count,
                        cost=purchase_cost(o, b.count, rate)))
    return lots


def after_held(daily: Sequence[int], held: Sequence[Lot]) -> tuple[int, ...]:
    """R5: the packages held now were bought before anything a plan buys, so they are drawn
    first, in their order, on every day they cover, whatever the plan: what they leave of each
    day's mainland usage."""
    left = [lot.capacity for lot in held]
    rest = []
    for i, want in enumerate(daily):
        for k, lot in enumerate(held):
            if want == 0:
                break
            if lot.first <= i <= lot.last and left[k]:
                take = min(want, left[k])
                left[k] -= take
                want -= take
        rest.append(want)
    return tuple(rest)


# -- the model: stretches of days ---------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Frame:
    """One service's forecast over the horizon, cut where anything changes: each month of the
    horizon (a purchase may start), each calendar month (tiers restart), each end of a package a
    plan could buy. Per stretch: what the held packages leave of its mainland usage, its other
    regions' usage, and its calendar month (0: this one)."""

    service: str
    starts: tuple[int, ...]
    """The first day of each stretch, then the horizon's length."""
    mainland: tuple[int, ...]
    other: tuple[int, ...]
    calendar: tuple[int, ...]
    before: int = 0
    payg: tuple[PaygPrice, ...] = ()
    """R31: each stretch's pay-as-you-go price when a version changes it within the horizon
    (empty: the price of today holds throughout)."""

    def covers(self, lot: Lot, stretch: int) -> bool:
        return lot.first <= self.starts[stretch] and self.starts[stretch + 1] - 1 <= lot.last

    def price_of(self, stretch: int, today: PaygPrice) -> PaygPrice:
        """The pay-as-you-go price of a stretch (``today``'s when no version changes it)."""
        return self.payg[stretch] if self.payg else today

    @property
    def varies(self) -> bool:
        """Whether the pay-as-you-go price changes within the horizon (R31)."""
        return bool(self.payg)

    @property
    def months(self) -> int:
        """Calendar months the horizon touches."""
        return self.calendar[-1] + 1 if self.calendar else 0


def payg_changes(prices: Prices, service: str, horizon: Horizon) -> tuple[tuple[int, PaygPrice], ...]:
    """R31: the service's pay-as-you-go price over the horizon, as (the day it takes effect, the
    price) from today on; empty when today's holds throughout (no version changes it)."""
    out: list[tuple[int, PaygPrice]] = []
    for d in range(horizon.days):
        price = prices.on(horizon.day(d)).price(service)
        if not out or out[-1][1] != price:
            out.append((d, price))
    return tuple(out) if len(out) > 1 else ()


def frame(need: Need, held: Sequence[Lot], horizon: Horizon, offers: Sequence[Offer],
          payg: Sequence[tuple[int, PaygPrice]] = ()) -> Frame:
    """``payg``: the pay-as-you-go price's changes within the horizon (``payg_changes``); the
    stretches are cut where it changes too, so that each has one price."""
    mainland = after_held(horizon.spread(need.mainland), held)
    other = horizon.spread(need.other)
    cuts = {0, horizon.days, *horizon.month_starts(), *horizon.calendar_starts(), *(d for d, _ in payg)}
    for o in offers:
        if o.service == need.service:
            cuts.update(lot.last + 1 for lot in lots_of([Buy(o.sku, 1, t) for t in range(horizon.months) if o.on_sale(t)], {o.sku: o},
                                                        horizon))
    starts = tuple(sorted(c for c in cuts if 0 <= c <= horizon.days))
    calendar_starts = horizon.calendar_starts()

    def sums(daily: Sequence[int]) -> tuple[int, ...]:
        return tuple(sum(daily[a:b]) for a, b in zip(starts, starts[1:], strict=False))

    changes = [d for d, _ in payg]
    return Frame(need.service, starts, sums(mainland), sums(other),
                 tuple(bisect_right(calendar_starts, a) for a in starts[:-1]), need.before,
                 tuple(payg[bisect_right(changes, a) - 1][1] for a in starts[:-1]) if payg else ())


def payg_amount(price: PaygPrice, quantity: int, before: int, rate: Decimal) -> Fraction:
    """A calendar month's pay-as-you-go for ``quantity`` units after ``before`` (tiers), contracted."""
    return Fraction(price.amount(quantity, before)) * Fraction(rate) if quantity else Fraction(0)


def simulate(fr: Frame, new: Sequence[Lot], price: PaygPrice, rate: Decimal) -> Outcome:
    """The model's cost of a plan: each stretch's mainland usage drawn from the plan's lots that
    cover it, earliest bought first (R5; the held ones are already in ``fr``), the rest and all
    other-region usage paid as you go at the stretch's price, the tiers counting from its
    calendar month's 1st (R6, tiers, R31). ``price``: today's, for a frame whose price never changes."""
    order = sorted(range(len(new)), key=lambda i: new[i].first)  # stable: the plan's order within a month
    left = {i: new[i].capacity for i in order}
    quantity = [0] * fr.months
    payg = Fraction(0)
    paying_days = 0
    for j, want in enumerate(fr.mainland):
        for i in order:
            if want == 0:
                break
            if left[i] and fr.covers(new[i], j):
                take = min(want, left[i])
                left[i] -= take
                want -= take
        c = fr.calendar[j]
        before = quantity[c] + (fr.before if c == 0 else 0)  # the tiers count from the calendar month's 1st
        payg += payg_amount(fr.price_of(j, price), want + fr.other[j], before, rate)  # the stretch's version (R31)
        quantity[c] += want + fr.other[j]
        if want + fr.other[j]:
            paying_days += fr.starts[j + 1] - fr.starts[j]
    forfeited = sum((Fraction(lot.charge) * left[i] / lot.capacity for i, lot in enumerate(new)), Fraction(0))
    return Outcome(sum((lot.charge for lot in new), ZERO), round_line(payg), round_line(forfeited),
                   {i: lot.capacity - left[i] for i, lot in enumerate(new)}, rounding=HALF_CENT * (paying_days + 1))


HALF_CENT = Decimal("0.005")
"""How far a rounded line can be from its exact amount (half up to the cent)."""


# -- the engine: day by day ---------------------------------------------------------------------

def billed(need: Need, held: Sequence[Lot], new: Sequence[Lot], horizon: Horizon, prices: Prices, rate: Decimal) -> Outcome:
    """What the settlement engine bills for the forecast with the packages held and the plan's:
    each day of the horizon settled as it will be, the figure the customer is shown."""
    service = need.service
    mainland, other = horizon.spread(need.mainland), horizon.spread(need.other)
    today = day_start(horizon.today)
    balances: dict[str, Balance] = {}
    for i, lot in enumerate(held):  # bought before anything the plan buys, in their draw order (R5)
        package = Package(lot.package_id or f"held-{i}", "advice", lot.sku or service, service, lot.capacity, ZERO,
                          today - timedelta(seconds=len(held) - i), i, horizon.today, horizon.day(lot.last))
        balances[package.id] = Balance(package, lot.capacity)
    plan_ids = []
    for k, i in enumerate(sorted(range(len(new)), key=lambda i: new[i].first)):
        lot = new[i]
        package = Package(f"plan-{i}", "advice", lot.sku or service, service, lot.capacity, lot.charge,
                          day_start(horizon.day(lot.first)) + timedelta(microseconds=k), len(held) + k,
                          horizon.day(lot.first), horizon.day(lot.last))
        balances[package.id] = Balance(package, lot.capacity)
        plan_ids.append((i, package.id))
    days = [UsageDay(horizon.day(d), {service: mainland[d]}, {service: other[d]}) for d in range(horizon.days) if mainland[d] or other[d]]
    state = AccountState(balances=balances, month_payg={(month_start(horizon.today), service): need.before} if need.before else {},
                         rates=(DiscountRate(rate, FIRST_DAY),),
                         switches=(SwitchRequest(TrafficBilling.TRAFFIC, day_start(FIRST_DAY)),))  # traffic is advised on traffic billing only
    done = settle_account(days, state, prices, run_at=day_start(horizon.end + timedelta(days=1)), paid=False)  # billed, not paid
    monthly = [ZERO] * horizon.months
    for line in done.lines:
        monthly[horizon.month_of(horizon.index(line.day))] += line.amount
    for lot in new:
        monthly[horizon.month_of(lot.first)] += lot.charge
    left = {i: done.state.balances[pid].remaining for i, pid in plan_ids}
    forfeited = sum((Fraction(new[i].charge) * q / new[i].capacity for i, q in left.items()), Fraction(0))
    return Outcome(sum((lot.charge for lot in new), ZERO), sum((line.amount for line in done.lines), ZERO), round_line(forfeited),
                   {i: new[i].capacity - q for i, q in left.items()}, tuple(monthly))
