"""The money endpoints of the contract (R15 to R20) on both databases: wallets, top-ups,
adjustments, vouchers, discounts, paying, arrears, Idempotency-Key, and bad input refused."""

from __future__ import annotations

from decimal import Decimal

import pytest
import sqlalchemy as sa

from packbill.storage import schema as t

from .conftest import OPERATOR

AT = "2027-05-01T09:00:00+08:00"


def balance_account(api, name="Prepaid"):
    r = api.as_(OPERATOR).post("/v1/accounts", json={"name": name, "site": "cn", "payment": "balance"})
    assert r.status_code == 201 and r.json()["payment"] == "balance"
    return r.json()


def test_a_prepaid_month_through_the_api(api, ctx):
    acc = balance_account(api)
    op, me = api.as_(OPERATOR), api.as_(acc["token"])
    url = f"/v1/accounts/{acc['id']}"
    wallet = me.get(f"{url}/wallet").json()
    assert (wallet["balance"], wallet["state"], wallet["vouchers"]) == ("0.00", "normal", [])
    # nothing to pay with: refused, nothing bought
    r = me.post(f"{url}/packages", json={"sku": "ai.face.100k"})
    assert r.status_code == 402 and r.json()["error"]["code"] == "insufficient_funds"
    assert r.json()["error"]["details"] == {"needed": "50.00", "available": "0.00"}
    assert me.get(f"{url}/packages").json()["packages"] == []
    # a top-up, retried, and the same reference with another amount
    first = op.post(f"{url}/topups", json={"amount": "100.00", "reference": "alipay-1"})
    assert first.status_code == 201 and first.json()["balance"] == "100.00"
    again = op.post(f"{url}/topups", json={"amount": "100.00", "reference": "alipay-1"})
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"] and again.json()["balance"] == "100.00"
    assert op.post(f"{url}/topups", json={"amount": "99.00", "reference": "alipay-1"}).json()["error"]["code"] == "conflict"
    # a voucher pays before cash; a discount lowers the contracted price
    v = op.post(f"{url}/vouchers", json={"amount": "20.00", "expires_on": "2027-12-31"})
    assert v.status_code == 201 and v.json()["status"] == "active"
    assert op.put(f"{url}/discount", json={"rate": "0.8", "effective_day": "2027-05-01"}).status_code == 200
    bought = me.post(f"{url}/packages", json={"sku": "ai.face.100k"}).json()
    assert (bought["list_amount"], bought["amount"], bought["paid"]) == ("50.00", "40.00", {"voucher": "20.00", "cash": "20.00"})
    assert bought["packages"][0]["list_price"] == "50.00" and bought["packages"][0]["price"] == "40.00"
    assert me.get(f"{url}/wallet").json()["balance"] == "80.00"
    # the refund pays back to cash and to the voucher
    refund = me.post(f"{url}/packages/{bought['packages'][0]['id']}/refund").json()
    assert refund["paid_back"] == {"voucher": "20.00", "cash": "20.00"}
    wallet = me.get(f"{url}/wallet").json()
    assert wallet["balance"] == "100.00" and wallet["vouchers"][0]["remaining"] == "20.00"
    # every movement is in the journal, each entry balanced
    entries = me.get(f"{url}/journal").json()["entries"]
    assert [e["kind"] for e in entries] == ["topup", "voucher", "purchase", "refund"]
    for e in entries:
        assert sum(Decimal(p["amount"]) for p in e["postings"]) == 0


def test_pay_as_you_go_is_charged_at_settlement_and_arrears_follow(api):
    acc = balance_account(api)
    op, url = api.as_(OPERATOR), f"/v1/accounts/{acc['id']}"
    op.put(f"{url}/balance-alert", json={"threshold": "5.00"})
    op.post(f"{url}/usage", json={"events": [{"event_id": "e1", "service": "ai.plate", "quantity": 100, "region": "ap-beijing",
                                              "timestamp": "2027-05-20T10:00:00+08:00"}]})
    op.post("/v1/settlements", json={"through": "2027-05-20", "at": "2027-05-21T08:00:00+08:00"})
    (line,) = op.get(f"{url}/bills?from=2027-05-20&to=2027-05-20").json()["lines"]
    assert line["paid"] == {"voucher": "0.00", "cash": "10.00"}
    wallet = op.get(f"{url}/wallet?as_of=2027-05-21T09:00:00%2B08:00").json()
    assert (wallet["balance"], wallet["state"]) == ("-10.00", "arrears")
    kinds = {r["kind"]: r for r in op.get(f"{url}/reminders?as_of=2027-05-21T09:00:00%2B08:00").json()["reminders"]}
    assert set(kinds) == {"arrears", "low_balance"} and kinds["arrears"]["package_id"] is None
    assert "2027-05-22 08:00" in kinds["arrears"]["message"] and "欠费" in kinds["arrears"]["message_zh"]
    later = op.get(f"{url}/wallet?as_of=2027-05-22T09:00:00%2B08:00").json()
    assert later["state"] == "suspended" and later["service_status"]["ai.plate"] == "suspended"
    assert op.get(f"{url}/wallet?as_of=2027-06-07T09:00:00%2B08:00").json()["state"] == "reclaim_due"
    op.post(f"{url}/topups", json={"amount": "10.00", "reference": "bank-7"})
    assert op.get(f"{url}/wallet").json()["state"] == "normal"


def test_an_account_created_without_terms_is_on_invoice_and_never_refused(api):
    acc = api.new_account()
    assert acc["payment"] == "invoice"
    r = api.as_(acc["token"]).post(f"/v1/accounts/{acc['id']}/packages", json={"sku": "ai.plate.10m"})
    assert r.status_code == 201 and r.json()["paid"] == {"voucher": "0.00", "cash": "410000.00"}
    assert api.as_(acc["token"]).get(f"/v1/accounts/{acc['id']}/wallet").json()["state"] == "normal"


def test_the_same_idempotency_key_pays_once_and_another_body_is_a_conflict(api, ctx):
    acc = api.new_account()
    me = api.as_(acc["token"])
    url = f"/v1/accounts/{acc['id']}/packages"
    first = me.post(url, json={"sku": "ai.face.100k"}, headers={"Idempotency-Key": "k-1"})
    again = me.post(url, json={"sku": "ai.face.100k"}, headers={"Idempotency-Key": "k-1"})
    assert first.status_code == again.status_code == 201 and first.json() == again.json()
    other = me.post(url, json={"sku": "ai.pet.100k"}, headers={"Idempotency-Key": "k-1"})
    assert other.status_code == 409 and other.json()["error"]["code"] == "conflict"
    assert len(me.get(url).json()["packages"]) == 1
    op = api.as_(OPERATOR)
    for _ in range(2):
        r = op.post(f"/v1/accounts/{acc['id']}/adjustments", json={"amount": "-5.00", "reason": "goodwill"}, headers={"Idempotency-Key": "a-1"})
        assert r.status_code == 201
    assert op.get(f"/v1/accounts/{acc['id']}/wallet").json()["balance"] == "-55.00"
    with ctx.db.read() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(t.orders)).scalar_one() == 1


@pytest.mark.parametrize("path,body", [
    ("topups", {"amount": "0", "reference": "r"}),
    ("topups", {"amount": "-5.00", "reference": "r"}),
    ("topups", {"amount": "1.001", "reference": "r"}),
    ("topups", {"amount": 1.5, "reference": "r"}),
    ("topups", {"amount": "abc", "reference": "r"}),
    ("topups", {"amount": "10.00", "reference": ""}),
    ("adjustments", {"amount": "0.00", "reason": "x"}),
    ("adjustments", {"amount": "5.00", "reason": ""}),
    ("vouchers", {"amount": "5.00", "expires_on": "2020-01-01"}),
    ("vouchers", {"amount": "5.00", "expires_on": "2027-12-31", "services": ["ai.nope"]}),
    ("vouchers", {"amount": "-5.00", "expires_on": "2027-12-31"}),
])
def test_bad_money_input_is_refused_and_nothing_stored(api, ctx, path, body):
    acc = balance_account(api)
    r = api.as_(OPERATOR).post(f"/v1/accounts/{acc['id']}/{path}", json=body)
    assert r.status_code == 422 and r.json()["error"]["code"] == "invalid_request", r.text
    with ctx.db.read() as conn:
        for table in (t.topups, t.vouchers, t.journal_entries):
            assert conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one() == 0


@pytest.mark.parametrize("path,body", [
    ("discount", {"rate": "0", "effective_day": "2027-05-01"}),
    ("discount", {"rate": "1.5", "effective_day": "2027-05-01"}),
    ("discount", {"rate": "0.9", "effective_day": "May 1st"}),
    ("credit-limit", {"amount": "-1.00"}),
    ("balance-alert", {"threshold": "-1"}),
    ("payment", {"payment": "later"}),
])
def test_bad_settings_are_refused(api, path, body):
    acc = balance_account(api)
    r = api.as_(OPERATOR).put(f"/v1/accounts/{acc['id']}/{path}", json=body)
    assert r.status_code == 422, r.text
    assert api.as_(OPERATOR).get(f"/v1/accounts/{acc['id']}/wallet").json()["credit_limit"] == "0.00"


def test_only_the_operator_moves_money_and_a_customer_sets_its_own_alert(api):
    acc = balance_account(api)
    me, url = api.as_(acc["token"]), f"/v1/accounts/{acc['id']}"
    assert me.post(f"{url}/topups", json={"amount": "5.00", "reference": "r"}).status_code == 403
    assert me.post(f"{url}/vouchers", json={"amount": "5.00", "expires_on": "2027-12-31"}).status_code == 403
    assert me.put(f"{url}/discount", json={"rate": "0.5", "effective_day": "2027-05-01"}).status_code == 403
    assert me.put(f"{url}/balance-alert", json={"threshold": "20.00"}).json() == {"threshold": "20.00"}
    other = balance_account(api, "Other")
    assert me.get(f"/v1/accounts/{other['id']}/wallet").status_code == 404


def test_the_operators_account_list_sorts_filters_and_pages(ctx):
    from packbill import services

    ids = []
    for n, amount in enumerate(["30.00", "10.00", "20.00"]):
        account, _ = services.create_account(ctx, f"Shop {n}", "cn", payment="balance")
        services.topup(ctx, account.id, Decimal(amount), f"r{n}")
        ids.append(account.id)
    services.adjust(ctx, ids[1], Decimal("-15.00"), "correction")  # into arrears
    rows, pages = services.account_page(ctx, sort="balance", per_page=2)
    assert pages == 2 and [r.view.account.id for r in rows] == [ids[1], ids[2]]
    rows, _ = services.account_page(ctx, sort="balance", per_page=2, page=2)
    assert [r.view.account.id for r in rows] == [ids[0]]
    rows, pages = services.account_page(ctx, state="arrears")
    assert pages == 1 and [(r.view.account.id, r.state.value) for r in rows] == [(ids[1], "arrears")]
    rows, _ = services.account_page(ctx, sort="name", descending=True)
    assert [r.view.account.name for r in rows] == ["Shop 2", "Shop 1", "Shop 0"]
    from packbill.domain.errors import InvalidRequest

    with pytest.raises(InvalidRequest):
        services.account_page(ctx, sort="nonsense")
