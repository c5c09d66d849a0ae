"""Property tests of the settlement engine over random customer histories (hypothesis)."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from packbill.domain.catalog import default_catalog_text, parse_catalog
from packbill.domain.draw_order import draw_order_key
from packbill.domain.model import TrafficBilling, UsageEvent
from packbill.domain.reference import ReferenceModel
from packbill.domain.traffic_billing import mode_on

from ..helpers import d, t

# Small packages, so that random usage exhausts them often.
SMALL = parse_catalog(
    default_catalog_text()
    .replace('sku = "ai.face.100k"\nservice = "ai.face"\nsize = 100000', 'sku = "ai.face.100k"\nservice = "ai.face"\nsize = 100')
    .replace('sku = "ai.face.1m"\nservice = "ai.face"\nsize = 1000000', 'sku = "ai.face.1m"\nservice = "ai.face"\nsize = 250')
    .replace('sku = "traffic.up.100gb"\nservice = "traffic.up"\nsize = 100000000000', 'sku = "traffic.up.100gb"\nservice = "traffic.up"\nsize = 5000')
)
SKUS = ["ai.face.100k", "ai.face.1m", "traffic.up.100gb"]
START = t("2026-11-01 00:00")
DAYS = 8

moments = st.builds(lambda day, minute: START + timedelta(days=day, minutes=minute),
                    st.integers(0, DAYS - 1), st.integers(0, 24 * 60 - 1))
buys = st.tuples(st.just("buy"), st.sampled_from(SKUS), moments, st.integers(1, 2))
switches = st.tuples(st.just("switch"), st.sampled_from(list(TrafficBilling)), moments)
usages = st.tuples(st.just("use"), st.sampled_from(["ai.face", "traffic.up"]), st.integers(1, 400), moments,
                   st.sampled_from(["ap-beijing", "ap-shanghai", "ap-hongkong"]))
histories = st.lists(st.one_of(buys, switches, usages), min_size=1, max_size=40)


def build(history, account="a"):
    """A ledger with the history's purchases and switches, and its usage events (not recorded)."""
    ledger = ReferenceModel(SMALL)
    ledger.create_account(account, "A", "cn")
    events = []
    for i, op in enumerate(history):
        if op[0] == "buy":
            ledger.buy(account, op[1], op[2], count=op[3])
        elif op[0] == "switch":
            ledger.switch_traffic_billing(account, op[1], op[2])
        else:
            events.append(UsageEvent(f"e{i}", op[1], op[2], op[4], op[3]))
    return ledger, events


def snapshot(ledger, account="a"):
    as_of = START + timedelta(days=DAYS + 400)
    lines = ledger.bills(account, d("2026-01-01"), d("2028-01-01"))
    return lines, [(v.package.id, v.remaining) for v in ledger.packages(account, as_of)]


LAST_DAY = (START + timedelta(days=DAYS - 1)).date()


@settings(max_examples=150, deadline=None)
@given(histories)
def test_conservation_and_bounds(history):
    ledger, events = build(history)
    ledger.record_usage("a", events)
    ledger.settle(LAST_DAY)
    lines, balances = snapshot(ledger)
    for line in lines:
        if not line.service.startswith("bandwidth."):
            assert line.quantity == sum(x.quantity for x in line.drawn) + line.payg_quantity
            assert line.payg_quantity >= 0 and all(x.quantity > 0 for x in line.drawn)
    sizes = {v.package.id: v.package.size for v in ledger.packages("a", START + timedelta(days=900))}
    for pid, remaining in balances:
        assert 0 <= remaining <= sizes[pid]
    drawn = {}
    for line in lines:
        for x in line.drawn:
            drawn[x.package_id] = drawn.get(x.package_id, 0) + x.quantity
    assert all(sizes[pid] - remaining == drawn.get(pid, 0) for pid, remaining in balances)
    usage_total = sum(e.quantity for e in events if e.service == "ai.face")
    assert sum(ln.quantity for ln in lines if ln.service == "ai.face") == usage_total


@settings(max_examples=150, deadline=None)
@given(histories)
def test_a_later_package_is_never_drawn_while_an_earlier_eligible_one_has_some_left(history):
    ledger, events = build(history)
    packages = {v.package.id: v.package for v in ledger.packages("a", START + timedelta(days=900))}
    ledger.record_usage("a", events)
    remaining = {pid: p.size for pid, p in packages.items()}
    ledger.settle(LAST_DAY)
    requests = ledger._account("a").state.switches
    for line in sorted(ledger.bills("a", d("2026-01-01"), d("2028-01-01")), key=lambda ln: ln.day):
        if line.service.startswith("bandwidth."):
            continue
        mode = mode_on(line.day, requests)
        if line.service.startswith("traffic."):
            assert mode is TrafficBilling.TRAFFIC or not line.drawn  # frozen on peak-bandwidth days
        drawn = {x.package_id: x.quantity for x in line.drawn}
        eligible = sorted(
            (p for p in packages.values() if p.service == line.service and p.covers(line.day)), key=draw_order_key
        )
        last_drawn = max((i for i, p in enumerate(eligible) if p.id in drawn), default=-1)
        for p in eligible[: max(last_drawn, 0)]:
            assert remaining[p.id] - drawn.get(p.id, 0) == 0, (history, line)
        for pid, q in drawn.items():
            assert packages[pid].covers(line.day)
            remaining[pid] -= q


@settings(max_examples=100, deadline=None)
@given(histories, st.randoms(use_true_random=False))
def test_same_result_whatever_order_events_arrive_in_and_with_retries(history, rnd):
    first, events = build(history)
    first.record_usage("a", events)
    first.settle(LAST_DAY)
    second, events2 = build(history)
    shuffled = events2 + events2[: len(events2) // 2]
    rnd.shuffle(shuffled)
    for i in range(0, len(shuffled), 3):
        second.record_usage("a", shuffled[i : i + 3])
    second.settle(LAST_DAY)
    assert snapshot(first) == snapshot(second)


@settings(max_examples=100, deadline=None)
@given(histories, st.integers(0, DAYS - 1))
def test_settling_a_period_in_two_runs_equals_one_run(history, split):
    one, events = build(history)
    one.record_usage("a", events)
    one.settle(LAST_DAY)
    two, events2 = build(history)
    two.record_usage("a", events2)
    two.settle((START + timedelta(days=split)).date())
    two.settle(LAST_DAY)
    assert snapshot(one) == snapshot(two)


@settings(max_examples=100, deadline=None)
@given(histories)
def test_settling_twice_changes_nothing(history):
    ledger, events = build(history)
    ledger.record_usage("a", events)
    ledger.settle(LAST_DAY)
    before = snapshot(ledger)
    assert ledger.settle(LAST_DAY) == (0, 0)
    assert snapshot(ledger) == before
