"""R27: the advisor's plan is optimal (against brute force on small cases), and worked examples
computed by hand: buying nothing, a 10m package against 1m ones, forfeiture favouring the smaller
package, and the traffic what-if both ways."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import ROUND_HALF_UP
from decimal import Decimal as D
from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from packbill.domain.advice import advise, simple_plans
from packbill.domain.advice_solver import buy_months, solve_service
from packbill.domain.catalog import Catalog, PaygPrice, Tier, load_catalog
from packbill.domain.forecast import enough_usage, project
from packbill.domain.horizon import Horizon
from packbill.domain.plan_cost import Buy, Lot, Need, Offer, billed, frame, lots_of, payg_changes, simulate
from packbill.domain.traffic_what_if import traffic_what_if

CATALOG = load_catalog()
YEAR = Horizon.of(date(2027, 1, 1), 12)
"""A year of calendar months (the tiers' months and the horizon's are the same ones)."""


def offers_of(service: str, rate: D = D(1)) -> list[Offer]:
    return [Offer(p.sku, p.service, p.size, (p.price * rate).quantize(D("0.01")), p.validity.months, p.price)
            for p in CATALOG.packages.values() if p.service == service]


def flat_year(service: str, per_month: int) -> Need:
    return Need(service, (per_month,) * 12, (0,) * 12)


def days_of(per_month: int, horizon: Horizon = YEAR) -> list[int]:
    """The forecast's days as the engine bills them (each month spread over its days)."""
    return list(horizon.spread((per_month,) * horizon.months))


def billed_per_day(per_day: list[int], unit: D) -> D:
    """Pay-as-you-go as bills charge it: each day's line rounded half up (R13)."""
    return sum(((q * unit).quantize(D("0.01"), rounding=ROUND_HALF_UP) for q in per_day), D(0))


# -- worked examples ----------------------------------------------------------------------------

def payg_after(per_day: list[int], capacity: int, unit: D) -> D:
    """A package of ``capacity`` bought today draws each day's usage until it is used up; the
    rest of each day is billed, the day's line rounded half up."""
    left, out = capacity, []
    for q in per_day:
        take = min(q, left)
        left -= take
        out.append(q - take)
    return billed_per_day(out, unit)


def test_buying_nothing_is_best_for_a_trickle():
    # 1,000 face calls a month, about 32 a day: 0.016 a day, billed 0.02 (each day's line is
    # rounded, R13): 7.30 a year, and the figure shown is what the bills will say; the smallest
    # package costs 50.00
    advice = advise([flat_year("ai.face", 1000)], [], offers_of("ai.face"), CATALOG, D(1), YEAR)
    (s,) = advice.services
    assert s.buys == () and s.with_plan.total == s.without_plan.total == billed_per_day(days_of(1000), D("0.0005")) == D("7.30")


def test_a_10m_package_beats_buying_1m_ones():
    # 830,000 pet calls a month, 9,960,000 a year. Pay-as-you-go: 9,960,000 x 0.0025 = 24,900.00
    # exactly, billed 24,901.46 as each day's line is rounded (26,774 or 26,775 calls a day in a
    # 31-day month: 66.935 or 66.9375, billed 66.94). Ten 1m packages: 22,000.00; nine and the rest
    # pay-as-you-go: 19,800 + 960,000 x 0.0025 = 22,200.00. One 10m package: 20,000.00, forfeiting
    # 40,000 calls (80.00 of its value).
    advice = advise([flat_year("ai.pet", 830_000)], [], offers_of("ai.pet"), CATALOG, D(1), YEAR)
    (s,) = advice.services
    assert s.buys == (Buy("ai.pet.10m", 1, 0),)
    assert (s.with_plan.total, s.without_plan.total, s.with_plan.forfeited) == (D("20000.00"), D("24901.46"), D("80.00"))
    assert s.without_plan.total == billed_per_day(days_of(830_000), D("0.0025"))


def test_forfeiture_makes_the_smaller_package_better():
    # 125,000 pet calls a month, 1.5M a year: a 10m package (20,000.00) would forfeit 8.5M calls;
    # two 1m (4,400.00) forfeit 500,000; one 1m + the rest pay-as-you-go or in 100k packages:
    # 2,200 + 500,000 x 0.0025 = 3,450.00, the least (3,450.16 as the days' lines are rounded);
    # a 100k package costs what its calls cost as you go (250.00), so none is advised.
    advice = advise([flat_year("ai.pet", 125_000)], [], offers_of("ai.pet"), CATALOG, D(1), YEAR)
    (s,) = advice.services
    assert s.buys == (Buy("ai.pet.1m", 1, 0),)
    assert s.with_plan.total == D("2200.00") + payg_after(days_of(125_000), 1_000_000, D("0.0025")) == D("3450.16")
    # usage 20 % higher or lower, same purchases: 1.2M -> 2,200 + 200,000 x 0.0025 (or its 100k packages)
    assert s.lower.total < s.with_plan.total < s.higher.total


def test_held_packages_and_the_discount_count():
    # a held 1m pet package covering the first 6 months pays for 6 x 125,000 = 750,000 calls; the
    # other 750,000 at 0.85 of list: one 1m package at 1,870.00 forfeits 250,000, pay-as-you-go
    # 750,000 x 0.0025 x 0.85 = 1,593.75, 100k packages 8 x 212.50 = 1,700.00: pay-as-you-go wins
    # (1,593.68 as the days' lines are billed, each rounded once after the discount, R16)
    held = [Lot("ai.pet", 0, YEAR.index(date(2027, 7, 1)) - 1, 1_000_000, package_id="p-held")]  # through June 30
    advice = advise([flat_year("ai.pet", 125_000)], held, offers_of("ai.pet", D("0.85")), CATALOG, D("0.85"), YEAR)
    (s,) = advice.services
    assert s.without_plan.total == payg_after(days_of(125_000), 750_000, D("0.002125")) == D("1593.68")
    assert s.with_plan.total == s.without_plan.total and s.buys == ()


def _steady(gb_per_day: float, hours: float, days: int = 30):
    """Traffic moved at a steady rate for ``hours`` a day: (bytes over the days, each day's peak window bytes)."""
    per_day = int(gb_per_day * 10**9)
    windows = max(1, int(hours * 12))
    return per_day * days, [per_day // windows] * days


def test_traffic_billing_wins_for_short_bursts():
    # 30 GB a day pushed in one hour: by volume 900 GB in 30 days at 0.15 a GB (every upstream
    # package costs what its traffic costs as you go, so none saves anything): 135.00.
    # By bandwidth: each day's peak window is 2.5 GB = 66.67 Mbps x 0.35 = 23.33 a day, 700.00.
    volume, peaks = _steady(30, 1)
    w = traffic_what_if(30, {"traffic.up": volume}, {"traffic.up": peaks}, [], offers_of("traffic.up"), CATALOG, D(1), YEAR)
    assert w.cheaper == "traffic" and w.bandwidth == D("700.00") and w.traffic == D("135.00")


def test_bandwidth_billing_wins_for_a_steady_push():
    # the same 30 GB a day spread over 24 hours: a peak window of 104,166,666 bytes = 2.78 Mbps,
    # 0.97 a day, 29.17 for 30 days, against 135.00 by volume
    volume, peaks = _steady(30, 24)
    w = traffic_what_if(30, {"traffic.up": volume}, {"traffic.up": peaks}, [], offers_of("traffic.up"), CATALOG, D(1), YEAR)
    assert w.cheaper == "daily_peak_bandwidth" and w.bandwidth == D("29.17")
    # the break-even: 0.35 per Mbps-day against 0.15 per GB: 0.35 / (0.45 x 0.15) = 5.19 hours
    assert w.break_even_hours == D("5.19")


def test_a_trend_forecast_follows_the_trend_within_its_cap():
    assert project([100] * 90, (31, 28, 31), trend=True) == (3100, 2800, 3100)
    rising = project([100 + i for i in range(90)], (30, 30), trend=True)
    assert rising[0] > 30 * 160 and rising[1] > rising[0]
    assert project([1000 * (i + 1) for i in range(90)], (30,), trend=True)[0] <= int(
        Fraction(sum(1000 * (i + 1) for i in range(60, 90)), 30) * 30 * Fraction(11, 10))
    assert project([], (31, 30), trend=True) == (0, 0)


def test_the_forecast_is_flat_by_default():
    """Issue 22: a flat month grew 10 % a month compounding (279,208 -> 796,614 calls). By default
    the forecast is the window's daily average x the days of each month, counted from the first
    day with usage; the trend only on request."""
    average = Fraction(sum(100 + i for i in range(90)), 90)
    assert project([100 + i for i in range(90)], (31, 28, 31)) == (int(average * 31), int(average * 28), int(average * 31))
    assert project([0] * 60 + [9307] * 30, (30,) * 12) == (279_210,) * 12  # a customer who started 30 days ago: no zeros averaged in
    assert project([], (31, 30)) == (0, 0)
    assert not enough_usage([0] * 85 + [5] * 6) and enough_usage([0] * 83 + [5] * 7)


# -- optimal, against brute force ----------------------------------------------------------------

PRICES = {
    "flat": PaygPrice("ai.face", "call", "人脸检测", "Face", (Tier(None, D("0.01")),)),
    "falling": PaygPrice("ai.face", "call", "人脸检测", "Face", (Tier(500, D("0.02")), Tier(None, D("0.005")))),
    "rising": PaygPrice("ai.face", "call", "人脸检测", "Face", (Tier(400, D("0.004")), Tier(None, D("0.03")))),
}


STARTS = [date(2027, 1, 1), date(2027, 1, 15), date(2027, 2, 20), date(2027, 1, 31)]
"""Horizons starting on the 1st (its months are calendar months) and mid-month (the tiers
restart on the 1st inside each month of the horizon; January 31st rolls its months)."""


@settings(max_examples=40, deadline=None)
@given(
    months=st.integers(1, 3),
    start=st.sampled_from(STARTS),
    demand=st.lists(st.integers(0, 2500), min_size=3, max_size=3),
    other=st.lists(st.integers(0, 600), min_size=3, max_size=3),
    before=st.integers(0, 600),
    sizes=st.tuples(st.sampled_from([100, 300, 1000]), st.sampled_from([800, 1500, 3000])),
    prices=st.tuples(st.integers(1, 25), st.integers(5, 40)),
    validity=st.integers(1, 3),
    held=st.lists(st.tuples(st.integers(0, 100), st.integers(1, 1500)), max_size=2),
    tiers=st.sampled_from(sorted(PRICES)),
)
def test_the_plan_is_as_cheap_as_the_best_of_every_plan(months, start, demand, other, before, sizes, prices, validity, held, tiers):
    horizon = Horizon.of(start, months)
    need = Need("ai.face", tuple(demand[:months]), tuple(other[:months]), before)
    offers = [Offer("small", "ai.face", sizes[0], D(prices[0]), validity), Offer("large", "ai.face", sizes[1], D(prices[1]), validity)]
    # held packages expiring on any day, mid-month included (issue 22)
    lots = [Lot("ai.face", 0, min(last, horizon.days - 1), size) for last, size in held]
    price = PRICES[tiers]
    by_sku = {o.sku: o for o in offers}
    fr = frame(need, lots, horizon, offers)

    def brute(slots, most):
        best = None
        for counts in itertools.product(range(most + 1), repeat=len(slots)):
            buys = [Buy(sku, c, t) for (sku, t), c in zip(slots, counts, strict=False) if c]
            cost = simulate(fr, lots_of(buys, by_sku, horizon), price, D(1)).total
            best = cost if best is None else min(best, cost)
        return best

    def solved(most):
        chosen = solve_service(fr, offers, price, D(1), horizon, max_count=most)
        return simulate(fr, lots_of(chosen, by_sku, horizon), price, D(1)).total

    # exact over the solver's own choices (the months that are not dominated, up to 2 of each)
    kept = [(o.sku, t) for o in offers for t in buy_months(o, months, len(price.tiers) > 1)]
    assert abs(solved(2) - brute(kept, 2)) <= D("0.01")
    # and no plan buying in any month (up to 2 of each) is cheaper: the dropped months were dominated
    every = [(o.sku, t) for o in offers for t in range(months)]
    assert solved(2 * months) <= brute(every, 2) + D("0.01")


@dataclass(frozen=True)
class Switch:
    """R31 in small: one catalog until a day, another from it (the ``Prices`` the engine asks)."""

    before: Catalog
    after: Catalog
    day: date

    def on(self, day: date) -> Catalog:
        return self.after if day >= self.day else self.before


def repriced(catalog: Catalog, service: str, how: str, unit: int = 1) -> Catalog:
    """The catalog with ``service``'s pay-as-you-go price halved, doubled, made graduated
    (falling tiers) or flat, as a price version would change it."""
    price = catalog.price(service)
    if how in ("half", "double"):
        factor = D("0.5") if how == "half" else D(2)
        tiers = tuple(Tier(t.up_to, t.price * factor) for t in price.tiers)
    elif how == "falling":
        tiers = tuple(Tier(t.up_to and t.up_to * 5000 * unit, t.price / 20 * unit) for t in PRICES["falling"].tiers)
    else:
        tiers = (Tier(None, price.tiers[-1].price * D("1.5")),)
    return replace(catalog, services={**catalog.services, service: replace(price, tiers=tiers)})


@settings(max_examples=60, deadline=None)
@given(
    months=st.integers(1, 14),
    start=st.sampled_from(STARTS + [date(2026, 12, 6), date(2028, 2, 29)]),
    per_month=st.lists(st.integers(0, 5_000_000), min_size=14, max_size=14),
    other=st.integers(0, 200_000),
    before=st.integers(0, 3_000_000),
    held=st.lists(st.tuples(st.integers(0, 400), st.integers(1, 4_000_000)), max_size=3),
    buys=st.lists(st.tuples(st.sampled_from([".1m", ".10m", ".100k", ".100gb", ".1tb"]), st.integers(1, 150), st.integers(0, 13)),
                  max_size=4),
    tiers=st.sampled_from(["shipped", "falling", "rising"]),
    rate=st.sampled_from([D(1), D("0.85"), D("0.7315")]),
    service=st.sampled_from(["ai.face", "traffic.up"]),
    version=st.one_of(st.none(), st.tuples(st.integers(1, 420), st.sampled_from(["half", "double", "falling", "flat"]))),
)
def test_the_model_agrees_with_the_settlement_engine_on_random_plans(months, start, per_month, other, before, held, buys, tiers,
                                                                      rate, service, version):
    """Issue 22: the figure shown is the engine's, day by day (held packages drawn to their last
    day, R5 order, calendar-month tiers counting from what the month already billed, the
    discount, traffic billed by volume); the optimisation's model must agree with it: exactly in
    what each package draws, and in money up to the rounding of each day's line (half a cent a
    day at most)."""
    horizon = Horizon.of(start, months)
    catalog = CATALOG
    unit = 1 if service.startswith("ai.") else 10**5  # traffic in bytes: 100 KB where a call is one
    if tiers != "shipped":  # the same service with graduated tiers, scaled to these volumes
        tiered = PRICES[tiers]
        shipped = CATALOG.price(service)
        price = replace(shipped, tiers=tuple(Tier(t.up_to and t.up_to * 5000 * unit, t.price / 20 * unit) for t in tiered.tiers))
        catalog = replace(CATALOG, services={**CATALOG.services, service: price})
    need = Need(service, tuple(q * unit for q in per_month[:months]), (other * unit,) * months, before * unit)
    offers = offers_of(service, rate)
    lots = [Lot(service, 0, min(last, horizon.days - 1), size * unit, package_id=f"h{i}") for i, (last, size) in enumerate(held)]
    plan = lots_of([Buy(service + sku, count, t) for sku, count, t in buys if t < months and service + sku in CATALOG.packages],
                   {o.sku: o for o in offers}, horizon, rate)
    prices = catalog if version is None else Switch(catalog, repriced(catalog, service, version[1], unit), start + timedelta(days=version[0]))
    model = simulate(frame(need, lots, horizon, offers, payg_changes(prices, service, horizon)), plan, catalog.price(service), rate)
    engine = billed(need, lots, plan, horizon, prices, rate)
    assert model.drawn == engine.drawn and model.packages == engine.packages
    assert abs(model.payg - engine.payg) <= D("0.005") * horizon.days + D("0.01")
    assert abs(model.forfeited - engine.forfeited) <= D("0.01")
    assert sum(engine.monthly, D(0)) == engine.total


@settings(max_examples=25, deadline=None)
@given(
    months=st.integers(1, 2),
    start=st.sampled_from(STARTS),
    demand=st.lists(st.integers(10**8, 2 * 10**9), min_size=2, max_size=2),
    held=st.lists(st.tuples(st.integers(0, 60), st.integers(10**7, 10**9)), max_size=2),
    price=st.tuples(st.integers(1500, 5500), st.integers(550, 600)),
)
def test_large_volumes_get_the_brute_force_optimum_with_more_than_100_packages(months, start, demand, held, price):
    """Issue 22, case 2, against brute force: 10^8 to 2 x 10^9 calls a month (a purchase of 100
    packages of 10 million holds 10^9), a 10m and a 1m package (each at a price that may save or
    tie), every count of each bought now up to what the usage could use."""
    horizon = Horizon.of(start, months)
    need = Need("ai.face", tuple(demand[:months]), (0,) * months)
    offers = [Offer("big", "ai.face", 10**7, D(price[0]), 12), Offer("small", "ai.face", 10**6, D(price[1]), 12)]
    lots = [Lot("ai.face", 0, min(last, horizon.days - 1), size) for last, size in held]
    fr = frame(need, lots, horizon, offers)
    by_sku = {o.sku: o for o in offers}
    payg = replace(PRICES["flat"], tiers=(Tier(None, D("0.0005")),))  # 0.0005 a call: a 10m package saves below 5,000.00
    most = sum(fr.mainland) // 10**7 + 1

    def total(big, small):
        return simulate(fr, lots_of([b for b in (Buy("big", big, 0), Buy("small", small, 0)) if b.count], by_sku, horizon),
                        payg, D(1)).total

    # ten small ones hold what a big one does and cost no less: an optimum never needs ten of them
    every = {(n, m): total(n, m) for n in range(most + 1) for m in range(10)}
    brute = min(every.values())
    chosen = solve_service(fr, offers, payg, D(1), horizon)
    cost = simulate(fr, lots_of(chosen, by_sku, horizon), payg, D(1)).total
    assert cost <= brute + D("0.01")
    if min(c for (n, _), c in every.items() if n <= 100) > brute + D("0.01"):  # the optimum needs more than 100 of them
        assert sum(b.count for b in chosen if b.sku == "big") > 100  # not capped at one purchase's 100


# -- issue 22: no artificial bounds, never worse than simple, ties prepay less, the same under load ---

def test_a_large_account_is_advised_more_than_100_packages():
    """150 million face calls a month, 1.8 billion a year: 180 packages of 10 million (720,000.00),
    not nothing (900,000.00, billed 900,000.38 as each day's line is rounded) because one
    purchase holds at most 100."""
    advice = advise([flat_year("ai.face", 150_000_000)], [], offers_of("ai.face"), CATALOG, D(1), YEAR)
    (s,) = advice.services
    assert [(b.sku, b.count) for b in s.buys] == [("ai.face.10m", 180)]
    assert s.with_plan.total == D("720000.00") and s.without_plan.total == D("900000.38") and advice.gap == 0.0


def test_volumes_far_beyond_a_real_account_still_get_a_plan():
    """10^15 calls a month (the intake's daily limit is 10^12 a day): an answer, no error."""
    advice = advise([flat_year("ai.face", 10**15)], [], offers_of("ai.face"), CATALOG, D(1), YEAR)
    (s,) = advice.services
    assert s.with_plan.total <= s.without_plan.total and s.buys and s.buys[0].count >= 10**8


def test_a_package_that_saves_nothing_is_never_advised():
    """124,000 tag calls in January (4,000 a day) and none after: the 100k package (250.00) pays
    for the first 25 days, which cost exactly as much as you go (25 x 10.00): a tie, so nothing is
    prepaid. With 100,000 calls in January (3,225 or 3,226 a day) pay-as-you-go is billed 250.11,
    some days' lines rounded up half a cent: the package would be billed 0.11 less, but only
    through the rounding, which hangs on how the calls fall across days: still a tie."""
    need = Need("ai.tags", (124_000,) + (0,) * 11, (0,) * 12)
    (s,) = advise([need], [], offers_of("ai.tags"), CATALOG, D(1), YEAR).services
    assert s.buys == () and s.with_plan.total == D("310.00")
    (s,) = advise([replace(need, mainland=(100_000,) + (0,) * 11)], [], offers_of("ai.tags"), CATALOG, D(1), YEAR).services
    assert s.buys == () and s.with_plan.total == s.without_plan.total == D("250.11")


def test_each_purchase_says_what_it_saves():
    advice = advise([flat_year("ai.face", 150_000_000)], [], offers_of("ai.face"), CATALOG, D(1), YEAR)
    (s,) = advice.services
    assert s.savings == (D("180000.38"),)  # without the 180 packages the year is billed 900,000.38


@settings(max_examples=40, deadline=None)
@given(per_month=st.lists(st.integers(0, 3_000_000), min_size=1, max_size=6), service=st.sampled_from(["ai.face", "ai.tags", "ai.plate"]))
def test_the_answer_is_never_worse_than_buying_nothing_or_one_sku_bought_now(per_month, service):
    need = Need(service, tuple(per_month), (0,) * len(per_month))
    offers = offers_of(service)
    horizon = Horizon.of(date(2027, 3, 10), len(per_month))
    advice = advise([need], [], offers, CATALOG, D(1), horizon)
    (s,) = advice.services
    by_sku = {o.sku: o for o in offers}
    assert s.with_plan.total <= s.without_plan.total
    fr = frame(need, [], horizon, offers)
    price = CATALOG.price(service)
    chosen = simulate(fr, lots_of(list(s.buys), by_sku, horizon), price, D(1)).total
    # never worse than the simple plans (one SKU bought now, as many as the usage of its validity
    # would use, one fewer or one more) or 1 to 3 packages of one SKU: at the exact prices, and as
    # billed, up to the rounding of the days' lines (which decides nothing: a cent a day at most)
    rounding = D("0.005") * horizon.days * 2 + D("0.01")
    for plan in [*simple_plans(fr, offers, by_sku, horizon), *([Buy(o.sku, n, 0)] for o in offers for n in range(1, 4))]:
        assert chosen <= simulate(fr, lots_of(plan, by_sku, horizon), price, D(1)).total + rounding, plan
        assert s.with_plan.total <= billed(need, [], lots_of(plan, by_sku, horizon), horizon, CATALOG, D(1)).total + rounding, plan
    assert all(saving > 0 for saving in s.savings)  # every package advised saves something


def _busy(stop):
    while not stop.is_set():
        sum(i * i for i in range(10_000))


def test_the_same_input_gets_the_same_answer_with_the_cpu_busy():
    """The solver's limit is work (branch-and-bound nodes), not wall-clock time: a machine busy
    with other work answers the same. A small node limit makes the limit bind here."""
    import multiprocessing

    needs = [Need("ai.face", tuple(range(2_000_000, 38_000_000, 1_000_000)), (0,) * 36),
             Need("ai.pet", tuple(range(900_000, 4_500_000, 100_000)), (0,) * 36)]
    offers = offers_of("ai.face") + offers_of("ai.pet")

    def answer():
        a = advise(needs, [], offers, CATALOG, D(1), Horizon.of(date(2027, 1, 1), 36), node_limit=50)
        return [(s.service, s.buys, s.with_plan.total) for s in a.services], a.gap

    quiet = answer()
    stop = multiprocessing.Event()
    workers = [multiprocessing.Process(target=_busy, args=(stop,)) for _ in range(4)]
    for w in workers:
        w.start()
    try:
        busy = answer()
    finally:
        stop.set()
        for w in workers:
            w.join()
    assert busy == quiet


def test_a_held_package_that_expires_mid_month_still_pays_until_its_last_day():
    """Issue 22, case 1: a package with 15 days left counted for no month at all, so the customer
    was told to buy one it did not need. 900,000 pet calls in the month, 30,000 a day; the held
    package has 600,000 left and 15 days: it pays for the first 450,000 (15 days of usage). The
    other 450,000 cost 1,125.00 as you go, less than a 1m package (2,200.00)."""
    from packbill.services.advice import held_lot

    april = Horizon.of(date(2027, 4, 1), 1)  # 30 days
    held = held_lot("ai.pet", "pkg_h", 600_000, 15, april)
    assert (held.first, held.last) == (0, 14)  # today and the 14 days after it
    need = Need("ai.pet", (900_000,), (0,))
    advice = advise([need], [held], offers_of("ai.pet"), CATALOG, D(1), april)
    (s,) = advice.services
    assert s.buys == () and s.with_plan.total == D("1125.00")
    # without it the month is 900,000 as you go: 2,250.00, and a package would "save"
    assert s.without_plan.total == D("1125.00") and billed(need, [], [], april, CATALOG, D(1)).total == D("2250.00")
    # a package held past the horizon pays until the horizon's end
    assert held_lot("ai.pet", "p", 1, 400, YEAR).last == YEAR.days - 1 == 364


def test_tiers_restart_on_the_first_of_each_calendar_month():
    """Issue 22, case 5: tiers restarted every 30 days from today, so a plan's cost moved with the
    date. 10,000 calls a day from January 15 for a month of the horizon (to February 14), at 0.004
    for a calendar month's first 100,000 and 0.002 after: January's 170,000 cost 400 + 140 = 540.00,
    February's 140,000 cost 400 + 80 = 480.00: 1,020.00 (restarting from today: 820.00). With
    90,000 already billed in January, its first tier has 10,000 left: 40 + 320 + 480 = 840.00."""
    price = PaygPrice("ai.face", "call", "人脸检测", "Face", (Tier(100_000, D("0.004")), Tier(None, D("0.002"))))
    catalog = replace(CATALOG, services={**CATALOG.services, "ai.face": price})
    horizon = Horizon.of(date(2027, 1, 15), 1)
    assert horizon.days == 31 and horizon.calendar_starts() == (17,)
    for before, expected in ((0, D("1020.00")), (90_000, D("840.00"))):
        need = Need("ai.face", (310_000,), (0,), before)
        (s,) = advise([need], [], [], catalog, D(1), horizon).services
        assert s.without_plan.total == s.with_plan.total == expected
        assert simulate(frame(need, [], horizon, []), [], price, D(1)).total == expected  # the model agrees


def test_R31_a_scheduled_rise_of_pay_as_you_go_is_planned_for():
    """R31 in the solver and the model, not only in the figures: image tags cost 0.0025 a call as
    you go, which a 100k package (250.00) only ties; from 1 July a version doubles it. Knowing the
    version, the advisor buys nothing for June (as you go it costs what a package would) and
    covers July on; its plan, billed by the engine at each day's price, costs less than the plan it
    would make at today's price alone, billed the same way."""
    horizon = Horizon.of(date(2027, 6, 1), 12)
    need = Need("ai.tags", (100_000,) * 12, (0,) * 12)
    offers = offers_of("ai.tags")
    rise = Switch(CATALOG, repriced(CATALOG, "ai.tags", "double"), date(2027, 7, 1))
    assert payg_changes(rise, "ai.tags", horizon) == ((0, CATALOG.price("ai.tags")), (30, rise.after.price("ai.tags")))
    knowing = advise([need], [], offers, rise, D(1), horizon).services[0]
    blind = advise([need], [], offers, CATALOG, D(1), horizon).services[0]
    by_sku = {o.sku: o for o in offers}
    blind_billed = billed(need, [], lots_of(blind.buys, by_sku, horizon), horizon, rise, D(1))
    assert knowing.buys and min(b.month for b in knowing.buys) >= 1, knowing.buys  # nothing bought for June
    assert knowing.with_plan.total < blind_billed.total, (knowing.buys, knowing.with_plan.total, blind.buys, blind_billed.total)
    assert knowing.with_plan.total < knowing.without_plan.total
    # the model the search compares plans with prices each stretch at its version, as the engine bills
    model = simulate(frame(need, [], horizon, offers, payg_changes(rise, "ai.tags", horizon)), lots_of(knowing.buys, by_sku, horizon),
                     CATALOG.price("ai.tags"), D(1))
    assert abs(model.total - knowing.with_plan.total) <= D("0.005") * horizon.days + D("0.01")
