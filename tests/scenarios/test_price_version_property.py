"""R31 over random histories on both databases: publishing a price version never changes a bill
line or journal entry already made, and every line, supplements of late usage included, is
priced by the version in force on its usage day, whichever version was in force when it was
settled."""

from __future__ import annotations

import itertools
from datetime import datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from packbill import services
from packbill.domain.catalog_versions import as_json
from packbill.domain.days import SHANGHAI, shanghai_day
from packbill.services import audit
from packbill.services import catalog as catalog_service
from tests.conftest import FIXED_NOW

SERVICES = ("ai.face", "ai.body", "ai.plate")
USAGE = st.lists(st.tuples(st.integers(0, 9), st.sampled_from(SERVICES), st.integers(1, 60_000)), min_size=1, max_size=12)
RUNS = itertools.count()


def _events(account_id: str, start, usage, prefix: str) -> list[dict]:
    return [{"event_id": f"{prefix}{i}", "service": service, "quantity": quantity, "region": "ap-beijing",
             "timestamp": datetime.combine(start + timedelta(days=day), time(10, i % 60), tzinfo=SHANGHAI).isoformat()}
            for i, (day, service, quantity) in enumerate(usage)]


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(usage=USAGE, late=USAGE, today=st.integers(1, 5), ahead=st.integers(1, 4), factor=st.sampled_from(["0.5", "0.8", "0.9"]),
       package=st.booleans())
def test_R31_a_price_version_never_reprices_what_was_billed_and_prices_each_day_by_its_own_version(ctx, usage, late, today, ahead,
                                                                                                     factor, package):
    start = shanghai_day(FIXED_NOW) + timedelta(days=40 * next(RUNS))  # each example in its own weeks
    now = [datetime.combine(start + timedelta(days=today), time(9), tzinfo=SHANGHAI)]
    ctx.clock = lambda: now[0]
    account, _ = services.create_account(ctx, "Versions 价格", "cn")
    if package:
        services.buy(ctx, account.id, "ai.face.100k", at=datetime.combine(start, time(8), tzinfo=SHANGHAI))
    before_today = [u for u in usage if u[0] < today]
    if before_today:
        services.ingest(ctx, account.id, _events(account.id, start, before_today, "a"))
    services.settle(ctx, start + timedelta(days=today - 1))
    last = start + timedelta(days=12)
    billed = services.bills(ctx, account.id, start, last)
    journal = services.journal_entries(ctx, account.id)

    body = as_json(ctx.catalog)
    for s in body["payg"]:
        if s["service"] in SERVICES:
            s["price"] = f"{Decimal(s['price']) * Decimal(factor):f}"
    catalog_service.publish(ctx, start + timedelta(days=today + ahead), catalog_service.checked(ctx, body), "property")

    now[0] = datetime.combine(last, time(9), tzinfo=SHANGHAI)
    rest = [u for u in usage if u[0] >= today]
    if rest:
        services.ingest(ctx, account.id, _events(account.id, start, rest, "b"))
    services.ingest(ctx, account.id, _events(account.id, start, late, "c"))  # late for settled days: supplements
    services.settle(ctx, last - timedelta(days=1))

    after = services.bills(ctx, account.id, start, last)
    assert all(line in after for line in billed), "a line billed before the version was published changed"
    entries = services.journal_entries(ctx, account.id)
    assert all(entry in entries for entry in journal), "a journal entry made before the version was published changed"
    every = ctx.catalogs()
    for line in after:
        price = every.on(line.day).price(line.service).flat_price
        assert line.list_amount == (line.payg_quantity * price).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP), line
    assert not audit.audit(ctx)
