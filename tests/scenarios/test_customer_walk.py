"""A customer's autumn, told in order, against a real server over HTTP.

Acme Kitchens (China site) runs cameras in Beijing and Hong Kong. All dates lie in the past,
so the operator records them with the ``at`` override, as a backfill would.
"""

from __future__ import annotations

from .conftest import OPERATOR


def event(event_id, service, quantity, timestamp, region="ap-beijing"):
    return {"event_id": event_id, "service": service, "quantity": quantity, "region": region, "timestamp": timestamp}


GB = 10**9


def test_a_customers_autumn(server):
    op = server.client()
    acme = op.post("/v1/accounts", json={"name": "Acme Kitchens", "site": "cn"}).json()
    me = server.client(acme["token"])
    aid = acme["id"]
    usage = lambda *events: op.post(f"/v1/accounts/{aid}/usage", json={"events": list(events)})  # noqa: E731
    bill = lambda first, last: me.get(f"/v1/accounts/{aid}/bills", params={"from": first, "to": last}).json()  # noqa: E731
    def settle(day):
        body = op.post("/v1/settlements", json={"through": day}).json()
        assert body["failed"] == []
        return {"days": body["days"], "lines": body["lines"]}

    # 1 Sep: buys a 100k kitchen package (R4: it covers 2026-09-01 to 2027-08-31)
    k1 = op.post(f"/v1/accounts/{aid}/packages", json={"sku": "ai.kitchen.100k", "at": "2026-09-01T10:00:00+08:00"}).json()
    assert k1["amount"] == "250.00"
    k1 = k1["packages"][0]
    assert (k1["first_day"], k1["last_day"]) == ("2026-09-01", "2027-08-31")

    # 2 Sep: 60k calls in Beijing, 5k in Hong Kong (R1: Hong Kong never touches the package)
    assert usage(event("k-1", "ai.kitchen", 60_000, "2026-09-02T12:00:00+08:00"),
                 event("k-2", "ai.kitchen", 5_000, "2026-09-02T13:00:00+08:00", "ap-hongkong")).json() == {"accepted": 2, "duplicates": 0}
    # the metering retries the same batch after a timeout (R14)
    assert usage(event("k-1", "ai.kitchen", 60_000, "2026-09-02T12:00:00+08:00")).json() == {"accepted": 0, "duplicates": 1}
    assert settle("2026-09-02") == {"days": 1, "lines": 1}
    (line,) = bill("2026-09-02", "2026-09-02")["lines"]
    assert line["drawn"] == [{"package_id": k1["id"], "quantity": 60_000}] and line["payg_quantity"] == 5_000
    assert line["amount"] == "12.50"

    # 3 Sep: stacks a second package (R5), then a day of 70k: 40k from the first, 30k from the second (R6)
    k2 = op.post(f"/v1/accounts/{aid}/packages", json={"sku": "ai.kitchen.100k", "at": "2026-09-03T08:00:00+08:00"}).json()["packages"][0]
    usage(event("k-3", "ai.kitchen", 70_000, "2026-09-03T12:00:00+08:00"))
    settle("2026-09-03")
    (line,) = bill("2026-09-03", "2026-09-03")["lines"]
    assert line["drawn"] == [{"package_id": k1["id"], "quantity": 40_000}, {"package_id": k2["id"], "quantity": 30_000}]
    pkgs = me.get(f"/v1/accounts/{aid}/packages", params={"as_of": "2026-09-04T00:00:00+08:00"}).json()["packages"]
    assert [(p["id"], p["remaining"], p["status"]) for p in pkgs] == [(k1["id"], 0, "exhausted"), (k2["id"], 70_000, "active")]
    kinds = {r["kind"] for r in me.get(f"/v1/accounts/{aid}/reminders", params={"as_of": "2026-09-04T00:00:00+08:00"}).json()["reminders"]}
    assert kinds == {"exhausted"}

    # Traffic: a 100 GB upstream package is frozen while on daily peak bandwidth (R7)
    up = op.post(f"/v1/accounts/{aid}/packages", json={"sku": "traffic.up.100gb", "at": "2026-09-05T09:00:00+08:00"}).json()["packages"][0]
    assert up["status"] == "frozen"
    usage(event("t-1", "traffic.up", 30_000_000, "2026-09-05T10:00:00+08:00"))  # 0.8 Mbps in one window (R8)
    switched = op.put(f"/v1/accounts/{aid}/traffic-billing", json={"mode": "traffic", "at": "2026-09-05T20:00:00+08:00"}).json()
    assert switched == {"mode": "traffic", "effective_day": "2026-09-06"}
    usage(event("t-2", "traffic.up", 40 * GB, "2026-09-06T10:00:00+08:00"))
    settle("2026-09-06")
    lines = bill("2026-09-05", "2026-09-06")["lines"]
    assert [(ln["day"], ln["service"], ln["quantity"], ln["amount"]) for ln in lines] == [
        ("2026-09-05", "bandwidth.up", "0.8", "0.28"), ("2026-09-06", "traffic.up", 40 * GB, "0.00")]
    assert lines[1]["drawn"] == [{"package_id": up["id"], "quantity": 40 * GB}]

    # Late usage of 5 Sep arrives on the 8th: a supplement under the 5th's rules (peak billing, R12)
    usage(event("t-late", "traffic.up", 60_000_000, "2026-09-05T10:02:00+08:00"))
    assert settle("2026-09-08") == {"days": 1, "lines": 1}
    (sup,) = [ln for ln in bill("2026-09-05", "2026-09-05")["lines"] if ln["supplement"]]
    assert (sup["quantity"], sup["amount"]) == ("1.6", "0.56")  # peak 0.8 -> 2.4 Mbps: 0.84 - 0.28

    # Refund (R10): a plate package bought on the 10th, refunded on the 12th; a second refund is refused
    plate = op.post(f"/v1/accounts/{aid}/packages", json={"sku": "ai.plate.100k", "at": "2026-09-10T09:00:00+08:00"}).json()["packages"][0]
    r = op.post(f"/v1/accounts/{aid}/packages/{plate['id']}/refund", json={"at": "2026-09-12T09:00:00+08:00"})
    assert r.status_code == 200 and r.json()["amount"] == "10000.00" and r.json()["package"]["status"] == "refunded"
    r = op.post(f"/v1/accounts/{aid}/packages/{k2['id']}/refund", json={"at": "2026-09-12T09:00:00+08:00"})
    assert r.status_code == 409 and r.json()["error"]["code"] == "refund_not_allowed"

    # Expiry (R9): a face package of 2025 has expired; usage after its last day is pay-as-you-go
    old = op.post(f"/v1/accounts/{aid}/packages", json={"sku": "ai.face.100k", "at": "2025-09-15T09:00:00+08:00"}).json()["packages"][0]
    assert old["last_day"] == "2026-09-14"
    usage(event("f-1", "ai.face", 1000, "2026-09-14T09:00:00+08:00"), event("f-2", "ai.face", 1000, "2026-09-15T09:00:00+08:00"))
    settle("2026-09-15")
    face = [ln for ln in bill("2026-09-14", "2026-09-15")["lines"] if ln["service"] == "ai.face"]
    assert [(ln["day"], ln["payg_quantity"], ln["amount"]) for ln in face] == [("2026-09-14", 0, "0.00"), ("2026-09-15", 1000, "0.50")]
    statuses = {p["id"]: p["status"] for p in me.get(f"/v1/accounts/{aid}/packages", params={"as_of": "2026-09-15T12:00:00+08:00"}).json()["packages"]}
    assert statuses[old["id"]] == "expired" and statuses[plate["id"]] == "refunded"

    # The month's bill adds up, and settling again changes nothing
    month = bill("2026-09-01", "2026-09-30")
    from decimal import Decimal

    assert Decimal(month["total"]) == sum(Decimal(ln["amount"]) for ln in month["lines"])
    assert settle("2026-09-30") == {"days": 0, "lines": 0}
    assert bill("2026-09-01", "2026-09-30") == month


def test_an_international_account_cannot_buy(server):
    op = server.client()
    intl = op.post("/v1/accounts", json={"name": "Overseas", "site": "intl"}).json()
    r = server.client(intl["token"]).post(f"/v1/accounts/{intl['id']}/packages", json={"sku": "ai.face.100k"})
    assert r.status_code == 403 and r.json()["error"]["code"] == "site_not_eligible"
    assert op.get(f"/v1/accounts/{intl['id']}/packages").json()["packages"] == []


def test_the_server_refuses_without_a_token(server):
    assert server.client(None).get("/v1/catalog").status_code == 401
    assert server.client("wrong").get("/v1/catalog").status_code == 401
    assert server.client(OPERATOR).get("/v1/catalog").status_code == 200
