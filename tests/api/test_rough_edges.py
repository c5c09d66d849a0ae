"""Rough edges a new user hit (issue 12), each with its test: the version, and purchase or refund
moments in the future."""

import subprocess
import sys
from datetime import timedelta

import pytest

from packbill import services
from packbill.domain.errors import InvalidRequest
from tests.conftest import FIXED_NOW

from .conftest import OPERATOR


def test_the_command_tells_its_version():
    done = subprocess.run([sys.executable, "-m", "packbill", "--version"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and done.stdout.startswith("packbill ")


def test_a_purchase_or_refund_in_the_future_is_refused(ctx):
    account, _ = services.create_account(ctx, "Future", "cn")
    with pytest.raises(InvalidRequest, match="future"):
        services.buy(ctx, account.id, "ai.face.100k", 1, FIXED_NOW + timedelta(hours=1))
    bought = services.buy(ctx, account.id, "ai.face.100k", 1, FIXED_NOW + timedelta(minutes=4))  # clocks differ a little
    with pytest.raises(InvalidRequest, match="future"):
        services.refund(ctx, account.id, bought.packages[0].id, FIXED_NOW + timedelta(days=1))
    held = services.list_packages(ctx, account.id, FIXED_NOW + timedelta(minutes=5))
    assert [(v.package.id, v.package.refunded_at) for v in held] == [(bought.packages[0].id, None)]


def test_the_api_refuses_a_future_purchase(api):
    account = api.new_account("Future API")
    r = api.as_(OPERATOR).post(f"/v1/accounts/{account['id']}/packages",
                               json={"sku": "ai.face.100k", "count": 1, "at": (FIXED_NOW + timedelta(days=2)).isoformat()})
    assert r.status_code == 422 and "future" in r.json()["error"]["message"]


def test_an_amount_too_large_to_hold_in_cents_is_refused_not_a_crash(api):
    acc = api.new_account()
    for path, body in ((f"/v1/accounts/{acc['id']}/balance-alert", {"threshold": "1e30"}),
                       (f"/v1/accounts/{acc['id']}/topups", {"amount": "-1E+40", "reference": "r"}),
                       (f"/v1/accounts/{acc['id']}/credit-limit", {"amount": "9" * 60})):
        method = "post" if path.endswith("topups") else "put"
        r = getattr(api.as_(OPERATOR), method)(path, json=body)
        assert r.status_code == 422 and r.json()["error"]["code"] == "invalid_request", (path, r.text)


def test_an_event_id_sent_again_with_other_content_is_a_conflict_not_dropped(api, ctx):
    acc = api.new_account()
    me = api.as_(OPERATOR)
    path = f"/v1/accounts/{acc['id']}/usage"
    first = {"event_id": "dup-1", "service": "ai.face", "quantity": 5, "region": "ap-beijing", "timestamp": "2027-06-01T10:00:00+08:00"}
    assert me.post(path, json={"events": [first]}).json() == {"accepted": 1, "duplicates": 0}
    assert me.post(path, json={"events": [first]}).json() == {"accepted": 0, "duplicates": 1}  # an identical retry
    for change in ({"quantity": 6}, {"service": "ai.pet"}, {"timestamp": "2027-06-01T10:00:01+08:00"}, {"region": "ap-hongkong"}):
        fresh = {**first, "event_id": "fresh-" + next(iter(change))}
        r = me.post(path, json={"events": [fresh, {**first, **change}]})
        assert r.status_code == 422, change
        body = r.json()["error"]
        assert body["code"] == "invalid_usage" and body["details"] == [{"index": 1, "reason": "conflicting_duplicate"}]
    # within one batch: the second copy with other content
    r = me.post(path, json={"events": [{**first, "event_id": "in-1"}, {**first, "event_id": "in-1", "quantity": 9}]})
    assert r.status_code == 422 and r.json()["error"]["details"] == [{"index": 1, "reason": "conflicting_duplicate"}]
    # nothing of the refused batches was stored
    usage = me.get(f"{path}?from=2027-06-01&to=2027-06-01").json()["usage"]
    assert [(u["service"], u["mainland"]) for u in usage] == [("ai.face", 5)]
    # the same identical event within one batch counts once
    assert me.post(path, json={"events": [{**first, "event_id": "twice"}] * 2}).json() == {"accepted": 1, "duplicates": 1}


def test_a_file_that_repeats_an_event_id_with_other_content_names_the_line(api, ctx, tmp_path):
    acc = api.new_account()
    a = acc["id"]
    api.as_(OPERATOR).post(f"/v1/accounts/{a}/usage", json={"events": [
        {"event_id": "known", "service": "ai.face", "quantity": 5, "region": "ap-beijing", "timestamp": "2027-06-01T10:00:00+08:00"}]})
    path = tmp_path / "usage.csv"
    path.write_text("account_id,event_id,service,quantity,region,timestamp\n"
                    f"{a},new-1,ai.face,1,ap-beijing,2027-06-01T10:00:00+08:00\n"
                    "\n"
                    f"{a},known,ai.face,5,ap-beijing,2027-06-01T10:00:00+08:00\n"
                    f"{a},known,ai.face,7,ap-beijing,2027-06-01T10:00:00+08:00\n"
                    f"{a},new-2,ai.face,1,ap-beijing,2027-06-01T10:00:00+08:00\n", encoding="utf-8")
    result = services.import_file(ctx, path, workers=1)
    assert [(b.line, b.reason.split(":")[0]) for b in result.bad] == [(5, "conflicting_duplicate")]
    assert result.accepted == 0  # the chunk with the conflict was rolled back whole
    usage = api.as_(OPERATOR).get(f"/v1/accounts/{a}/usage?from=2027-06-01&to=2027-06-01").json()["usage"]
    assert [u["mainland"] for u in usage] == [5]
    path.write_text(path.read_text().replace(f"{a},known,ai.face,7", f"{a},known,ai.face,5"))
    fixed = services.import_file(ctx, path, workers=1)
    assert (fixed.bad, fixed.accepted, fixed.duplicates) == ([], 2, 2)


def test_a_body_that_is_not_an_object_is_refused_and_the_audit_trail_still_reads(api):
    """Schemathesis found it: a JSON body of 0, false, "AAA" or [null, null] was recorded as the
    refusal's parameters as it was, and the audit trail's listing then failed (a 500) on every
    such record. Each is refused with invalid_request and recorded as {"body": ...}."""
    from .conftest import OPERATOR

    account = api.new_account("Odd Bodies")
    op = api.as_(OPERATOR)
    for body in ("0", "false", '"AAA"', "[null, null]"):
        r = op.put(f"/v1/accounts/{account['id']}/budget", content=body, headers={"Content-Type": "application/json"})
        assert r.status_code == 422 and r.json()["error"]["code"] == "invalid_request", r.text
    listed = op.get("/v1/audit", params={"account_id": account["id"], "action": "budget.set"})
    assert listed.status_code == 200, listed.text
    assert [rec["parameters"] for rec in listed.json()["records"]] == [{"body": [None, None]}, {"body": "AAA"}, {"body": False},
                                                                         {"body": 0}]
    assert op.get("/v1/audit", params={"actor": "", "account_id": "", "action": ""}).status_code == 200
