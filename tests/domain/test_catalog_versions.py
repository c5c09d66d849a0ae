"""R31 price versions in the pure core: which version is in force on a day, a version's prices
checked as the catalog file is, what one changes against the one before, and the property that
re-pricing never changes a day before the version's effective day (and prices every day from it
exactly as that version alone would)."""

from __future__ import annotations

import copy
from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from packbill.domain.catalog import CatalogError, UnknownSku, load_catalog
from packbill.domain.catalog_versions import Catalogs, Version, as_json, check_publish, check_skus, check_withdraw, diff, from_json
from packbill.domain.errors import Conflict, InvalidRequest
from packbill.domain.reference import ReferenceModel
from packbill.domain.settlement import settle_account

from ..helpers import D, d, ev, t

BASE = load_catalog()


def version_of(changes: dict, effective_on: date, vid: str = "v2", retire=(), withdrawn=None) -> Version:
    body = as_json(BASE)
    for s in body["payg"]:
        if s["service"] in changes:
            s.pop("tiers", None)
            s["price"] = changes[s["service"]]
    for p in body["packages"]:
        p["price"] = changes.get(p["sku"], p["price"])
    body["packages"] = [p for p in body["packages"] if p["sku"] not in retire]
    return Version(vid, effective_on, t("2026-10-01 09:00"), from_json(body, BASE), withdrawn)


def test_R31_the_catalog_file_written_as_json_reads_back_as_the_same_prices():
    again = from_json(as_json(BASE), BASE)
    assert again.services == BASE.services and again.packages == BASE.packages and again.regions == BASE.regions


def test_R31_the_version_in_force_changes_on_its_effective_day_and_a_withdrawn_one_never_is():
    v2 = version_of({"ai.face": "0.0003"}, d("2026-11-10"))
    v3 = version_of({"ai.face": "0.0001"}, d("2026-11-20"), "v3", withdrawn=t("2026-11-02 09:00"))
    every = Catalogs(BASE, [v3, v2])
    assert every.on(d("2026-11-09")).version == "v1" and every.on(d("2026-11-10")).version == "v2"
    assert every.on(d("2027-06-01")).version == "v2"  # v3 was withdrawn
    assert every.on(d("2026-11-10")).price("ai.face").flat_price == D("0.0003")
    assert every.next_after(d("2026-11-01")).version == "v2" and every.next_after(d("2026-11-10")) is None
    assert v2.status(d("2026-11-01"), "v1") == "scheduled" and v2.status(d("2026-11-10"), "v2") == "in_force"
    assert v3.status(d("2026-11-01"), "v1") == "withdrawn"


def test_R31_a_retired_package_is_not_sold_but_is_named():
    every = Catalogs(BASE, [version_of({}, d("2026-11-10"), retire=("ai.face.100k",))])
    before, after = every.on(d("2026-11-09")), every.on(d("2026-11-10"))
    assert before.sku("ai.face.100k").price == D("50.00")
    with pytest.raises(UnknownSku) as refused:
        after.sku("ai.face.100k")
    assert refused.value.retired and "no longer sold" in str(refused.value)
    assert after.described("ai.face.100k").size == 100_000 and "ai.face.100k" not in after.packages
    with pytest.raises(UnknownSku) as unknown:
        after.sku("ai.face.7k")
    assert not unknown.value.retired


def test_R31_a_version_comes_into_force_after_the_day_it_is_published_on_a_day_of_its_own():
    v2 = version_of({}, d("2026-11-10"))
    with pytest.raises(InvalidRequest):
        check_publish(d("2026-11-01"), d("2026-11-01"), [])
    with pytest.raises(Conflict):
        check_publish(d("2026-11-10"), d("2026-11-01"), [v2])
    check_publish(d("2026-11-10"), d("2026-11-01"), [version_of({}, d("2026-11-10"), withdrawn=t("2026-11-01 10:00"))])
    check_withdraw(v2, d("2026-11-09"))
    with pytest.raises(Conflict):
        check_withdraw(v2, d("2026-11-10"))


@pytest.mark.parametrize(("where", "value", "names"), [
    (("packages", 0, "price"), "-1", "field 'price'"),
    (("packages", 0, "price"), "1.234", "two decimal places"),
    (("packages", 0, "size"), 0, "field 'size'"),
    (("packages", 0, "validity"), "forever", "field 'validity'"),
    (("payg", 0, "unit"), "GB", "field 'unit'"),
    (("payg", 0, "price"), "abc", "field 'price'"),
])
def test_R31_a_bad_version_is_refused_naming_the_entry_and_field(where, value, names):
    body = as_json(BASE)
    body[where[0]][where[1]][where[2]] = value
    with pytest.raises(CatalogError) as refused:
        from_json(body, BASE)
    assert names in str(refused.value)
    for broken in ({"payg": []}, [], {"payg": [1], "packages": []}, {"payg": body["payg"][1:], "packages": []}):
        with pytest.raises(CatalogError):
            from_json(copy.deepcopy(broken), BASE)


def test_R31_a_version_changes_a_package_s_price_never_what_it_is():
    body = as_json(BASE)
    next(p for p in body["packages"] if p["sku"] == "ai.face.100k")["size"] = 200_000
    with pytest.raises(InvalidRequest) as refused:
        check_skus(from_json(body, BASE), BASE.packages)
    assert "ai.face.100k: field 'size'" in str(refused.value)
    check_skus(version_of({"ai.face.100k": "40.00"}, d("2026-11-10")).catalog, BASE.packages)


def test_R31_diff_names_price_changes_added_and_retired_packages():
    after = version_of({"ai.face": "0.0003", "ai.pet.100k": "200.00"}, d("2026-11-10"), retire=("ai.plate.100k",)).catalog
    kinds = {(c.kind, c.key) for c in diff(BASE, after)}
    assert kinds == {("price", "ai.face"), ("package_price", "ai.pet.100k"), ("retired", "ai.plate.100k")}


SERVICES = ("ai.face", "ai.pet", "ai.plate", "traffic.down")


@settings(max_examples=40, deadline=None)
@given(usage=st.lists(st.tuples(st.integers(0, 13), st.sampled_from(SERVICES), st.integers(1, 400_000)), min_size=1, max_size=25),
       packages=st.lists(st.sampled_from(["ai.face.100k", "ai.pet.100k", "traffic.down.100gb"]), max_size=3),
       effective=st.integers(1, 13), factor=st.sampled_from(["0.35", "0.5", "0.8", "0.9"]))  # plate is at the largest price a day may bill
def test_R31_repricing_never_changes_a_day_before_the_version_and_prices_every_day_from_it_as_that_version(usage, packages, effective, factor):
    """Whatever the usage, the packages and the version's prices: settling with the version
    scheduled bills every day before its effective day exactly as without it, and every day from
    it exactly as the version alone would (what a package draws does not depend on prices)."""
    first = d("2026-11-01")
    payg = {s: f"{BASE.price(s).tiers[0].price * Decimal(factor):f}" for s in ("ai.face", "ai.pet", "ai.plate", "traffic.down")}
    v2 = version_of(payg, first + timedelta(days=effective))
    ledger = ReferenceModel(BASE)
    ledger.create_account("a", "Acme", "cn")
    for i, sku in enumerate(packages):
        try:
            ledger.buy("a", sku, t("2026-10-31 09:00") + timedelta(minutes=i))
        except UnknownSku:
            continue
    events = []
    for i, (day, service, quantity) in enumerate(usage):
        at = (first + timedelta(days=day)).isoformat() + " 10:00"
        events.append(ev(f"e{i}", service, quantity * (10**4 if service.startswith("traffic") else 1), at))
    ledger.record_usage("a", events)
    acc = ledger._account("a")
    days = [acc.unsettled(day) for day in sorted(acc.usage)]
    run = t("2026-11-20 08:00")
    without = settle_account(days, acc.state, BASE, run_at=run)
    scheduled = settle_account(days, acc.state, Catalogs(BASE, [v2]), run_at=run)
    alone = settle_account(days, acc.state, v2.catalog, run_at=run)
    split = v2.effective_on
    assert [x for x in scheduled.lines if x.day < split] == [x for x in without.lines if x.day < split]
    assert [x for x in scheduled.lines if x.day >= split] == [x for x in alone.lines if x.day >= split]
