"""SPEC section 8, R21 revenue dates and R22: every month's close balances. Over random histories
across a month's end (purchases at a discount, refunds, packages that expire, usage that arrives
late, after its month's statements are final, settlement mornings skipped), each month's
statements bill exactly the pay-as-you-go revenue of that month, per service, to the cent.
Revenue is dated by the usage day it serves; a final month's late usage counts where the
statements put it."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from packbill import services
from packbill.domain.catalog import default_catalog_text, parse_catalog
from packbill.domain.days import SHANGHAI
from packbill.domain.errors import BillingError
from packbill.services import books

from ..helpers import D

# small packages that last ten days, so that histories of a few weeks draw them up, refund and expire them
SHORT = parse_catalog(
    default_catalog_text()
    .replace('sku = "ai.face.100k"\nservice = "ai.face"\nsize = 100000', 'sku = "ai.face.100k"\nservice = "ai.face"\nsize = 300\nvalidity = "P10D"')
    .replace('sku = "traffic.up.100gb"\nservice = "traffic.up"\nsize = 100000000000',
             'sku = "traffic.up.100gb"\nservice = "traffic.up"\nsize = 2000000000\nvalidity = "P10D"')
)
FIRST = date(2027, 1, 20)
DAYS = 24  # to 2027-02-12: across January's end
SERVICES = ["ai.face", "ai.plate", "traffic.up"]


def moment(day: int, minute: int) -> datetime:
    return datetime.combine(FIRST + timedelta(days=day), time(0), tzinfo=SHANGHAI) + timedelta(minutes=minute)


days = st.integers(0, DAYS - 1)
minutes = st.integers(0, 24 * 60 - 1)
buys = st.tuples(st.just("buy"), st.sampled_from(["ai.face.100k", "traffic.up.100gb"]), days, minutes, st.booleans())
usages = st.tuples(st.just("use"), st.sampled_from(SERVICES), st.integers(1, 500), days, minutes, st.integers(0, 20),
                   st.sampled_from(["ap-beijing", "ap-hongkong"]))
discounts = st.tuples(st.just("discount"), st.sampled_from(["0.85", "0.9", "1"]), days)
histories = st.lists(st.one_of(buys, usages, discounts), min_size=1, max_size=30)


class Clock:
    def __init__(self) -> None:
        self.now = moment(0, 0)

    def __call__(self) -> datetime:
        return self.now


def run(ctx, clock: Clock, account_id: str, history, skipped: set[int]) -> None:
    """The history in the order things happen: each usage event arrives ``delay`` days after its
    moment; every morning at 08:00 the day before is settled unless the morning is skipped."""
    happenings = []
    for i, op in enumerate(history):
        if op[0] == "buy":
            happenings.append((moment(op[2], op[3]), i, op))
        elif op[0] == "use":
            happenings.append((moment(op[3], op[4]) + timedelta(days=op[5]), i, op))
        else:
            happenings.append((moment(op[2], 60), i, op))
    for n in range(1, DAYS + 22):
        if n not in skipped:
            happenings.append((datetime.combine(FIRST + timedelta(days=n), time(8), tzinfo=SHANGHAI), -1, ("settle", n)))
    for at, i, op in sorted(happenings, key=lambda h: (h[0], h[1])):
        clock.now = at
        if op[0] == "buy":
            try:
                bought = services.buy(ctx, account_id, op[1], 1)
            except BillingError:
                continue
            if op[4]:  # the no-reason refund, an hour later, when the rules allow it
                clock.now = at + timedelta(hours=1)
                try:
                    services.refund(ctx, account_id, bought.packages[0].id)
                except BillingError:
                    pass
        elif op[0] == "use":
            services.ingest(ctx, account_id, [{"event_id": f"e{i}", "service": op[1], "quantity": op[2] * (10**6 if op[1] == "traffic.up" else 1),
                                               "region": op[6], "timestamp": moment(op[3], op[4]).isoformat()}])
        elif op[0] == "discount":
            services.set_discount(ctx, account_id, Decimal(op[1]), FIRST + timedelta(days=op[2] + 1))
        else:
            services.settle(ctx, FIRST + timedelta(days=op[1] - 1))


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(history=histories, skipped=st.sets(st.integers(1, DAYS + 20), max_size=8))
def test_every_months_close_balances(db_url, fresh_ctx, history, skipped):
    ctx = fresh_ctx()
    ctx.catalog = SHORT
    clock = Clock()
    ctx.clock = clock
    account, _ = services.create_account(ctx, "A", "cn", payment="balance")
    services.topup(ctx, account.id, D("100000.00"), "start", at=clock.now)
    run(ctx, clock, account.id, history, skipped)
    clock.now = datetime.combine(date(2027, 3, 2), time(8), tzinfo=SHANGHAI)
    services.settle(ctx, date(2027, 3, 1))  # February is final too
    billed_in_all = sum((line.amount for line in services.bills(ctx, account.id, date(2027, 1, 1), date(2027, 3, 31))), Decimal(0))
    closes = [books.month_close(ctx, m) for m in (date(2027, 1, 1), date(2027, 2, 1), date(2027, 3, 1))]
    for close in closes:
        assert close.balanced, close
    assert closes[0].final and closes[1].final
    assert sum(r.statements_payg for c in closes for r in c.rows) == billed_in_all
    # the deferred revenue carries from one month to the next
    assert closes[0].deferred_closing == closes[1].deferred_opening and closes[1].deferred_closing == closes[2].deferred_opening
