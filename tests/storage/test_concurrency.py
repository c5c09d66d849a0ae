"""Four processes at once: two ingest overlapping batches (retries included) while two run
settlement again and again. Afterwards no event is lost or counted twice, no package is drawn
twice or below zero, and every unit of usage is on exactly one bill line."""

from __future__ import annotations

import multiprocessing
import random
from collections import defaultdict
from datetime import date, timedelta

import sqlalchemy as sa

from packbill import services
from packbill.domain.catalog import load_catalog
from packbill.services import Context
from packbill.services.audit import audit
from packbill.storage import schema as t
from packbill.storage.db import Database

from ..conftest import FIXED_NOW

DAYS = [date(2027, 5, 1) + timedelta(days=i) for i in range(6)]
ACCOUNTS = 3


def make_events(seed: int, account_ids: list[str]) -> list[tuple[str, dict]]:
    rnd = random.Random(seed)
    events = []
    for i in range(600):
        day = rnd.choice(DAYS)
        service = rnd.choice(["ai.face", "ai.face", "ai.pet", "traffic.up"])
        quantity = rnd.randint(1, 40_000) if service != "traffic.up" else rnd.randint(10**6, 10**9)
        events.append((rnd.choice(account_ids), {
            "event_id": f"ev-{i}", "service": service, "quantity": quantity,
            "region": rnd.choice(["ap-beijing", "ap-beijing", "ap-singapore"]),
            "timestamp": f"{day}T{rnd.randint(0, 23):02d}:{rnd.randint(0, 59):02d}:00+08:00"}))
    return events


def ingester(url: str, events: list[tuple[str, dict]], seed: int) -> None:
    ctx = Context(Database(url, migrate=False), load_catalog(), lambda: FIXED_NOW)
    rnd = random.Random(seed)
    order = list(events)
    rnd.shuffle(order)
    for start in range(0, len(order), 40):
        by_account = defaultdict(list)
        for account_id, ev in order[start : start + 40]:
            by_account[account_id].append(ev)
        for account_id, batch in by_account.items():
            services.ingest(ctx, account_id, batch)
    ctx.close()


def settler(url: str, seed: int) -> None:
    ctx = Context(Database(url, migrate=False), load_catalog(), lambda: FIXED_NOW)
    rnd = random.Random(seed)
    for _ in range(25):
        services.settle(ctx, rnd.choice(DAYS))
    ctx.close()


def test_four_processes_ingest_and_settle_at_once(db_url):
    ctx = Context(Database(db_url), load_catalog(), lambda: FIXED_NOW)
    account_ids = []
    for n in range(ACCOUNTS):
        account, _ = services.create_account(ctx, f"A{n}", "cn")
        account_ids.append(account.id)
        for sku in ("ai.face.100k", "ai.face.100k", "ai.pet.100k"):
            services.buy(ctx, account.id, sku, 1, FIXED_NOW.replace(year=2027, month=4, day=30))
        services.switch_traffic_billing(ctx, account.id, "traffic", FIXED_NOW.replace(month=4, day=1))
        services.buy(ctx, account.id, "traffic.up.100gb", 1, FIXED_NOW.replace(month=4, day=30))
    events = make_events(1, account_ids)
    # both ingesters send every event: each is a retry of the other
    spawn = multiprocessing.get_context("spawn")
    procs = [spawn.Process(target=ingester, args=(db_url, events, 1)), spawn.Process(target=ingester, args=(db_url, events, 2)),
             spawn.Process(target=settler, args=(db_url, 3)), spawn.Process(target=settler, args=(db_url, 4))]
    for p in procs:
        p.start()
    for p in procs:
        p.join(300)
        assert p.exitcode == 0
    services.settle(ctx, DAYS[-1])

    with ctx.db.read() as conn:
        stored = conn.execute(sa.select(sa.func.count()).select_from(t.usage_events)).scalar_one()
        assert stored == len(events)
        assert conn.execute(sa.select(sa.func.count()).select_from(t.usage_dirty)).scalar_one() == 0
    for account_id in account_ids:
        mine = [ev for a, ev in events if a == account_id]
        want = defaultdict(int)
        for ev in mine:
            want[(ev["timestamp"][:10], ev["service"])] += ev["quantity"]
        lines = services.bills(ctx, account_id, DAYS[0], DAYS[-1])
        got = defaultdict(int)
        drawn = defaultdict(int)
        for line in lines:
            got[(str(line.day), line.service)] += line.quantity
            assert line.quantity == sum(d.quantity for d in line.drawn) + line.payg_quantity
            for d in line.drawn:
                drawn[d.package_id] += d.quantity
        assert dict(got) == dict(want)
        for view in services.list_packages(ctx, account_id):
            assert 0 <= view.remaining == view.package.size - drawn[view.package.id]
    assert [v.message for v in audit(ctx)] == []  # R21: the books are sound after it all
    ctx.close()
