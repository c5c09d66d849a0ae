"""API v1 as written in ../shared/API.md: shapes, codes, and that refused input stores nothing."""

from __future__ import annotations

import pytest

from .conftest import OPERATOR

EV = {"event_id": "e1", "service": "ai.face", "quantity": 10, "region": "ap-beijing", "timestamp": "2027-05-01T10:00:00+08:00"}


def test_healthz_and_openapi(api):
    assert api.as_(None).get("/healthz").status_code == 200
    doc = api.as_(None).get("/openapi.json").json()
    for path in ("/v1/catalog", "/v1/accounts", "/v1/accounts/{account_id}/packages", "/v1/accounts/{account_id}/usage",
                 "/v1/settlements", "/v1/accounts/{account_id}/bills", "/v1/accounts/{account_id}/reminders",
                 "/v1/accounts/{account_id}/traffic-billing", "/v1/accounts/{account_id}/packages/{package_id}/refund"):
        assert path in doc["paths"]


def test_catalog_shape(api):
    acc = api.new_account()
    body = api.as_(acc["token"]).get("/v1/catalog").json()
    face = next(p for p in body["packages"] if p["sku"] == "ai.face.100k")
    assert face == {**face, "service": "ai.face", "size": 100000, "unit": "call", "price": "50.00", "validity": "P1Y"}
    up = next(p for p in body["packages"] if p["sku"] == "traffic.up.1tb")
    assert (up["size"], up["unit"], up["price"]) == (10**12, "byte", "150.00")
    payg = {p["service"]: p for p in body["payg"]}
    assert payg["traffic.down"]["price"] == "0.50" and payg["ai.plate"]["price"] == "0.1"


def test_account_create_and_show(api):
    acc = api.new_account("Acme")
    assert set(acc) >= {"id", "name", "site", "token", "traffic_billing"}
    assert acc["traffic_billing"] == "daily_peak_bandwidth"
    shown = api.as_(acc["token"]).get(f"/v1/accounts/{acc['id']}").json()
    assert shown["traffic_billing_next"] is None and "token" not in shown


def test_purchase_list_refund_flow(api):
    acc = api.new_account()
    me = api.as_(acc["token"])
    r = me.post(f"/v1/accounts/{acc['id']}/packages", json={"sku": "ai.face.100k", "count": 2})
    assert r.status_code == 201 and r.json()["amount"] == "100.00"
    pkgs = r.json()["packages"]
    assert set(pkgs[0]) == {"id", "sku", "service", "size", "remaining", "price", "purchased_at", "first_day", "last_day", "status",
                            "list_price", "remaining_now", "forecast"}  # list_price: wave 2 (R16); remaining_now (R26); forecast (R29)
    listed = me.get(f"/v1/accounts/{acc['id']}/packages").json()["packages"]
    assert [p["id"] for p in listed] == [p["id"] for p in pkgs]
    r = me.post(f"/v1/accounts/{acc['id']}/packages/{pkgs[0]['id']}/refund")
    assert r.status_code == 200 and r.json()["amount"] == "50.00" and r.json()["package"]["status"] == "refunded"
    r = me.post(f"/v1/accounts/{acc['id']}/packages/{pkgs[1]['id']}/refund")
    assert r.status_code == 409 and r.json()["error"]["code"] == "refund_not_allowed"
    assert me.get(f"/v1/accounts/{acc['id']}/packages?status=refunded").json()["packages"][0]["id"] == pkgs[0]["id"]


def test_customer_at_is_ignored_operator_at_is_honoured(api):
    acc = api.new_account()
    mine = api.as_(acc["token"]).post(f"/v1/accounts/{acc['id']}/packages", json={"sku": "ai.face.100k", "at": "2026-01-01T00:00:00+08:00"})
    assert mine.json()["packages"][0]["first_day"] == "2027-06-01"  # the server's (fixed) clock
    op = api.as_(OPERATOR).post(f"/v1/accounts/{acc['id']}/packages", json={"sku": "ai.face.100k", "at": "2026-01-01T00:00:00+08:00"})
    assert op.json()["packages"][0]["first_day"] == "2026-01-01"


def test_intl_account_refused_and_nothing_created(api):
    acc = api.new_account(site="intl")
    r = api.as_(acc["token"]).post(f"/v1/accounts/{acc['id']}/packages", json={"sku": "ai.face.100k"})
    assert r.status_code == 403 and r.json()["error"]["code"] == "site_not_eligible"
    assert api.as_(OPERATOR).get(f"/v1/accounts/{acc['id']}/packages").json()["packages"] == []


def test_unknown_sku(api):
    acc = api.new_account()
    r = api.as_(acc["token"]).post(f"/v1/accounts/{acc['id']}/packages", json={"sku": "ai.face.5"})
    assert r.status_code == 422 and r.json()["error"]["code"] == "unknown_sku"


def test_traffic_billing_switch(api):
    acc = api.new_account()
    r = api.as_(acc["token"]).put(f"/v1/accounts/{acc['id']}/traffic-billing", json={"mode": "traffic"})
    assert r.json() == {"mode": "traffic", "effective_day": "2027-06-02"}
    shown = api.as_(acc["token"]).get(f"/v1/accounts/{acc['id']}").json()
    assert shown["traffic_billing"] == "daily_peak_bandwidth"
    assert shown["traffic_billing_next"] == {"mode": "traffic", "effective_day": "2027-06-02"}
    later = api.as_(acc["token"]).get(f"/v1/accounts/{acc['id']}?as_of=2027-06-02T00:00:00%2B08:00").json()
    assert later["traffic_billing"] == "traffic" and later["traffic_billing_next"] is None


def test_usage_settlement_bills(api):
    acc = api.new_account()
    op = api.as_(OPERATOR)
    pkg = op.post(f"/v1/accounts/{acc['id']}/packages", json={"sku": "ai.face.100k", "at": "2027-05-01T09:00:00+08:00"}).json()["packages"][0]
    r = op.post(f"/v1/accounts/{acc['id']}/usage", json={"events": [EV, EV, {**EV, "event_id": "e2", "region": "ap-tokyo"}]})
    assert r.status_code == 202 and r.json() == {"accepted": 2, "duplicates": 1}
    assert op.post(f"/v1/accounts/{acc['id']}/usage", json={"events": [EV]}).json() == {"accepted": 0, "duplicates": 1}
    first = op.post("/v1/settlements", json={"through": "2027-05-31"}).json()
    assert (first["days"], first["lines"], first["failed"]) == (1, 1, [])
    again = op.post("/v1/settlements", json={"through": "2027-05-31"}).json()
    assert (again["days"], again["lines"], again["failed"]) == (0, 0, [])
    bill = api.as_(acc["token"]).get(f"/v1/accounts/{acc['id']}/bills?from=2027-05-01&to=2027-05-31").json()
    assert bill == {"lines": [{"day": "2027-05-01", "service": "ai.face", "quantity": 20,
                               "drawn": [{"package_id": pkg["id"], "quantity": 10}], "payg_quantity": 10,
                               "amount": "0.01", "supplement": False,
                               "list_amount": "0.01", "paid": {"voucher": "0.00", "cash": "0.01"},  # wave 2 (R16, R18)
                               "paid_by": None}],  # wave 3: its own wallet paid it (R32)
                    "total": "0.01"}


def test_settlement_of_a_day_not_ended_is_refused(api):
    r = api.as_(OPERATOR).post("/v1/settlements", json={"through": "2027-06-01"})
    assert r.status_code == 422 and r.json()["error"]["code"] == "invalid_request"


def test_bandwidth_line_quantity_is_a_decimal_string(api):
    acc = api.new_account()
    op = api.as_(OPERATOR)
    op.post(f"/v1/accounts/{acc['id']}/usage", json={"events": [{**EV, "service": "traffic.up", "quantity": 30_000_000}]})
    op.post("/v1/settlements", json={"through": "2027-05-01"})
    (line,) = op.get(f"/v1/accounts/{acc['id']}/bills?from=2027-05-01&to=2027-05-01").json()["lines"]
    assert (line["service"], line["quantity"], line["amount"]) == ("bandwidth.up", "0.8", "0.28")


def test_reminders(api):
    acc = api.new_account()
    op = api.as_(OPERATOR)
    op.post(f"/v1/accounts/{acc['id']}/packages", json={"sku": "traffic.up.100gb", "at": "2027-05-01T09:00:00+08:00"})
    (r,) = op.get(f"/v1/accounts/{acc['id']}/reminders").json()["reminders"]
    assert r["kind"] == "frozen" and r["message"]


# Bad input: every case gets the contract's error shape and a 4xx, and stores nothing -----

BAD_USAGE = [
    ({"events": [{**EV, "timestamp": "2027-05-01T10:00:00"}]}, "UTC offset"),
    ({"events": [{**EV, "service": "ai.nope"}]}, "unknown service"),
    ({"events": [{**EV, "quantity": 0}]}, "quantity"),
    ({"events": [{**EV, "quantity": -5}]}, "quantity"),
    ({"events": [{**EV, "quantity": 10**16}]}, "quantity"),
    ({"events": [{**EV, "quantity": "10"}]}, "integer"),
    ({"events": [{**EV, "event_id": "x" * 129}]}, "event_id"),
    ({"events": [{**EV, "region": "moon"}]}, "unknown region"),
    ({"events": [{**EV, "timestamp": "2027-06-01T12:10:00+08:00"}]}, "ahead"),
    ({"events": [{k: v for k, v in EV.items() if k != "quantity"}]}, "missing"),
    ({"events": [EV] * 10_001}, "at most 10000"),
    ({"events": "many"}, "list"),
]


@pytest.mark.parametrize("body, reason", BAD_USAGE, ids=[r for _, r in BAD_USAGE])
def test_bad_usage_refused_whole(api, body, reason):
    acc = api.new_account()
    good = {**EV, "event_id": "good"}
    if isinstance(body["events"], list) and len(body["events"]) == 1:
        body = {"events": [good, *body["events"]]}
    op = api.as_(OPERATOR)
    r = op.post(f"/v1/accounts/{acc['id']}/usage", json=body)
    assert r.status_code == 422, r.text
    err = r.json()["error"]
    assert err["code"] == "invalid_usage" and (reason in err["message"] or reason in str(err["details"]))
    # nothing of the batch was stored: the good event is still new
    assert op.post(f"/v1/accounts/{acc['id']}/usage", json={"events": [good]}).json() == {"accepted": 1, "duplicates": 0}


@pytest.mark.parametrize("raw", [b"{not json", b"[]", b'{"evts": []}', b"\xff\xfe", b"null"])
def test_malformed_bodies(api, raw):
    acc = api.new_account()
    r = api.as_(OPERATOR).post(f"/v1/accounts/{acc['id']}/usage", content=raw, headers={"content-type": "application/json"})
    assert r.status_code == 422 and r.json()["error"]["code"] == "invalid_request"


@pytest.mark.parametrize(
    "method, path, body",
    [
        ("post", "/v1/accounts", {"name": "", "site": "cn"}),
        ("post", "/v1/accounts", {"name": "A", "site": "mars"}),
        ("post", "/v1/accounts", {"site": "cn"}),
        ("post", "/v1/settlements", {"through": "2027/05/01"}),
        ("post", "/v1/settlements", {"through": "2027-02-30"}),
        ("post", "/v1/settlements", {}),
    ],
)
def test_malformed_operator_requests(api, method, path, body):
    r = getattr(api.as_(OPERATOR), method)(path, json=body)
    assert r.status_code == 422 and r.json()["error"]["code"] == "invalid_request"
    assert len(api.as_(OPERATOR).get("/v1/accounts").json()["accounts"]) == 0


def test_bad_purchase_bodies_create_nothing(api):
    acc = api.new_account()
    me = api.as_(acc["token"])
    for body in ({"sku": "ai.face.100k", "count": 0}, {"sku": "ai.face.100k", "count": 101}, {"sku": "ai.face.100k", "count": "2"},
                 {"sku": 5}, {}, {"sku": "ai.face.100k", "count": 1.5}):
        r = me.post(f"/v1/accounts/{acc['id']}/packages", json=body)
        assert r.status_code == 422 and r.json()["error"]["code"] == "invalid_request", body
    assert me.get(f"/v1/accounts/{acc['id']}/packages").json()["packages"] == []


def test_bad_query_parameters(api):
    acc = api.new_account()
    me = api.as_(acc["token"])
    for path in (f"/v1/accounts/{acc['id']}/bills?from=2027-05-01", f"/v1/accounts/{acc['id']}/bills?from=x&to=y",
                 f"/v1/accounts/{acc['id']}/bills?from=2027-05-02&to=2027-05-01",
                 f"/v1/accounts/{acc['id']}/packages?as_of=2027-05-01T00:00:00",
                 f"/v1/accounts/{acc['id']}/packages?status=sleeping", f"/v1/accounts/{acc['id']}/reminders?as_of=yesterday"):
        r = me.get(path)
        assert r.status_code == 422 and r.json()["error"]["code"] == "invalid_request", path


def test_unknown_account_and_package(api):
    op = api.as_(OPERATOR)
    assert op.get("/v1/accounts/acc_nope").json()["error"]["code"] == "not_found"
    assert op.post("/v1/accounts/acc_nope/usage", json={"events": [EV]}).status_code == 404
    acc = api.new_account()
    assert op.post(f"/v1/accounts/{acc['id']}/packages/pkg_nope/refund").status_code == 404


@pytest.mark.parametrize("path", ["/v1/accounts", "/v1/settlements", "ACCOUNT/packages", "ACCOUNT/usage", "ACCOUNT/traffic-billing"])
@pytest.mark.parametrize("raw", [b"[" * 100_000 + b"]" * 100_000, b'{"events": ' + b"[" * 50_000 + b"]" * 50_000 + b"}", b"{oops"])
def test_unparseable_bodies_are_invalid_request(api, path, raw):
    acc = api.new_account()
    path = path.replace("ACCOUNT", f"/v1/accounts/{acc['id']}")
    method = "put" if path.endswith("traffic-billing") else "post"
    r = getattr(api.as_(OPERATOR), method)(path, content=raw, headers={"content-type": "application/json"})
    assert r.status_code == 422 and r.json()["error"]["code"] == "invalid_request"
