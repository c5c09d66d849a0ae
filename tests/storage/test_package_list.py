"""The package list reads packages as bought from a per-process cache (storage.packages._KNOWN)
and everything that changes from the database: a refund, a new purchase, a settlement, another
database with the same ids all show at once; a list in the past equals the draws summed."""

from __future__ import annotations

import shutil
from datetime import timedelta

from packbill import services
from packbill.domain.catalog import load_catalog
from packbill.domain.status import remaining_of
from packbill.services import Context
from packbill.storage import packages as store
from packbill.storage.db import Database
from tests.conftest import FIXED_NOW

from ..helpers import t as at


def states(ctx: Context, account_id: str, **kw) -> dict[str, tuple[str, int]]:
    return {v.package.id: (v.status.value, v.remaining) for v in services.list_packages(ctx, account_id, **kw)}


def test_what_changes_shows_at_once(ctx):
    a = services.create_account(ctx, "Cache", "cn")[0].id
    first = services.buy(ctx, a, "ai.face.100k", 2, at("2027-05-28 09:00")).packages
    assert set(states(ctx, a).values()) == {("active", 100_000)}
    services.refund(ctx, a, first[1].id)
    assert states(ctx, a)[first[1].id][0] == "refunded"  # the cached package is rebuilt with its refund
    later = services.buy(ctx, a, "ai.face.100k", 1, at("2027-05-29 09:00")).packages[0]
    assert later.id in states(ctx, a)
    services.ingest(ctx, a, [{"event_id": "e1", "service": "ai.face", "quantity": 150_000, "region": "ap-beijing",
                              "timestamp": "2027-05-30T10:00:00+08:00"}])
    services.settle(ctx, at("2027-05-30 09:00").date())
    now = states(ctx, a)
    assert now[first[0].id] == ("exhausted", 0) and now[later.id] == ("active", 50_000)


def test_a_list_in_the_past_sums_the_draws_settled_by_then(ctx):
    a = services.create_account(ctx, "Past", "cn")[0].id
    bought = services.buy(ctx, a, "ai.face.100k", 3, at("2027-04-01 09:00")).packages
    for day in range(1, 21):
        services.ingest(ctx, a, [{"event_id": f"d{day}", "service": "ai.face", "quantity": 9_000, "region": "ap-beijing",
                                  "timestamp": f"2027-04-{day:02d}T10:00:00+08:00"}])
    services.buy(ctx, a, "ai.face.100k", 1, at("2027-04-15 09:00"))
    services.settle(ctx, at("2027-04-20 09:00").date())
    moment = at("2027-04-10 12:00")
    with ctx.db.read() as conn:
        history = store.draws_by_package(conn, [p.id for p in bought])
    expected = {p.id: remaining_of(p, history[p.id], through=moment.date()) for p in bought}
    past = states(ctx, a, as_of=moment)
    assert {pid: r for pid, (_, r) in past.items()} == expected  # the package bought on the 15th is not there yet
    assert sum(expected.values()) == 3 * 100_000 - 10 * 9_000


def test_two_databases_with_the_same_ids_do_not_mix(tmp_path):
    first = f"sqlite:///{tmp_path / 'a.db'}"
    ctx = Context(Database(first), load_catalog(), lambda: FIXED_NOW)
    a = services.create_account(ctx, "Twin", "cn")[0].id
    package = services.buy(ctx, a, "ai.face.100k", 1, FIXED_NOW - timedelta(days=1)).packages[0]
    assert states(ctx, a)[package.id][0] == "active"
    ctx.close()
    shutil.copy(tmp_path / "a.db", tmp_path / "b.db")
    twin = Context(Database(f"sqlite:///{tmp_path / 'b.db'}"), ctx.catalog, lambda: FIXED_NOW)
    services.refund(twin, a, package.id)
    assert states(twin, a)[package.id][0] == "refunded"
    again = Context(Database(first), ctx.catalog, lambda: FIXED_NOW)
    assert states(again, a)[package.id][0] == "active"
    twin.close()
    again.close()
