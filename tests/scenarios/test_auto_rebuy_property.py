"""R28 over random histories, on both databases: auto-rebuy never buys twice for one trigger and
never passes the monthly cap, also when a run is killed in the middle of a rebuy (its transaction
rolled back), repeated, or overlapped by another; and a trigger that is due after a settlement
that finished was acted on (bought, or refused and said)."""

from __future__ import annotations

import threading
from datetime import timedelta
from decimal import Decimal

import sqlalchemy as sa
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from packbill import services
from packbill.domain.auto_rebuy import due
from packbill.domain.days import shanghai_day
from packbill.domain.traffic_billing import mode_on
from packbill.services import auto_rebuy, inbox, operators
from packbill.storage import controls as controls_store
from packbill.storage import packages as packages_store
from packbill.storage import schema
from tests.conftest import FIXED_NOW


class Killed(BaseException):
    """The process dying in the middle of a rebuy (not an error anything catches)."""


DAY = st.tuples(
    st.integers(0, 140_000),  # pet calls that day
    st.sampled_from(["once", "twice", "killed", "overlap"]),  # how the next morning's settlement goes
    st.sampled_from([None, Decimal("0"), Decimal("300.00")]),  # a top-up before it
)


def _settle(ctx, through, how: str, monkeypatch) -> None:
    if how == "killed":  # the first rebuy dies after its order is written, before its transaction commits
        original = controls_store.record_rebuy

        def dying(*args, **kwargs):
            if kwargs.get("order_id"):
                raise Killed()
            return original(*args, **kwargs)

        monkeypatch.setattr(controls_store, "record_rebuy", dying)
        try:
            services.settle(ctx, through)
        except Killed:
            pass
        finally:
            monkeypatch.setattr(controls_store, "record_rebuy", original)
        services.settle(ctx, through)  # the run again, after the restart
    elif how == "overlap":
        services.settle(ctx, through)
        runs = [threading.Thread(target=auto_rebuy.rebuy, args=(ctx, ctx.now())) for _ in range(3)]
        for t in runs:
            t.start()
        for t in runs:
            t.join()
    else:
        for _ in range(2 if how == "twice" else 1):
            services.settle(ctx, through)


def _check(ctx, account_id: str, cap: Decimal) -> None:
    with ctx.db.read() as conn:
        bought = controls_store.rebuys_bought(conn, account_id)
        orders = conn.execute(sa.select(sa.func.count()).select_from(schema.orders).where(schema.orders.c.account_id == account_id)).scalar()
    assert orders == 1 + len(bought), "every rebuy is one order, and one trigger's row names it"
    per_month: dict = {}
    for _, month, amount in bought:
        per_month[month] = per_month.get(month, Decimal(0)) + amount
    assert all(total <= cap for total in per_month.values()), per_month
    trail = operators.records(ctx, account_id=account_id, action="package.buy")
    assert sum(1 for r in trail if r.actor == auto_rebuy.ACTOR and r.outcome == "ok") == len(bought)
    rebought = [e.data["auto_rebuy"]["package_id"] for e in inbox.events(ctx, account_id=account_id)
                if e.type == "package.bought" and "auto_rebuy" in e.data]
    assert len(rebought) == len(set(rebought)) == len(bought), "one purchase per trigger"


def _acted_on(ctx, account_id: str, rule) -> None:
    """After a settlement that finished: a trigger that is due has its row (bought or refused today)."""
    today = shanghai_day(ctx.now())
    with ctx.db.read() as conn:
        held = packages_store.account_packages(conn, account_id)
        found = due(rule, today, held, mode_on(today, []))
        tried = None if found is None else controls_store.rebuy_tried(conn, account_id, rule.service, found.key)
    assert found is None or (tried is not None and (tried.order_id is not None or tried.tried_on == today))


# every run includes: money short at a trigger, then a top-up (refused, then bought once); the cap
# reached by the second rebuy with a run killed and one overlapped; an expiring rule repeated
@example(days=[(140_000, "once", None), (0, "twice", Decimal("300.00")), (0, "killed", Decimal("300.00")), (120_000, "overlap", None)],
         cash="260.00", cap="760.00", trigger="exhausted")
@example(days=[(120_000, "killed", None), (120_000, "overlap", None), (120_000, "twice", None)],
         cash="2000.00", cap="500.00", trigger="exhausted")
@example(days=[(1_000, "twice", None), (1_000, "killed", None), (1_000, "overlap", None)], cash="2000.00", cap="760.00", trigger="expiring")
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(days=st.lists(DAY, min_size=2, max_size=6), cash=st.sampled_from(["260.00", "600.00", "2000.00"]),
       cap=st.sampled_from(["250.00", "500.00", "760.00"]), trigger=st.sampled_from(["exhausted", "expiring"]))
def test_R28_never_twice_for_one_trigger_never_past_the_cap_killed_repeated_or_overlapping(ctx, monkeypatch, days, cash, cap, trigger):
    start = FIXED_NOW - timedelta(days=40)
    ctx.clock = lambda: start
    account, _ = services.create_account(ctx, "Property Co", "cn", payment="balance")
    services.topup(ctx, account.id, Decimal(cash), "first")
    # a 100k package (250.00) bought a year ago, ending within the days below, for the expiring rule
    services.buy(ctx, account.id, "ai.pet.100k", at=start - timedelta(days=360))
    view = auto_rebuy.set_rule(ctx, account.id, "ai.pet", "ai.pet.100k", trigger, 3 if trigger == "expiring" else None, Decimal(cap))
    for i, (calls, how, topup) in enumerate(days):
        day = start + timedelta(days=i)
        ctx.clock = lambda day=day: day
        if calls:
            services.ingest(ctx, account.id, [{"event_id": f"e{i}", "service": "ai.pet", "quantity": calls, "region": "ap-beijing",
                                               "timestamp": (day - timedelta(hours=1)).isoformat()}])
        if topup:
            services.topup(ctx, account.id, topup or Decimal("0.01"), f"t{i}")
        ctx.clock = lambda day=day: day + timedelta(days=1)
        _settle(ctx, shanghai_day(day), how, monkeypatch)
        _check(ctx, account.id, Decimal(cap))
        _acted_on(ctx, account.id, view.rule)

