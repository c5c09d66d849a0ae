"""The purchase advisor and the traffic-billing what-if (R27). Pure: no clock, no storage.

The advisor works in months of the horizon (month 0 starts today). For each service it decides
how many packages of each SKU to buy at the start of which month, so that the total cost over the
horizon, packages bought plus pay-as-you-go after every package has paid what it can, is the
least possible. It is an exact mixed-integer program solved by HiGHS, one per service (services
share nothing: a package pays for its own service only, and pay-as-you-go tiers are per service):

    minimise   sum_kt price_k x_kt + sum_m payg_m(q_m)
    subject to sum_l y_lm + z_m = demand_m                 (what the held packages leave of a month's
                                                            mainland usage is drawn or paid for)
               sum_m y_lm <= size_k x_kt                   (lot l: the packages of SKU k bought in month t)
               q_m = z_m + other_m                         (other regions are always pay-as-you-go, R1)
               y_lm = 0 where lot l does not cover month m (validity R4, expiry R9, freeze R7)
               x_kt integer, 0 <= x_kt <= 100 (the count limit of one purchase)

``payg_m`` is the service's monthly price: flat, or graduated tiers modelled exactly with one
binary per tier (so falling prices by volume are handled too). Every package costs its contracted
price (list x the account's discount rate, R16); pay-as-you-go too.

Why the drawing needs no order constraint: the packages held now were bought before anything
the plan buys, so R5 draws them first whatever the plan (``after_held`` takes them off the
demand in their order); the lots the plan buys all have the catalog's validity (one year) from
their purchase, so drawing them in purchase order is drawing the one that expires first, which
forfeits least (R9): among allocations with the least cost there is always one in R5 order, and
``simulate`` (independent of the solver) evaluates a plan exactly that way. A month pays as it
goes only once every package covering it is used up (R6: a binary per month says so). At a flat
price, only the first month whose cover reaches the horizon's end is offered for each SKU
(``buy_months``): a later one covers less of the horizon for the same price; under tiers every
month is offered. Money in
results is always ``simulate``'s exact Decimal arithmetic; the solver's floats only choose.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from fractions import Fraction
from typing import Any

from .catalog import Catalog, PaygPrice
from .errors import BillingError
from .money import ZERO, round_line

GROWTH_CAP = Fraction(1, 10)
"""A projected usage grows or shrinks by at most 10 % a month."""


@dataclass(frozen=True, slots=True)
class Lot:
    """Package capacity that can pay for a service: a package held now or one the plan buys.

    first, last: the months of the horizon it covers (inclusive). size: what it can pay for.
    """

    service: str
    first: int
    last: int
    size: int
    price: Decimal = ZERO
    sku: str | None = None
    package_id: str | None = None
    count: int = 1
    """Packages of one purchase: alike, bought together, drawn one after the other and expiring
    together, so they are one block of ``size x count`` (what a plan of millions needs)."""
    last_days: int = 30
    """The days of its last month it still covers: a package held now that expires mid-month pays
    for that month's usage up to its last day (the month's usage spread evenly over its 30 days)."""

    @property
    def capacity(self) -> int:
        return self.size * self.count


@dataclass(frozen=True, slots=True)
class Offer:
    """A SKU on sale, at the account's contracted price; ``months``: how long it covers."""

    sku: str
    service: str
    size: int
    price: Decimal
    months: int = 12


@dataclass(frozen=True, slots=True)
class Need:
    """One service's projected usage per month of the horizon: mainland (packages may pay) and
    other regions (pay-as-you-go only)."""

    service: str
    mainland: tuple[int, ...]
    other: tuple[int, ...]

    def scaled(self, factor: Fraction) -> Need:
        return Need(self.service, tuple(int(q * factor) for q in self.mainland), tuple(int(q * factor) for q in self.other))


@dataclass(frozen=True, slots=True)
class Buy:
    sku: str
    count: int
    month: int
    """The month of the horizon to buy it in (0: now)."""


@dataclass(frozen=True, slots=True)
class Outcome:
    """What a set of purchases costs over the horizon, evaluated exactly."""

    packages: Decimal
    payg: Decimal
    forfeited: Decimal
    """The value of what the bought packages leave unused at their expiry (price x unused / size)."""
    drawn: dict[int, int] = field(default_factory=dict)
    """Per new lot (index into the plan's lots), what it pays for."""
    monthly: tuple[Decimal, ...] = ()
    """What each month of the horizon costs: its pay-as-you-go and the packages bought in it."""

    @property
    def total(self) -> Decimal:
        return self.packages + self.payg


def monthly_payg(price: PaygPrice, quantity: int, rate: Decimal) -> Fraction:
    """A month's pay-as-you-go for ``quantity`` units at the contracted rate (tiers restart monthly)."""
    return Fraction(price.amount(quantity, 0)) * Fraction(rate) if quantity else Fraction(0)


def lots_of(buys: Sequence[Buy], offers: Mapping[str, Offer], months: int) -> list[Lot]:
    """A plan's purchases as lots, one per purchase (its packages together)."""
    return [Lot(offers[b.sku].service, b.month, min(months - 1, b.month + offers[b.sku].months - 1), offers[b.sku].size,
                offers[b.sku].price, b.sku, count=b.count) for b in buys]


def _draw_in_order(demand: Sequence[int], lots: Sequence[Lot]) -> tuple[list[int], list[int]]:
    """R5, R6: each month's ``demand`` drawn from the ``lots`` covering it, in the order given;
    returns what is left of each month's demand and of each lot. A lot whose last month it covers
    only in part draws, in that month, at most the usage of the days it covers that the lots
    before it have not drawn (the lots before it drew the month's earliest usage)."""
    left = [lot.capacity for lot in lots]
    rest = []
    for m, want in enumerate(demand):
        total = want
        for i, lot in enumerate(lots):
            if want == 0:
                break
            if lot.first <= m <= lot.last and left[i] > 0:
                most = want if m < lot.last or lot.last_days >= 30 else max(0, total * lot.last_days // 30 - (total - want))
                take = min(want, left[i], most)
                left[i] -= take
                want -= take
        rest.append(want)
    return rest, left


def after_held(need: Need, held: Sequence[Lot]) -> Need:
    """R5: the packages held now were bought before anything the plan buys, so they are drawn
    first, in their order, whatever the plan: what is left of each month's mainland usage."""
    return Need(need.service, tuple(_draw_in_order(need.mainland, held)[0]), need.other)


def simulate(need: Need, held: Sequence[Lot], new: Sequence[Lot], price: PaygPrice, rate: Decimal) -> Outcome:
    """R5, R6, R9: each month's mainland usage drawn from the lots covering it, earliest bought
    first (held before new, then by purchase month), the rest and all other-region usage paid
    as you go; exact."""
    bought = sorted(range(len(new)), key=lambda i: new[i].first)  # stable: the plan's order within a month
    rest, left = _draw_in_order(need.mainland, [*held, *(new[i] for i in bought)])
    unused = {i: left[len(held) + k] for k, i in enumerate(bought)}
    payg = Fraction(0)
    monthly = []
    for m, want in enumerate(rest):
        month_payg = monthly_payg(price, want + need.other[m], rate)
        payg += month_payg
        monthly.append(round_line(month_payg + sum((Fraction(lot.price) * lot.count for lot in new if lot.first == m), Fraction(0))))
    drawn = {i: lot.capacity - unused[i] for i, lot in enumerate(new)}
    forfeited = sum((Fraction(lot.price) * unused[i] / lot.size for i, lot in enumerate(new)), Fraction(0))
    return Outcome(sum((lot.price * lot.count for lot in new), ZERO), round_line(payg), round_line(forfeited), drawn, tuple(monthly))


PREPAY_WEIGHT = 1e-6
"""Each package's price counts (1 + this) in the solver's objective only: between plans that
cost the same, the one that prepays less wins (``prune`` then makes that exact)."""

NODE_LIMIT = 2_000
"""The branch-and-bound nodes the solver may explore for one service: a limit of work, not of
wall-clock time, so that the same input gets the same answer however busy the machine is."""

EXACT_MONTHS = 12
"""Horizons up to this many months are solved to proven optimality; longer ones stop once the
plan is proven within ``LONG_GAP`` of the optimum (a 36-month plan in seconds, not minutes)."""

LONG_GAP = 0.005

SAFETY_SECONDS = 120.0
"""A last guard against a solve that never ends; the node limit binds long before it."""


class SolverUnavailable(BillingError):
    """The solver found no plan (the advisor then answers with the best simple plan)."""

    code = "service_unavailable"


def solve_service(need: Need, held: Sequence[Lot], offers: Sequence[Offer], price: PaygPrice, rate: Decimal,
                  max_count: int | None = None, node_limit: int = NODE_LIMIT, relaxed: bool = False,
                  gaps: list[float] | None = None, bounds: list[float] | None = None) -> list[Buy]:
    """The cheapest purchases for one service over the horizon (the MILP above), proven optimal;
    if the solver reaches its node limit first (long horizons), the best plan it found, and its
    proven relative distance from the optimum is appended to ``gaps`` (0.0 when optimal), the
    model's lower bound on the cost to ``bounds``. ``relaxed`` solves the same model with whole
    numbers not required (a lower bound; the benchmark's limit). ``max_count``: how many of a SKU
    one month's purchase may hold (None: as many as the usage could use; a plan item above the
    per-purchase limit is bought in several purchases)."""
    try:
        import highspy
    except ImportError as exc:  # pragma: no cover - a dependency of the project
        raise SolverUnavailable(str(exc)) from None
    months = len(need.mainland)
    offers = [o for o in offers if o.service == need.service]
    need = after_held(need, held)  # what the held packages leave; the new lots all come after them (R5)
    if not offers or not any(need.mainland):
        if gaps is not None:
            gaps.append(0.0)
        if bounds is not None:
            bounds.append(0.0)
        return []
    scale = solver_scale(need)
    by_sku = {o.sku: o for o in offers}
    h = highspy.Highs()  # type: ignore[no-untyped-call]  # highspy ships no types
    h.silent()
    h.setOptionValue("threads", 1)
    h.setOptionValue("time_limit", SAFETY_SECONDS)
    h.setOptionValue("mip_max_nodes", node_limit)
    h.setOptionValue("mip_rel_gap", 0.0 if months <= EXACT_MONTHS else LONG_GAP)
    h.setOptionValue("mip_abs_gap", 1e-6)
    integer = highspy.HighsVarType.kContinuous if relaxed else highspy.HighsVarType.kInteger
    tiered = len(price.tiers) > 1
    x, draws, groups, units = _purchases(h, offers, need, tiered, scale, max_count, integer)
    objective = sum(float(by_sku[sku].price) * units[(sku, t)] * (1 + PREPAY_WEIGHT) * var for (sku, t), var in x.items())
    for m in range(months):
        z = h.addVariable(lb=0)
        h.addConstr(sum(draws[m]) + z == need.mainland[m] / scale)
        if tiered:
            # R6: usage is paid as you go only once every package covering its month is used up (a
            # package is never left with something while its month's usage is billed): with u = 1
            # when month m pays as it goes, each covering group has drawn all it holds by then.
            # At a flat price this is never needed: a unit drawn saves the same in any month, and
            # drawing in purchase order (earliest expiry first, all lots the plan buys lasting
            # alike) draws the most there is to draw, so the optimum is the same without it, and
            # ``simulate`` prices the plan as R5 and R6 draw it.
            paying = h.addVariable(lb=0, ub=1, type=integer)
            h.addConstr(z - (need.mainland[m] / scale) * paying <= 0)
            for size, count, most, ys in groups:
                if m in ys:
                    big = size * most
                    h.addConstr(sum(y for k, y in ys.items() if k <= m) - size * count - big * paying >= -big)
        objective = objective + _payg_cost(h, highspy, z, need.other[m] / scale, need.mainland[m] / scale, price, rate, scale, integer)
    h.minimize(objective)
    return _solution(h, highspy, x, units, relaxed, gaps, bounds)


def solver_scale(need: Need) -> int:
    """The unit the solver counts in (a power of ten): the month's largest usage at most about
    10^6 of them, so that 10^15 calls a month is as easy to solve as 10^5."""
    peak = max([*need.mainland, *need.other, 1])
    return int(10 ** max(0, len(str(peak)) - 6))


def _purchases(h: Any, offers: Sequence[Offer], need: Need, tiered: bool, scale: int, max_count: int | None, integer: Any
               ) -> tuple[dict[tuple[str, int], Any], dict[int, list[Any]], list[tuple[float, Any, float, dict[int, Any]]],
                          dict[tuple[str, int], int]]:
    """The model's purchase variables: how many of each offer are bought in each month it may be
    bought (x, at most what the usage it covers could use, or ``max_count``), what each month
    draws from each purchase (by month), and the purchases as groups (capacity in scaled units
    per package, its x, its most, {month: draw variable}), and the packages each unit of x stands for."""
    months = len(need.mainland)
    x: dict[tuple[str, int], Any] = {}
    units: dict[tuple[str, int], int] = {}
    draws: dict[int, list[Any]] = {m: [] for m in range(months)}
    groups = []
    for o in offers:
        for t in buy_months(o, months, tiered):
            covered = range(t, min(months, t + o.months))
            most = max_count if max_count is not None else -(-sum(need.mainland[m] for m in covered) // o.size) + 1
            unit = count_unit(most)  # packages counted by the thousand (or more) when there would be billions
            x[(o.sku, t)] = var = h.addVariable(lb=0, ub=-(-most // unit), type=integer)
            units[(o.sku, t)] = unit
            ys = {m: h.addVariable(lb=0) for m in covered}
            for m, y in ys.items():
                draws[m].append(y)
            h.addConstr(sum(ys.values()) - (o.size * unit / scale) * var <= 0)
            groups.append((o.size * unit / scale, var, float(-(-most // unit)), ys))
    return x, draws, groups, units


def count_unit(most: int) -> int:
    """How many packages one unit of a purchase variable stands for: one, unless a purchase could
    hold billions (10^17 calls a month), where whole numbers that large defeat the solver; the
    answer's ``prune`` and simple plans then refine the count."""
    return int(10 ** max(0, len(str(most)) - 7))


STOPPED_WITH_A_PLAN = ("kTimeLimit", "kSolutionLimit", "kIterationLimit", "kInterrupt")


def _solution(h: Any, highspy: Any, x: dict[tuple[str, int], Any], units: dict[tuple[str, int], int], relaxed: bool,
              gaps: list[float] | None, bounds: list[float] | None) -> list[Buy]:
    """The purchases of the solved model; a plan found before a limit counts, with its gap."""
    status = h.getModelStatus()
    info = h.getInfo()
    gap = 0.0
    if status != highspy.HighsModelStatus.kOptimal:
        stopped = any(status == getattr(highspy.HighsModelStatus, name, None) for name in STOPPED_WITH_A_PLAN)
        if not (stopped and info.primal_solution_status == 2):  # no plan was found
            raise SolverUnavailable(f"the solver stopped: {h.modelStatusToString(status)}")
        gap = float(info.mip_gap)
    if gaps is not None:
        gaps.append(gap)
    if bounds is not None:
        bounds.append(float(info.objective_function_value) if relaxed or status == highspy.HighsModelStatus.kOptimal
                      else float(info.mip_dual_bound))
    buys = []
    for (sku, t), var in x.items():
        count = int(round(h.val(var))) * units[(sku, t)] if not relaxed else int(h.val(var) > 1e-9)
        if count:
            buys.append(Buy(sku, count, t))
    return sorted(buys, key=lambda b: (b.month, b.sku))


def buy_months(offer: Offer, months: int, tiered: bool = False) -> range:
    """The months worth buying ``offer`` in. At a flat price, a package bought in a month whose
    cover reaches the end of the horizon covers no more of it than one bought in the first such
    month, for the same price, so only that first one is kept (the rest are dominated). Under
    tiers, every month: a package is drawn on every day it covers (R6), so buying it later keeps
    it from early months whose usage may cost less as you go (tiers that rise)."""
    if tiered:
        return range(0, months)
    return range(0, max(0, months - offer.months) + 1)


def _payg_cost(h: Any, highspy: Any, z: Any, other: float, most: float, price: PaygPrice, rate: Decimal, scale: int, integer: Any) -> Any:
    """The month's pay-as-you-go cost of ``z + other`` units (scaled), flat or by tiers."""
    per_unit = float(rate) * scale / price.units_per_price
    if len(price.tiers) == 1:
        return float(price.tiers[0].price) * per_unit * (z + other)
    # graduated tiers: q = z + other split into bands, band b filled only when b-1 is full
    total = most + other
    bands, lower, expr = [], 0.0, 0
    for tier in price.tiers:
        upper = total if tier.up_to is None else min(total, tier.up_to / scale)
        width = max(0.0, upper - lower)
        bands.append((h.addVariable(lb=0, ub=width), width, float(tier.price) * per_unit))
        lower = upper
        if tier.up_to is None or tier.up_to / scale >= total:
            break
    used = [h.addVariable(lb=0, ub=1, type=integer) for _ in bands]
    for i, (s, width, _) in enumerate(bands):
        h.addConstr(s - width * used[i] <= 0)
        if i + 1 < len(bands):
            h.addConstr(s - width * used[i + 1] >= 0)
    h.addConstr(sum(s for s, _, _ in bands) - z == other)
    for s, _, cost in bands:
        expr = expr + cost * s
    return expr


# -- the plan for an account -------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class ServiceAdvice:
    service: str
    buys: tuple[Buy, ...]
    with_plan: Outcome
    without_plan: Outcome
    lower: Outcome
    """The same purchases if usage is 20 % lower."""
    higher: Outcome
    """... and 20 % higher."""
    need: Need
    savings: tuple[Decimal, ...] = ()
    """What each purchase of ``buys`` saves: the plan without it costs this much more."""


@dataclass(frozen=True, slots=True)
class Advice:
    months: int
    services: tuple[ServiceAdvice, ...]
    gap: float = 0.0
    """0.0: the plan is proven optimal; otherwise the largest proven relative distance from the
    optimum of a service whose solve reached the time limit."""

    def total(self, attr: str) -> Decimal:
        return sum((getattr(s, attr).total for s in self.services), ZERO)

    def monthly(self, attr: str) -> list[Decimal]:
        """What each month costs over every service (``with_plan`` or ``without_plan``)."""
        out = [ZERO] * self.months
        for s in self.services:
            for m, amount in enumerate(getattr(s, attr).monthly):
                out[m] += amount
        return out

    @property
    def forfeited(self) -> Decimal:
        return sum((s.with_plan.forfeited for s in self.services), ZERO)

    @property
    def buys(self) -> list[tuple[str, Buy]]:
        return sorted(((s.service, b) for s in self.services for b in s.buys), key=lambda x: (x[1].month, x[1].sku))


Cost = Callable[[Sequence[Buy]], tuple[Decimal, Decimal]]
"""A plan's exact total and what it prepays (``simulate``), the order plans are compared in."""


def advise(needs: Sequence[Need], held: Sequence[Lot], offers: Sequence[Offer], catalog: Catalog, rate: Decimal,
           node_limit: int = NODE_LIMIT) -> Advice:
    """R27: the cheapest purchases for each service, and what they cost with usage as projected,
    20 % lower and 20 % higher, against buying nothing. Each service's plan is the cheapest, by
    ``simulate``'s exact cost, of the solver's plan, buying nothing and the simple plans (one SKU
    bought now), with every package that saves nothing taken out (``prune``): never worse than
    buying nothing, never a package that saves nothing, and an answer even when the solver finds
    none (then with the proven gap to the model's lower bound)."""
    months = len(needs[0].mainland) if needs else 0
    by_sku = {o.sku: o for o in offers}
    out = []
    gaps: list[float] = []
    for need in needs:
        price = catalog.price(need.service)
        mine = [lot for lot in held if lot.service == need.service]

        def cost(buys: Sequence[Buy], need: Need = need, mine: list[Lot] = mine, price: PaygPrice = price) -> tuple[Decimal, Decimal]:
            """(exact total, what it prepays): the order plans are compared in."""
            outcome = simulate(need, mine, lots_of(buys, by_sku, months), price, rate)
            return outcome.total, outcome.packages

        candidates: list[list[Buy]] = [[], *simple_plans(need, mine, offers, by_sku, cost)]
        solved_gap: list[float] = []
        bound: list[float] = []
        try:
            candidates.append(solve_service(need, mine, offers, price, rate, node_limit=node_limit, gaps=solved_gap, bounds=bound))
        except SolverUnavailable:
            solved_gap = []
        buys = prune(min(candidates, key=cost), cost)
        new = lots_of(buys, by_sku, months)
        with_plan = simulate(need, mine, new, price, rate)  # the plan's cost, evaluated once
        gaps.append(_proven_gap(with_plan.total, solved_gap, bound, need, mine, offers, price, rate))
        out.append(ServiceAdvice(
            need.service, tuple(buys), with_plan, simulate(need, mine, [], price, rate),
            simulate(need.scaled(Fraction(4, 5)), mine, new, price, rate), simulate(need.scaled(Fraction(6, 5)), mine, new, price, rate),
            need, tuple(cost([b for b in buys if b is not one])[0] - with_plan.total for one in buys)))
    return Advice(months, tuple(out), max(gaps, default=0.0))


def simple_plans(need: Need, held: Sequence[Lot], offers: Sequence[Offer], by_sku: Mapping[str, Offer], cost: Cost) -> list[list[Buy]]:
    """One SKU bought now, as many as the usage its validity covers would use (and one fewer or
    more): plans anyone would think of, which the answer is never worse than."""
    left = after_held(need, held)
    plans = []
    for o in (o for o in offers if o.service == need.service):
        covered = sum(left.mainland[: o.months])
        best = covered // o.size
        tried = [[Buy(o.sku, n, 0)] for n in {best - 1, best, best + 1} if n > 0]
        if tried:
            plans.append(min(tried, key=cost))
    return plans


def prune(buys: list[Buy], cost: Cost) -> list[Buy]:
    """Take out every package that saves nothing: while a purchase with fewer packages (halving
    the step down to one) costs no more, buy fewer. Ties prepay less, exactly."""
    current = cost(buys)[0]
    changed = True
    while changed:
        changed = False
        for i, b in enumerate(buys):
            step = b.count
            while step >= 1:
                fewer = [*buys[:i], *([replace(b, count=b.count - step)] if b.count > step else []), *buys[i + 1:]]
                total = cost(fewer)[0]
                if total <= current:
                    buys, current, changed = fewer, total, True
                    break
                step //= 2
            if changed:
                break
    return buys


def _proven_gap(chosen: Decimal, solved_gap: list[float], bound: list[float], need: Need, held: Sequence[Lot],
                offers: Sequence[Offer], price: PaygPrice, rate: Decimal) -> float:
    """0.0 when the solver proved its plan optimal and the answer costs no more; otherwise the
    relative distance from the model's lower bound (the relaxation's when the solver found nothing)."""
    if solved_gap and solved_gap[0] == 0.0 and bound and float(chosen) <= bound[0] * (1 + PREPAY_WEIGHT) + 0.01:
        return 0.0
    if not bound:
        try:
            solve_service(need, held, offers, price, rate, relaxed=True, bounds=bound)
        except SolverUnavailable:
            return 1.0  # nothing proven
    lower = max(0.0, bound[0] / (1 + PREPAY_WEIGHT))
    return 0.0 if chosen <= 0 else max(0.0, min(1.0, (float(chosen) - lower) / float(chosen)))


ENOUGH_DAYS = 7
"""R27: fewer days with usage than this in the window, and there is not enough usage to advise."""


def enough_usage(daily: Sequence[int]) -> bool:
    return sum(1 for q in daily if q) >= ENOUGH_DAYS


def project(daily: Sequence[int], months: int, trend: bool = False) -> tuple[int, ...]:
    """A month-by-month forecast from a window of daily quantities (oldest first). Flat (the
    default, SPEC section 8): the window's average daily usage, counted from its first day with
    usage (days before an account's first usage are not a quiet spell), times 30, every month.
    With ``trend``: the average of the last 30 days times 30, growing each month by the window's
    trend (least squares over the whole window, as a share of that average), capped at 10 % a
    month either way; only when the customer asks for it."""
    if not daily or not any(daily):
        return (0,) * months
    if not trend:
        since = next(i for i, q in enumerate(daily) if q)
        average = Fraction(sum(daily), len(daily) - since)
        return (int(average * 30),) * months
    recent = daily[-30:]
    base = Fraction(sum(recent), len(recent))
    n = len(daily)
    growth = Fraction(0)
    if n >= 14 and base > 0:
        mean_x = Fraction(n - 1, 2)
        mean_y = Fraction(sum(daily), n)
        sxx = sum((Fraction(i) - mean_x) ** 2 for i in range(n))
        sxy = sum((Fraction(i) - mean_x) * (q - mean_y) for i, q in enumerate(daily))
        growth = max(-GROWTH_CAP, min(GROWTH_CAP, Fraction(sxy) / Fraction(sxx) * 30 / base))
    return tuple(int(base * 30 * (1 + growth) ** (m + 1)) for m in range(months))


# -- the traffic what-if -------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class TrafficWhatIf:
    days: int
    traffic: Decimal
    """The days' traffic billed by volume: pay-as-you-go after the account's traffic packages,
    with the best traffic packages to add (their price spread over the days they would cover)."""
    bandwidth: Decimal
    """The same days billed by daily peak bandwidth (from the five-minute windows)."""
    break_even_hours: Decimal
    """Hours of steady push a day at which both cost the same (uplink and downlink weighted by
    the days' traffic)."""

    @property
    def cheaper(self) -> str:
        return "traffic" if self.traffic <= self.bandwidth else "daily_peak_bandwidth"


BANDWIDTH_FOR = {"traffic.up": "bandwidth.up", "traffic.down": "bandwidth.down"}


def traffic_what_if(days: int, volume: Mapping[str, int], peaks: Mapping[str, Sequence[int]], held: Sequence[Lot],
                    offers: Sequence[Offer], catalog: Catalog, rate: Decimal) -> TrafficWhatIf:
    """R27: the past ``days`` under each traffic billing type. ``volume``: bytes per traffic
    service over the days (mainland; packages pay for it under traffic billing); ``peaks``: per
    traffic service the bytes of each day's peak five-minute window."""
    from .money import window_mbps

    traffic_cost = Fraction(0)
    bandwidth_cost = Fraction(0)
    hours_num = hours_den = Fraction(0)
    for service, bw in BANDWIDTH_FOR.items():
        bytes_ = volume.get(service, 0)
        price = catalog.price(service)
        # the period as one month of a year that repeats it: the year's best plan, a twelfth of it
        monthly = int(Fraction(bytes_) * 30 / days) if days else 0
        need = Need(service, (monthly,) * 12, (0,) * 12)
        mine = [Lot(service, 0, 11, lot.size, lot.price) for lot in held if lot.service == service]
        buys = solve_service(need, mine, offers, price, rate)
        year = simulate(need, mine, lots_of(buys, {o.sku: o for o in offers}, 12), price, rate)
        traffic_cost += Fraction(year.total) / 12 * Fraction(days, 30)
        bw_price = catalog.price(bw).flat_price or ZERO
        bandwidth_cost += sum((window_mbps(p) * Fraction(bw_price) * Fraction(rate) for p in peaks.get(service, ())), Fraction(0))
        # break-even: a steady R Mbps for h hours a day moves R x h x 3600 / 8 MB; by volume that
        # costs (per GB) R x h x 0.45 x p_gb; by bandwidth R x p_bw: h = p_bw / (0.45 x p_gb)
        per_gb = Fraction(year.total) / (Fraction(monthly * 12, 10**9)) if monthly else Fraction(price.tiers[0].price) * Fraction(rate)
        if per_gb and bw_price:
            weight = Fraction(bytes_ or 1)
            hours_num += weight * Fraction(bw_price) * Fraction(rate) / (Fraction(45, 100) * per_gb)
            hours_den += weight
    hours = hours_num / hours_den if hours_den else Fraction(0)
    return TrafficWhatIf(days, round_line(traffic_cost), round_line(bandwidth_cost), round_line(min(hours, Fraction(24))))
