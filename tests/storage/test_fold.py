"""Issue 26: intake stores the events and leaves their sums waiting (``usage_unsummed``); a fold
makes the day sums, the window sums and the unsettled marks in bulk. Whatever waits, the readers,
R14's day limits, R26's estimate and settlement count it, on SQLite and PostgreSQL."""

from __future__ import annotations

import multiprocessing
from datetime import timedelta

import pytest
import sqlalchemy as sa

from packbill import services
from packbill.domain.catalog import load_catalog
from packbill.domain.errors import InvalidUsage
from packbill.domain.limits import MAX_DAY_CALLS, MAX_DAY_TOTAL, MAX_QUANTITY
from packbill.services import Context
from packbill.services.estimate import estimate_run
from packbill.storage import schema as t
from packbill.storage.db import Database

from ..conftest import FIXED_NOW

YESTERDAY = FIXED_NOW - timedelta(days=1)


def event(i, service="ai.face", quantity=1, when=YESTERDAY, region="ap-beijing"):
    return {"event_id": f"e{i}", "service": service, "quantity": quantity, "region": region, "timestamp": when.isoformat()}


def waiting(ctx) -> tuple[int, int, dict[str, int]]:
    """(rows waiting, day sums, the bounds' unsummed per kind)."""
    with ctx.db.read() as conn:
        rows = conn.execute(sa.select(sa.func.count()).select_from(t.usage_unsummed)).scalar_one()
        sums = conn.execute(sa.select(sa.func.count()).select_from(t.usage_daily)).scalar_one()
        bounds = dict(conn.execute(sa.select(t.usage_bounds.c.kind, t.usage_bounds.c.unsummed)).all())
    return rows, sums, bounds


def test_intake_leaves_the_sums_waiting_and_every_reader_sees_them(ctx):
    account, _ = services.create_account(ctx, "Wait", "cn")
    services.buy(ctx, account.id, "ai.face.100k", 1, YESTERDAY - timedelta(days=1))
    services.ingest(ctx, account.id, [event(1, quantity=300), event(2, quantity=200, region="ap-hongkong"),
                                      event(3, "traffic.up", 5 * 2**30)])
    assert waiting(ctx) == (3, 0, {"bytes": 5 * 2**30, "calls": 500})
    # R26: the live estimate draws the waiting calls (mainland only) from the package at once
    (package,) = services.list_packages(ctx, account.id)
    estimate = estimate_run(ctx, account.id, FIXED_NOW)
    assert estimate is not None and estimate.remaining == {package.package.id: 100_000 - 300}
    assert waiting(ctx) == (0, 2, {"bytes": 0, "calls": 0})  # the estimate summed what waited, once
    usage = {(u.service, u.mainland, u.other) for u in services.daily_usage(ctx, account.id, YESTERDAY.date(), YESTERDAY.date())}
    assert usage == {("ai.face", 300, 200), ("traffic.up", 5 * 2**30, 0)}
    services.ingest(ctx, account.id, [event(4, quantity=7)])
    result = services.settle(ctx, YESTERDAY.date())  # settlement sums what waits before it settles
    assert result.failed == []
    (line,) = [x for x in services.bills(ctx, account.id, YESTERDAY.date(), YESTERDAY.date()) if x.service == "ai.face"]
    assert line.quantity == 507 and line.other == 200  # 300 + 7 mainland, 200 elsewhere
    assert waiting(ctx)[0] == 0


@pytest.mark.parametrize("service, limit", [("ai.plate", MAX_DAY_CALLS), ("traffic.down", MAX_DAY_TOTAL)])
def test_the_day_limit_counts_what_waits_exactly(ctx, service, limit):
    """R14: the limit holds with every stored event counted, summed or not; up to it exactly is
    accepted, one more is refused, nothing of a refused batch is stored."""
    account, _ = services.create_account(ctx, "Edge", "cn")
    other, _ = services.create_account(ctx, "Other", "cn")
    part = limit // 10

    def batch(name: str, total: int) -> list[dict]:  # events of at most MAX_QUANTITY each
        return [event(f"{name}-{k}", service, min(MAX_QUANTITY, total - k * MAX_QUANTITY)) for k in range(-(-total // MAX_QUANTITY))]

    for i in range(9):  # nine batches, all waiting: the bound reaches the limit only with the tenth
        services.ingest(ctx, account.id, batch(f"a{i}", part))
    assert waiting(ctx)[2] == {"bytes": 9 * part, "calls": 0} if service.startswith("traffic") else {"bytes": 0, "calls": 9 * part}
    services.ingest(ctx, account.id, batch("last", part - 1))
    services.ingest(ctx, account.id, [event("exact", service, 1)])  # exactly the limit: accepted
    with pytest.raises(InvalidUsage) as refused:
        services.ingest(ctx, account.id, [event("ok", "ai.face", 5), event("past", service, 1)])
    assert refused.value.details == [{"index": 1, "reason": "day_total_too_large"}]
    # another account's events are never refused for this one's: the bound is passed, the exact check is not
    assert services.ingest(ctx, other.id, [event("x", service, 1)]).accepted == 1
    with ctx.db.read() as conn:
        stored = conn.execute(sa.select(sa.func.sum(t.usage_events.c.quantity)).where(t.usage_events.c.account_id == account.id))
        assert stored.scalar_one() == limit
    total = sum(u.mainland + u.other for u in services.daily_usage(ctx, account.id, YESTERDAY.date(), YESTERDAY.date()))
    assert total == limit


def test_a_retried_batch_adds_nothing_to_what_waits(ctx):
    account, _ = services.create_account(ctx, "Retry", "cn")
    batch = [event(i, quantity=10) for i in range(50)]
    services.ingest(ctx, account.id, batch)
    again = services.ingest(ctx, account.id, batch + [event(99, quantity=1)])
    assert (again.accepted, again.duplicates) == (1, 50)
    assert waiting(ctx) == (51, 0, {"bytes": 0, "calls": 501})


def folder(db_url: str, rounds: int) -> None:
    ctx = Context(Database(db_url, migrate=False), load_catalog(), lambda: FIXED_NOW)
    for _ in range(rounds):
        services.sum_pending(ctx)
    ctx.close()


def ingester(db_url: str, account_ids: list[str], offset: int) -> None:
    ctx = Context(Database(db_url, migrate=False), load_catalog(), lambda: FIXED_NOW)
    for n in range(30):
        for a in account_ids:
            services.ingest(ctx, a, [event(f"{offset}-{n}-{k}", "traffic.up" if k % 2 else "ai.pet", 1 + k) for k in range(20)])
    ctx.close()


def test_folds_and_intakes_in_several_processes_lose_and_double_nothing(ctx, db_url):
    """Two processes ingest while two fold as fast as they can (and the bounds stay exact: the
    audit after every test compares them with what waits)."""
    ids = [services.create_account(ctx, f"P{i}", "cn")[0].id for i in range(3)]
    spawn = multiprocessing.get_context("spawn")
    procs = [spawn.Process(target=ingester, args=(db_url, ids, 1)), spawn.Process(target=ingester, args=(db_url, ids, 2)),
             spawn.Process(target=folder, args=(db_url, 200)), spawn.Process(target=folder, args=(db_url, 200))]
    for p in procs:
        p.start()
    for p in procs:
        p.join(300)
        assert p.exitcode == 0
    for a in ids:
        sums = services.daily_usage(ctx, a, YESTERDAY.date(), YESTERDAY.date())
        assert {u.service: u.mainland for u in sums} == {"ai.pet": 2 * 30 * sum(1 + k for k in range(0, 20, 2)),
                                                         "traffic.up": 2 * 30 * sum(1 + k for k in range(1, 20, 2))}
    assert waiting(ctx) == (0, 6, {"bytes": 0, "calls": 0})
