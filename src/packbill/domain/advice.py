"""The purchase advisor (R27): for each service, the cheapest purchases over the horizon, and
what they cost with usage as forecast, 20 % lower and 20 % higher, against buying nothing. Pure:
no clock, no storage.

The plan is chosen with the optimisation's model (``advice_solver`` on a ``plan_cost.Frame``,
compared by ``plan_cost.simulate``) and shown with the settlement engine's figures
(``plan_cost.billed``): the cost, the saving of each purchase, what is forfeited, month by month.
A purchase that saves nothing by the engine's figure is taken out (ties prepay less), and a plan
the engine finds dearer than buying nothing is not advised.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from fractions import Fraction

from .advice_solver import NODE_LIMIT, PREPAY_WEIGHT, SolverUnavailable, solve_service
from .catalog import PaygPrice, Prices
from .horizon import Horizon
from .money import ZERO
from .plan_cost import Buy, Frame, Lot, Need, Offer, Outcome, billed, frame, lots_of, payg_changes, simulate


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
    horizon: Horizon | None = None

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


def advise(needs: Sequence[Need], held: Sequence[Lot], offers: Sequence[Offer], prices: Prices, rate: Decimal,
           horizon: Horizon, node_limit: int = NODE_LIMIT) -> Advice:
    """R27: the cheapest purchases for each service, and what they cost with usage as forecast,
    20 % lower and 20 % higher, against buying nothing. The candidates are the solver's plan,
    buying nothing and the simple plans (one SKU bought now); the cheapest at the exact prices
    (the model), with every package that saves nothing taken out (``prune``: ties prepay less),
    is checked and billed by the settlement engine (``shown``). Savings that come only from the
    rounding of the days' lines (half a cent a day at most) do not make a package worth buying:
    they hang on how usage falls across days, which no forecast knows. Never worse than buying
    nothing, never worse than a simple plan at the exact prices, never a package that saves
    nothing, and an answer even when the solver finds none (then with the proven gap to the
    model's lower bound). The engine bills each day at its version's prices (R31)."""
    by_sku = {o.sku: o for o in offers}
    out = []
    gaps: list[float] = []
    for need in needs:
        price = prices.on(horizon.today).price(need.service)
        mine = [lot for lot in held if lot.service == need.service]
        fr = frame(need, mine, horizon, offers, payg_changes(prices, need.service, horizon))  # R31: a scheduled price's stretches

        def model(buys: Sequence[Buy], fr: Frame = fr, price: PaygPrice = price) -> Outcome:
            return simulate(fr, lots_of(buys, by_sku, horizon, rate), price, rate)

        def cost(buys: Sequence[Buy]) -> tuple[Decimal, Decimal]:
            """(the model's exact total, what it prepays): the order plans are compared in."""
            outcome = model(buys)
            return outcome.total, outcome.packages

        def close(plan: list[Buy], to: list[Buy]) -> bool:
            """Whether the engine could bill ``plan`` no more than ``to`` (the model and the engine
            differ by the rounding of each day's line at most)."""
            a, b = model(plan), model(to)
            return a.total - a.rounding <= b.total + b.rounding

        candidates: list[list[Buy]] = [[], *simple_plans(fr, offers, by_sku, horizon)]
        solved_gap: list[float] = []
        bound: list[float] = []
        try:
            candidates.append(solve_service(fr, offers, price, rate, horizon, node_limit=node_limit, gaps=solved_gap, bounds=bound))
        except SolverUnavailable:
            solved_gap = []
        best = prune(min(candidates, key=cost), cost)
        gaps.append(_proven_gap(cost(best)[0], solved_gap, bound, fr, offers, price, rate, horizon))

        seen: dict[tuple[Buy, ...], Outcome] = {}

        def engine(buys: Sequence[Buy], need: Need = need, mine: list[Lot] = mine, seen: dict[tuple[Buy, ...], Outcome] = seen) -> Outcome:
            """The plan as the settlement engine bills it (each plan once)."""
            key = tuple(buys)
            if key not in seen:
                seen[key] = billed(need, mine, lots_of(buys, by_sku, horizon, rate), horizon, prices, rate)
            return seen[key]

        buys, with_plan, savings = shown(best, engine, close)
        new = lots_of(buys, by_sku, horizon, rate)
        out.append(ServiceAdvice(
            need.service, tuple(buys), with_plan, engine([]),
            billed(need.scaled(Fraction(4, 5)), mine, new, horizon, prices, rate),
            billed(need.scaled(Fraction(6, 5)), mine, new, horizon, prices, rate), need, savings))
    return Advice(horizon.months, tuple(out), max(gaps, default=0.0), horizon)


def shown(buys: list[Buy], engine: Callable[[Sequence[Buy]], Outcome], close: Callable[[list[Buy], list[Buy]], bool]
          ) -> tuple[list[Buy], Outcome, tuple[Decimal, ...]]:
    """The plan as the settlement engine bills it: its outcome and what each purchase saves (the
    plan without it is billed this much more). ``buys`` already saves at the exact prices (the
    model); a package that saves nothing as billed is taken out too (``prune`` by the engine,
    trying only plans the model puts within the rounding of the days' lines, ``close``), and a
    plan billed no less than buying nothing is not advised. So every purchase advised saves
    something both ways, and the answer is never billed more than buying nothing."""
    buys = prune(buys, lambda b: (engine(b).total, engine(b).packages), close)
    if buys and engine(buys).total >= engine([]).total:
        buys = []
    outcome = engine(buys)
    return buys, outcome, tuple(engine([b for b in buys if b is not one]).total - outcome.total for one in buys)


def simple_plans(fr: Frame, offers: Sequence[Offer], by_sku: Mapping[str, Offer], horizon: Horizon) -> list[list[Buy]]:
    """One SKU bought now, as many as the usage its validity covers would use (and one fewer or
    more): plans anyone would think of, which the answer is never worse than."""
    plans: list[list[Buy]] = []
    for o in (o for o in offers if o.service == fr.service and o.on_sale(0)):
        (lot,) = lots_of([Buy(o.sku, 1, 0)], by_sku, horizon)
        covered = sum(q for j, q in enumerate(fr.mainland) if fr.covers(lot, j))
        best = covered // o.size
        plans.extend([Buy(o.sku, n, 0)] for n in sorted({best - 1, best, best + 1}) if n > 0)
    return plans


def prune(buys: list[Buy], cost: Cost, close: Callable[[list[Buy], list[Buy]], bool] | None = None) -> list[Buy]:
    """Take out every package that saves nothing: while a purchase with fewer packages (halving
    the step down to one) costs no more, buy fewer. Ties prepay less, exactly. ``close(fewer,
    buys)``: whether a plan is worth costing at all (None: every one)."""
    current = cost(buys)[0]
    changed = True
    while changed:
        changed = False
        for i, b in enumerate(buys):
            step = b.count
            while step >= 1:
                fewer = [*buys[:i], *([replace(b, count=b.count - step)] if b.count > step else []), *buys[i + 1:]]
                total = cost(fewer)[0] if close is None or close(fewer, buys) else None
                if total is not None and total <= current:
                    buys, current, changed = fewer, total, True
                    break
                step //= 2
            if changed:
                break
    return buys


def _proven_gap(chosen: Decimal, solved_gap: list[float], bound: list[float], fr: Frame, offers: Sequence[Offer],
                price: PaygPrice, rate: Decimal, horizon: Horizon) -> float:
    """0.0 when the solver proved its plan optimal and the answer costs no more; otherwise the
    relative distance from the model's lower bound (the relaxation's when the solver found nothing)."""
    if solved_gap and solved_gap[0] == 0.0 and bound and float(chosen) <= bound[0] * (1 + PREPAY_WEIGHT) + 0.01:
        return 0.0
    if not bound:
        try:
            solve_service(fr, offers, price, rate, horizon, relaxed=True, bounds=bound)
        except SolverUnavailable:
            return 1.0  # nothing proven
    lower = max(0.0, bound[0] / (1 + PREPAY_WEIGHT))
    return 0.0 if chosen <= 0 else max(0.0, min(1.0, (float(chosen) - lower) / float(chosen)))
