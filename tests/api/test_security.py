"""Every endpoint walked with no token, a bad token, and another account's token: each is
refused, and no response carries the other account's data."""

from __future__ import annotations

import json

import pytest

from .conftest import OPERATOR

EV = {"event_id": "secret-event", "service": "ai.face", "quantity": 7, "region": "ap-beijing", "timestamp": "2027-05-01T10:00:00+08:00"}


@pytest.fixture
def victim(api):
    acc = api.new_account("Victim Secret Co")
    op = api.as_(OPERATOR)
    pkg = op.post(f"/v1/accounts/{acc['id']}/packages", json={"sku": "ai.face.100k", "at": "2027-05-01T09:00:00+08:00"}).json()["packages"][0]
    op.post(f"/v1/accounts/{acc['id']}/usage", json={"events": [EV]})
    op.post("/v1/settlements", json={"through": "2027-05-01"})
    return acc, pkg


def endpoints(account_id: str, package_id: str):
    a = account_id
    return [
        ("get", f"/v1/accounts/{a}", None),
        ("get", f"/v1/accounts/{a}/packages", None),
        ("post", f"/v1/accounts/{a}/packages", {"sku": "ai.face.100k"}),
        ("post", f"/v1/accounts/{a}/packages/{package_id}/refund", None),
        ("put", f"/v1/accounts/{a}/traffic-billing", {"mode": "traffic"}),
        ("post", f"/v1/accounts/{a}/usage", {"events": [{**EV, "event_id": "intruder"}]}),
        ("get", f"/v1/accounts/{a}/usage?from=2027-05-01&to=2027-05-31", None),
        ("get", f"/v1/accounts/{a}/bills?from=2027-05-01&to=2027-05-31", None),
        ("get", f"/v1/accounts/{a}/reminders", None),
    ]


OPERATOR_ONLY = [("post", "/v1/accounts", {"name": "Mallory", "site": "cn"}), ("get", "/v1/accounts", None),
                 ("post", "/v1/settlements", {"through": "2027-05-01"})]


def leaks(response, acc, pkg) -> bool:
    text = response.text
    return any(secret in text for secret in (acc["name"], pkg["id"], "secret-event")) or (
        acc["id"] in text and response.status_code < 400)


def test_no_token_and_bad_token_are_unauthorized(api, victim):
    acc, pkg = victim
    for token in (None, "pb_not-a-token", OPERATOR + "x"):
        for method, path, body in endpoints(acc["id"], pkg["id"]) + OPERATOR_ONLY + [("get", "/v1/catalog", None)]:
            r = getattr(api.as_(token), method)(path, **({"json": body} if body else {}))
            assert r.status_code == 401 and r.json()["error"]["code"] == "unauthorized", (token, path)
            assert not leaks(r, acc, pkg)


def test_another_accounts_token_reaches_nothing(api, victim):
    acc, pkg = victim
    mallory = api.new_account("Mallory")
    for method, path, body in endpoints(acc["id"], pkg["id"]):
        r = getattr(api.as_(mallory["token"]), method)(path, **({"json": body} if body else {}))
        assert r.status_code in (403, 404), (path, r.status_code)
        assert r.json()["error"]["code"] in ("forbidden", "not_found")
        assert not leaks(r, acc, pkg), path
    for method, path, body in OPERATOR_ONLY:
        r = getattr(api.as_(mallory["token"]), method)(path, **({"json": body} if body else {}))
        assert r.status_code == 403 and r.json()["error"]["code"] == "forbidden"
        assert not leaks(r, acc, pkg)
    # nothing changed for the victim
    op = api.as_(OPERATOR)
    assert op.get(f"/v1/accounts/{acc['id']}").json()["traffic_billing_next"] is None
    (p,) = op.get(f"/v1/accounts/{acc['id']}/packages").json()["packages"]
    assert p["status"] == "active" and p["remaining"] == 100_000 - 7
    assert op.post(f"/v1/accounts/{acc['id']}/usage", json={"events": [{**EV, "event_id": "intruder"}]}).json()["accepted"] == 1
    assert [a["name"] for a in op.get("/v1/accounts").json()["accounts"]] == ["Victim Secret Co", "Mallory"]


def test_a_package_of_another_account_cannot_be_refunded_through_ones_own(api, victim):
    acc, pkg = victim
    mallory = api.new_account("Mallory")
    r = api.as_(mallory["token"]).post(f"/v1/accounts/{mallory['id']}/packages/{pkg['id']}/refund")
    assert r.status_code == 404 and not leaks(r, acc, pkg)


def test_tokens_are_stored_only_as_hashes(api, ctx):
    import sqlalchemy as sa

    from packbill.storage import schema as t

    acc = api.new_account()
    with ctx.db.read() as conn:
        dump = json.dumps([list(map(str, r)) for r in conn.execute(sa.select(t.accounts))])
    assert acc["token"] not in dump
