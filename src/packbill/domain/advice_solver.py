"""The advisor's optimisation (R27): the cheapest purchases for one service, as an exact
mixed-integer program solved by HiGHS. Pure: no clock, no storage.

It works on a ``plan_cost.Frame``: the horizon cut into stretches of days in which nothing
changes. It decides how many packages of each SKU to buy on the first day of which month of the
horizon, so that the packages bought plus pay-as-you-go after every package has paid what it can
cost the least:

    minimise   sum_kt price_k x_kt + sum_c payg_c(q_c)
    subject to sum_l y_lj + z_j = demand_j                 (what the held packages leave of a
                                                            stretch's mainland usage is drawn or paid for)
               sum_j y_lj <= size_k x_kt                   (lot l: the packages of SKU k bought in month t)
               q_c = sum_(j in c) z_j + other_c            (other regions are always pay-as-you-go, R1)
               y_lj = 0 where lot l does not cover stretch j (validity R4, expiry R9)
               x_kt integer >= 0, not limited by a purchase's 100 (a plan item above it is
                                                            bought in several purchases)

``payg_c`` is the service's pay-as-you-go over calendar month c (tiers restart on the 1st; the
first month counts what was billed before today): flat, or graduated tiers modelled exactly with
one binary per tier (so falling prices by volume are handled too). Every package costs its
contracted price (list x the account's discount rate, R16); pay-as-you-go too.

Why the drawing needs no order constraint: the packages held now were bought before anything
the plan buys, so R5 draws them first whatever the plan (``plan_cost.after_held`` takes them off
the demand day by day); the lots the plan buys all have the catalog's validity from their
purchase, so drawing them in purchase order is drawing the one that expires first, which forfeits
least (R9): among allocations with the least cost there is always one in R5 order, and
``plan_cost.simulate`` (independent of the solver) evaluates a plan exactly that way. A stretch
pays as it goes only once every package covering it is used up (R6: a binary per stretch says so,
needed under tiers only). At a flat price only the first month whose cover reaches the horizon's
end is offered for each SKU (``buy_months``); under tiers every month. Money in results is always
exact Decimal arithmetic; the solver's floats only choose.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from .catalog import PaygPrice
from .errors import BillingError
from .horizon import Horizon
from .plan_cost import Buy, Frame, Offer, lots_of

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


def solve_service(fr: Frame, offers: Sequence[Offer], price: PaygPrice, rate: Decimal, horizon: Horizon,
                  max_count: int | None = None, node_limit: int = NODE_LIMIT, relaxed: bool = False,
                  gaps: list[float] | None = None, bounds: list[float] | None = None) -> list[Buy]:
    """The cheapest purchases for one service over the horizon (the MILP above), proven optimal;
    if the solver reaches its node limit first (long horizons), the best plan it found, and its
    proven relative distance from the optimum is appended to ``gaps`` (0.0 when optimal), the
    model's lower bound on the cost to ``bounds``. ``relaxed`` solves the same model with whole
    numbers not required (a lower bound; the benchmark's limit). ``max_count``: how many of a SKU
    one month's purchase may hold (None: as many as the usage could use)."""
    try:
        import highspy
    except ImportError as exc:  # pragma: no cover - a dependency of the project
        raise SolverUnavailable(str(exc)) from None
    offers = [o for o in offers if o.service == fr.service]
    if not offers or not any(fr.mainland):
        if gaps is not None:
            gaps.append(0.0)
        if bounds is not None:
            bounds.append(0.0)
        return []
    scale = solver_scale(fr)
    by_sku = {o.sku: o for o in offers}
    h = highspy.Highs()  # type: ignore[no-untyped-call]  # highspy ships no types
    h.silent()
    h.setOptionValue("threads", 1)
    h.setOptionValue("time_limit", SAFETY_SECONDS)
    h.setOptionValue("mip_max_nodes", node_limit)
    h.setOptionValue("mip_rel_gap", 0.0 if horizon.months <= EXACT_MONTHS else LONG_GAP)
    h.setOptionValue("mip_abs_gap", 1e-6)
    integer = highspy.HighsVarType.kContinuous if relaxed else highspy.HighsVarType.kInteger
    tiered = len(price.tiers) > 1 or fr.varies  # R6 and every month wherever a unit drawn saves unalike: tiers, or a version (R31)
    x, draws, groups, units = _purchases(h, offers, fr, horizon, tiered, scale, max_count, integer)
    objective = sum(float(by_sku[sku].at(t).price) * units[(sku, t)] * (1 + PREPAY_WEIGHT) * var for (sku, t), var in x.items())
    paid: list[list[int]] = [[] for _ in range(fr.months)]
    payg = []
    for j, want in enumerate(fr.mainland):
        z = h.addVariable(lb=0)
        payg.append(z)
        paid[fr.calendar[j]].append(j)
        h.addConstr(sum(draws[j]) + z == want / scale)
        if tiered:
            # R6: usage is paid as you go only once every package covering its stretch is used up
            # (a package is never left with something while its days' usage is billed): with
            # u = 1 when stretch j pays as it goes, each covering group has drawn all it holds by
            # then. At a flat price this is never needed: a unit drawn saves the same on any day,
            # and drawing in purchase order (earliest expiry first, all lots the plan buys lasting
            # alike) draws the most there is to draw, so the optimum is the same without it.
            paying = h.addVariable(lb=0, ub=1, type=integer)
            h.addConstr(z - (want / scale) * paying <= 0)
            for held, big, ys, _ in groups:
                if j in ys:
                    h.addConstr(sum(y for k, y in ys.items() if k <= j) - held - big * paying >= -big)
    for c, js in enumerate(paid):
        objective = objective + _month_payg(h, fr, js, [payg[j] for j in js], fr.before / scale if c == 0 else 0.0, price, rate, scale,
                                            integer)
    if not relaxed:
        _window_cuts(h, fr, horizon, scale, groups, payg)
    h.minimize(objective)
    return _solution(h, highspy, x, units, relaxed, gaps, bounds)


def solver_scale(fr: Frame) -> int:
    """The unit the solver counts in (a power of ten): a stretch's largest usage at most about
    10^6 of them, so that 10^15 calls a month is as easy to solve as 10^5."""
    peak = max([*fr.mainland, *fr.other, 1])
    return int(10 ** max(0, len(str(peak)) - 6))


def _purchases(h: Any, offers: Sequence[Offer], fr: Frame, horizon: Horizon, tiered: bool, scale: int, max_count: int | None,
               integer: Any) -> tuple[dict[tuple[str, int], Any], dict[int, list[Any]], list[Group], dict[tuple[str, int], int]]:
    """The model's purchase variables: how many of each offer are bought in each month it may be
    bought (x, at most what the usage it covers could use, or ``max_count``), and the packages
    each unit of x stands for. Purchases that cover the same days (bought the same month, alike
    in validity) are drawn as one group: R5 draws them one after the other whatever their SKU, so
    the model needs only what the group holds and what each stretch draws from it (the same
    optimum with a fraction of the variables). Returns x, the draw variables by stretch, the
    groups (what one holds as an expression in scaled units, its most, {stretch: draw}), units."""
    x: dict[tuple[str, int], Any] = {}
    units: dict[tuple[str, int], int] = {}
    draws: dict[int, list[Any]] = {j: [] for j in range(len(fr.mainland))}
    holds: dict[tuple[int, int], list[tuple[float, Any, float]]] = {}
    for o in offers:
        for t in buy_months(o, horizon.months, tiered):
            (lot,) = lots_of([Buy(o.sku, 1, t)], {o.sku: o}, horizon)
            covered = sum(q for j, q in enumerate(fr.mainland) if fr.covers(lot, j))
            most = max_count if max_count is not None else -(-covered // o.size) + 1
            unit = count_unit(most)  # packages counted by the thousand (or more) when there would be billions
            x[(o.sku, t)] = var = h.addVariable(lb=0, ub=-(-most // unit), type=integer)
            units[(o.sku, t)] = unit
            holds.setdefault((lot.first, lot.last), []).append((o.size * unit / scale, var, float(-(-most // unit))))
    groups = []
    for (first, last), parts in holds.items():
        ys = {j: h.addVariable(lb=0) for j in range(len(fr.mainland)) if first <= fr.starts[j] and fr.starts[j + 1] - 1 <= last}
        for j, y in ys.items():
            draws[j].append(y)
        held = sum(size * var for size, var, _ in parts)
        h.addConstr(sum(ys.values()) - held <= 0)
        groups.append((held, sum(size * most for size, _, most in parts), ys, (first, last, parts)))
    return x, draws, groups, units


WINDOWS = "suffix"

Group = tuple[Any, float, dict[int, Any], tuple[int, int, list[tuple[float, Any, float]]]]
"""Purchases covering the same days: what they hold (scaled units, an expression), the most they
could hold, {stretch: what it draws}, and (first day, last day, [(capacity of one unit of x, x, most)])."""


def _window_cuts(h: Any, fr: Frame, horizon: Horizon, scale: int, groups: list[Group], payg: list[Any]) -> None:
    """Valid inequalities that make the long horizons provable. For the days of months a to b of
    the horizon, what the purchases covering any of them hold plus what those days pay as they
    go is at least their usage: sum_i c_i x_i + z(W) >= D(W). Packages come whole, so its
    mixed-integer rounding (with d the largest c_i, f the fractional part of D(W) / d) holds too:

        sum_i (floor(c_i / d) + min(frac(c_i / d), f) / f) x_i + z(W) / (d f) >= ceil(D(W) / d)

    (a package is bought for the remainder or the remainder is paid as you go), which the
    relaxation, buying fractions of packages, violates. It leaves the optimum as it is and lifts
    the lower bound to it: a 36-month horizon whose bound stood still at 1.2 % for ten thousand
    nodes is proven within its tolerance at the root."""
    bounds = (*horizon.month_starts(), horizon.days)
    at = {start: j for j, start in enumerate(fr.starts)}  # every month of the horizon starts a stretch
    total = [0]
    for q in fr.mainland:
        total.append(total[-1] + q)
    for a, b in windows(horizon.months, WINDOWS):
        lo, hi = bounds[a], bounds[b + 1] - 1
        first, after = at[lo], at[bounds[b + 1]]
        usage = (total[after] - total[first]) / scale
        parts = [(size, var) for _, _, _, (start, last, ps) in groups if start <= hi and last >= lo for size, var, _ in ps]
        if not parts or usage <= 0:
            continue
        d = max(size for size, _ in parts)
        f = usage / d - math.floor(usage / d)
        if f < 1e-6 or f > 1 - 1e-6:
            continue
        terms = []
        for size, var in parts:
            share = size / d
            frac = share - math.floor(share)
            terms.append((math.floor(share) + min(frac, f) / f if frac > 1e-9 else share) * var)
        h.addConstr(sum(terms) + sum(payg[first:after]) / (d * f) >= math.ceil(usage / d))


def windows(months: int, mode: str = "all") -> list[tuple[int, int]]:
    """The windows of months the cuts are made for: every one up to a year long, and every one
    that runs to the horizon's end (where the last package's remainder is decided)."""
    if mode == "all":
        return [(a, b) for a in range(months) for b in range(a, months)]
    if mode == "suffix":
        return [(a, months - 1) for a in range(months)]
    if mode == "fix":
        return [(a, months - 1) for a in range(months)] + [(0, b) for b in range(months - 1)]
    n = int(mode)
    return sorted({(a, b) for a in range(months) for b in range(a, min(months, a + n))} | {(a, months - 1) for a in range(months)})


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


def buy_months(offer: Offer, months: int, tiered: bool = False) -> Sequence[int]:
    """The months worth buying ``offer`` in. At a flat price, a package bought in a month whose
    cover reaches the end of the horizon covers no more of it than one bought in the first such
    month, for the same price, so only that first one is kept (the rest are dominated). Under
    tiers, every month: a package is drawn on every day it covers (R6), so buying it later keeps
    it from early months whose usage may cost less as you go (tiers that rise). A price that a
    version changes within the horizon (R31) keeps every month it is on sale: a later month may
    be cheaper."""
    if tiered or offer.varies:
        return [t for t in range(0, months) if offer.on_sale(t)]
    return range(0, max(0, months - offer.months) + 1)


def _month_payg(h: Any, fr: Frame, js: Sequence[int], zs: Sequence[Any], before: float, today: PaygPrice, rate: Decimal, scale: int,
                integer: Any) -> Any:
    """A calendar month's pay-as-you-go cost over its stretches ``js`` (their variables ``zs``): at
    one price the month through, the month's tiers over all of them; at flat prices a version
    changes within the month (R31), each stretch at its own. Graduated tiers under two prices in
    one month are weighed at the month's first (the solver proposes; the model and the engine,
    which every plan's figures come from, price each stretch and day exactly)."""
    prices = [fr.price_of(j, today) for j in js]
    if len(set(prices)) > 1 and all(len(p.tiers) == 1 for p in prices):
        return sum(_payg_cost(h, z, fr.other[j] / scale, fr.mainland[j] / scale, 0.0, p, rate, scale, integer)
                   for j, z, p in zip(js, zs, prices, strict=True))
    other = sum(fr.other[j] for j in js) / scale
    most = sum(fr.mainland[j] for j in js) / scale
    return _payg_cost(h, sum(zs), other, most, before, prices[0] if prices else today, rate, scale, integer)


def _payg_cost(h: Any, z: Any, other: float, most: float, before: float, price: PaygPrice, rate: Decimal, scale: int,
               integer: Any) -> Any:
    """A calendar month's pay-as-you-go cost of ``z + other`` units (scaled) after ``before``
    already billed in it, flat or by graduated tiers."""
    per_unit = float(rate) * scale / price.units_per_price
    if len(price.tiers) == 1:
        return float(price.tiers[0].price) * per_unit * (z + other)
    # graduated tiers: q = z + other split into bands, band b filled only when b-1 is full; a
    # tier that ``before`` already filled has no band
    total = most + other
    bands, lower, expr = [], 0.0, 0
    for tier in price.tiers:
        upper = total if tier.up_to is None else min(total, tier.up_to / scale - before)
        if upper <= lower and tier.up_to is not None:
            continue
        width = max(0.0, upper - lower)
        bands.append((h.addVariable(lb=0, ub=width), width, float(tier.price) * per_unit))
        lower = upper
        if tier.up_to is None or tier.up_to / scale - before >= total:
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
