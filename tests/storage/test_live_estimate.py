"""R26: the live estimate is the settlement engine run on what is not settled yet, so once a run
settles those days, what it wrote is exactly what was estimated: the lines (quantities, draws,
pay-as-you-go, amounts, supplements), the packages' remaining and the wallet's balance."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from packbill import services
from packbill.domain.model import UsageEvent
from packbill.services.estimate import estimate_run

from ..domain.test_properties import DAYS, LAST_DAY, SMALL, START, histories
from ..helpers import d


def raw(e: UsageEvent) -> dict:
    return {"event_id": e.event_id, "service": e.service, "quantity": e.quantity, "region": e.region, "timestamp": e.timestamp.isoformat()}


def line_key(line) -> tuple:
    return (line.day, line.service, line.quantity, tuple(sorted(line.drawn)), line.payg_quantity, line.amount, line.supplement)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(history=histories, split=st.integers(0, DAYS - 1))
def test_settlement_writes_what_was_estimated(db_url, fresh_ctx, history, split):
    ctx = fresh_ctx()
    ctx.catalog = SMALL
    account, _ = services.create_account(ctx, "A", "cn", payment="balance")
    services.topup(ctx, account.id, Decimal("100000.00"), "start")
    events = []
    for i, op in enumerate(history):
        if op[0] == "buy":
            services.buy(ctx, account.id, op[1], op[3], op[2])
        elif op[0] == "switch":
            services.switch_traffic_billing(ctx, account.id, op[1].value, op[2])
        else:
            events.append(UsageEvent(f"e{i}", op[1], op[2], op[4], op[3]))
    early, late = events[: len(events) // 2], events[len(events) // 2 :]
    services.ingest(ctx, account.id, [raw(e) for e in early])
    services.settle(ctx, (START + timedelta(days=split)).date())
    services.ingest(ctx, account.id, [raw(e) for e in late])  # late usage: supplements of settled days, and new days

    estimated = estimate_run(ctx, account.id, ctx.now())
    before = Counter(line_key(x) for x in services.bills(ctx, account.id, d("2026-01-01"), d("2028-12-31")))
    remaining_now = services.remaining_now(ctx, account.id)
    estimated_balance = services.wallet(ctx, account.id).estimated_balance

    services.settle(ctx, LAST_DAY)
    after = Counter(line_key(x) for x in services.bills(ctx, account.id, d("2026-01-01"), d("2028-12-31")))
    written = after - before
    assert Counter(line_key(x) for x in (estimated.lines if estimated else ())) == written
    assert {v.package.id: v.remaining for v in services.list_packages(ctx, account.id)} == remaining_now
    assert services.wallet(ctx, account.id).purse.cash == estimated_balance
