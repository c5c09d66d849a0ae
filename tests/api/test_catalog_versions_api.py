"""R31 price versions over HTTP, on both databases: a version published for a later day prices
purchases from their moment's day and pay-as-you-go from its usage day (a supplement by its own
day); what was billed before never changes; a retired package is not sold and keeps working; a
version in force is never edited or withdrawn; bad versions are refused naming the field."""

from __future__ import annotations

import copy
from datetime import timedelta

from tests.conftest import FIXED_NOW

from .conftest import OPERATOR


def changed(base: dict, packages: dict | None = None, payg: dict | None = None, retire: tuple = (), add: tuple = ()) -> dict:
    """The catalog ``GET /v1/catalog`` answered, with some prices changed, packages retired or added."""
    out = copy.deepcopy({"payg": base["payg"], "packages": base["packages"]})
    for p in out["packages"]:
        p["price"] = (packages or {}).get(p["sku"], p["price"])
    for s in out["payg"]:
        if s["service"] in (payg or {}):
            s.pop("tiers", None)
            s["price"] = payg[s["service"]]
    out["packages"] = [p for p in out["packages"] if p["sku"] not in retire] + list(add)
    return out


def face(day_offset: int, quantity: int, prefix: str) -> list[dict]:
    at = FIXED_NOW + timedelta(days=day_offset) - timedelta(hours=2)
    return [{"event_id": f"{prefix}{i}", "service": "ai.face", "quantity": quantity // 4, "region": "ap-beijing",
             "timestamp": (at + timedelta(minutes=i)).isoformat()} for i in range(4)]


def setup(api, name: str):
    account = api.new_account(name)
    op = api.as_(OPERATOR)
    path = f"/v1/accounts/{account['id']}"
    return account, op, api.as_(account["token"]), path


def test_R31_a_purchase_is_priced_by_the_version_in_force_at_its_moment(api, ctx):
    account, op, me, path = setup(api, "Versions Co")
    base = op.get("/v1/catalog").json()
    assert base["version"] == "v1" and base["effective_on"] is None
    v2 = op.post("/v1/catalog/versions", json={"effective_on": "2027-06-10", "catalog": changed(base, {"ai.pet.100k": "200.00"})})
    assert v2.status_code == 201, v2.text
    assert v2.json()["id"] == "v2" and v2.json()["status"] == "scheduled"
    assert v2.json()["changes"] == [{"kind": "package_price", "key": "ai.pet.100k", "before": "250.00", "after": "200.00"}]
    # today is still v1; the catalog can be read as of any moment
    assert me.get("/v1/catalog").json()["version"] == "v1"
    later = me.get("/v1/catalog", params={"as_of": "2027-06-10T00:00:00+08:00"}).json()
    assert later["version"] == "v2" and later["effective_on"] == "2027-06-10"
    assert next(p["price"] for p in later["packages"] if p["sku"] == "ai.pet.100k") == "200.00"
    eve = me.get("/v1/catalog", params={"as_of": "2027-06-09T23:59:59+08:00"}).json()
    assert eve["version"] == "v1" and next(p["price"] for p in eve["packages"] if p["sku"] == "ai.pet.100k") == "250.00"
    assert me.post(f"{path}/packages", json={"sku": "ai.pet.100k"}).json()["amount"] == "250.00"
    ctx.clock = lambda: FIXED_NOW + timedelta(days=9)  # 10 June, Beijing
    assert me.post(f"{path}/packages", json={"sku": "ai.pet.100k"}).json()["amount"] == "200.00"
    # an operator's purchase stated on 5 June is priced as on 5 June
    back = op.post(f"{path}/packages", json={"sku": "ai.pet.100k", "at": "2027-06-05T12:00:00+08:00"})
    assert back.json()["amount"] == "250.00", back.text
    statuses = {v["id"]: v["status"] for v in op.get("/v1/catalog/versions").json()["versions"]}
    assert statuses == {"v1": "past", "v2": "in_force"}


def test_R31_pay_as_you_go_is_priced_by_its_usage_day_and_a_supplement_by_its_own(api, ctx):
    """Face detection 0.0005 a call under v1, 0.0003 from 3 June: 100,000 calls on 2 June bill
    50.00, on 3 June 30.00; 20,000 calls of 2 June arriving late, settled on 4 June, bill 10.00 at
    2 June's price; the lines billed before the version came into force never change."""
    account, op, me, path = setup(api, "Payg Versions")
    base = op.get("/v1/catalog").json()
    assert op.post("/v1/catalog/versions", json={"effective_on": "2027-06-03",
                                                 "catalog": changed(base, payg={"ai.face": "0.0003"})}).status_code == 201
    ctx.clock = lambda: FIXED_NOW + timedelta(days=1)  # 2 June
    assert me.post(f"{path}/usage", json={"events": face(1, 100_000, "a")}).status_code == 202
    ctx.clock = lambda: FIXED_NOW + timedelta(days=2)  # 3 June
    assert op.post("/v1/settlements", json={"through": "2027-06-02"}).status_code in (200, 201)
    before = me.get(f"{path}/bills", params={"from": "2027-06-01", "to": "2027-06-30"}).json()
    assert me.post(f"{path}/usage", json={"events": face(2, 100_000, "b")}).status_code == 202
    ctx.clock = lambda: FIXED_NOW + timedelta(days=3)  # 4 June
    assert me.post(f"{path}/usage", json={"events": face(1, 20_000, "c")}).status_code == 202  # late, for 2 June
    assert op.post("/v1/settlements", json={"through": "2027-06-03"}).status_code in (200, 201)
    lines = me.get(f"{path}/bills", params={"from": "2027-06-01", "to": "2027-06-30"}).json()["lines"]
    by_day = {}
    for line in lines:
        by_day.setdefault(line["day"], []).append(line["amount"])
    assert sorted(by_day["2027-06-02"]) == ["10.00", "50.00"]  # the supplement at 2 June's price
    assert by_day["2027-06-03"] == ["30.00"]
    assert all(line in lines for line in before["lines"])  # what was billed stays as it was


def test_R31_a_retired_package_is_not_sold_and_what_is_held_keeps_working(api, ctx):
    account, op, me, path = setup(api, "Retired Co")
    base = op.get("/v1/catalog").json()
    new = {"sku": "ai.face.50m", "service": "ai.face", "size": 50_000_000, "price": "15000.00", "validity": "P1Y"}
    v2 = op.post("/v1/catalog/versions", json={"effective_on": "2027-06-05", "catalog": changed(base, retire=("ai.face.100k",), add=(new,))})
    assert [c["kind"] for c in v2.json()["changes"]] == ["added", "retired"]
    held = me.post(f"{path}/packages", json={"sku": "ai.face.100k"})
    assert held.status_code == 201
    early = me.post(f"{path}/packages", json={"sku": "ai.face.50m"})  # not on sale before its version
    assert early.status_code == 422 and early.json()["error"]["code"] == "unknown_sku"
    ctx.clock = lambda: FIXED_NOW + timedelta(days=4)  # 5 June
    refused = me.post(f"{path}/packages", json={"sku": "ai.face.100k"})
    assert refused.status_code == 422 and refused.json()["error"]["code"] == "unknown_sku"
    assert "no longer sold" in refused.json()["error"]["message"]
    assert me.post(f"{path}/usage", json={"events": face(4, 40_000, "r")}).status_code == 202
    ctx.clock = lambda: FIXED_NOW + timedelta(days=5)
    assert op.post("/v1/settlements", json={"through": "2027-06-05"}).status_code in (200, 201)
    (package,) = me.get(f"{path}/packages").json()["packages"]
    assert package["sku"] == "ai.face.100k" and package["remaining"] == 60_000  # drawn after it was retired
    text = me.get(f"{path}/packages", params={"format": "csv"})
    assert text.status_code in (200, 400)  # the list renders whatever its format
    assert me.get(f"{path}/reminders").status_code == 200


def test_R31_a_version_in_force_is_never_edited_or_withdrawn_and_a_bad_one_is_refused(api, ctx):
    account, op, me, path = setup(api, "Careful Co")
    base = op.get("/v1/catalog").json()
    good = changed(base, {"ai.pet.100k": "240.00"})
    today = op.post("/v1/catalog/versions", json={"effective_on": "2027-06-01", "catalog": good})
    assert today.status_code == 422 and today.json()["error"]["code"] == "invalid_request"
    assert "after today" in today.json()["error"]["message"]
    bad = copy.deepcopy(good)
    next(p for p in bad["packages"] if p["sku"] == "ai.pet.1m")["price"] = "-1"
    refused = op.post("/v1/catalog/versions", json={"effective_on": "2027-06-20", "catalog": bad})
    assert refused.status_code == 422 and "package ai.pet.1m: field 'price'" in refused.json()["error"]["message"]
    missing = copy.deepcopy(good)
    missing["payg"] = [s for s in missing["payg"] if s["service"] != "ai.kitchen"]
    refused = op.post("/v1/catalog/versions", json={"effective_on": "2027-06-20", "catalog": missing})
    assert refused.status_code == 422 and "ai.kitchen" in refused.json()["error"]["message"]
    odd = op.post("/v1/catalog/versions", json={"effective_on": "20-06-2027", "catalog": good})
    assert odd.status_code == 422
    assert [v["id"] for v in op.get("/v1/catalog/versions").json()["versions"]] == ["v1"]  # nothing stored from them
    assert op.post("/v1/catalog/versions", json={"effective_on": "2027-06-20", "catalog": good}).status_code == 201
    twice = op.post("/v1/catalog/versions", json={"effective_on": "2027-06-20", "catalog": good})
    assert twice.status_code == 409
    assert op.post("/v1/catalog/versions", json={"effective_on": "2027-06-25", "catalog": good}).json()["id"] == "v3"
    gone = op.delete("/v1/catalog/versions/v3")
    assert gone.status_code == 200 and gone.json()["status"] == "withdrawn"
    assert op.delete("/v1/catalog/versions/v3").status_code == 409
    assert op.delete("/v1/catalog/versions/v1").status_code == 409
    assert op.delete("/v1/catalog/versions/v9").status_code == 404
    assert me.delete("/v1/catalog/versions/v2").status_code == 403
    ctx.clock = lambda: FIXED_NOW + timedelta(days=19)  # 20 June: v2 in force
    in_force = op.delete("/v1/catalog/versions/v2")
    assert in_force.status_code == 409 and "in force" in in_force.json()["error"]["message"]
    assert me.get("/v1/catalog").json()["version"] == "v2"
    records = op.get("/v1/audit", params={"action": "catalog.publish"}).json()["records"]
    assert [r["outcome"] for r in records].count("ok") == 2
    assert [r["target"] for r in records if r["outcome"] == "ok"] == ["v3", "v2"]
    withdrawn = op.get("/v1/audit", params={"action": "catalog.withdraw"}).json()["records"]
    assert [r["outcome"] for r in withdrawn if r["outcome"] == "ok"] == ["ok"]


def test_R31_the_advisor_plans_with_a_scheduled_price_cut(api, ctx):
    """About 1,000,000 pet calls a month: today the advisor buys a 10m package (20,000.00) and two
    1m now; with the 10m cut to 10,000.00 from 1 July it buys the 10m on 1 July (the 1m packages
    pay for June meanwhile), and the plan costs 10,000.00 less."""
    account, op, me, path = setup(api, "Advice Versions")
    events = [{"event_id": f"u{i}", "service": "ai.pet", "quantity": 33_334, "region": "ap-beijing",
               "timestamp": (FIXED_NOW - timedelta(days=i + 1)).isoformat()} for i in range(30)]
    assert op.post(f"{path}/usage", json={"events": events}).status_code == 202
    assert op.post("/v1/settlements", json={"through": "2027-05-31"}).status_code in (200, 201)
    now = me.get(f"{path}/advice").json()
    assert ("ai.pet.10m", "2027-06-01") in [(p["sku"], p["buy_on"]) for p in now["plan"]], now["plan"]
    base = op.get("/v1/catalog").json()
    assert op.post("/v1/catalog/versions", json={"effective_on": "2027-07-01",
                                                 "catalog": changed(base, {"ai.pet.10m": "10000.00"})}).status_code == 201
    later = me.get(f"{path}/advice").json()
    assert [(p["sku"], p["count"], p["buy_on"]) for p in later["plan"]] == [("ai.pet.1m", 2, "2027-06-01"), ("ai.pet.10m", 1, "2027-07-01")]
    assert (now["cost_with_plan"], later["cost_with_plan"]) == ("24900.64", "14900.64")  # the 10m bought for 10,000.00
    assert later["cost_without_plan"] == now["cost_without_plan"]  # pay-as-you-go prices unchanged
    assert "0.001 CNY a call" in later["plan"][1]["reason"]
