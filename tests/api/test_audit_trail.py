"""R24: named keys (shown once, stored hashed, revocable at once), token rotation, and the audit
trail of a scripted run of operator and customer actions, refusals included."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
import sqlalchemy as sa

from packbill.storage import schema as t

from .conftest import OPERATOR

EV = {"event_id": "trail-1", "service": "ai.face", "quantity": 5, "region": "ap-beijing", "timestamp": "2027-06-01T10:00:00+08:00"}


def key(api, name: str, role: str) -> dict:
    r = api.as_(OPERATOR).post("/v1/keys", json={"name": name, "role": role})
    assert r.status_code == 201, r.text
    return r.json()


def test_a_key_is_shown_once_stored_hashed_and_revoked_at_once(api, ctx):
    made = key(api, "alice", "finance")
    assert made["token"].startswith("pbk_") and made["role"] == "finance" and made["created_by"] == "bootstrap"
    listed = api.as_(OPERATOR).get("/v1/keys").json()["keys"]
    assert [k["name"] for k in listed] == ["alice"] and "token" not in listed[0]
    with ctx.db.read() as conn:
        dump = json.dumps([list(map(str, r)) for r in conn.execute(sa.select(t.operator_keys))])
    assert made["token"] not in dump
    alice = api.as_(made["token"])
    assert alice.get("/v1/accounts").status_code == 200
    assert api.as_(OPERATOR).delete(f"/v1/keys/{made['id']}").json()["revoked_at"] is not None
    r = alice.get("/v1/accounts")
    assert r.status_code == 401 and r.json()["error"]["code"] == "unauthorized"
    # the bootstrap token stays an admin; a key cannot be made for a role that does not exist
    assert api.as_(OPERATOR).get("/v1/whoami").json()["operator_role"] == "admin"
    r = api.as_(OPERATOR).post("/v1/keys", json={"name": "x", "role": "root"})
    assert r.status_code == 422 and r.json()["error"]["code"] == "invalid_request"
    assert api.as_(OPERATOR).delete("/v1/keys/key_nope").status_code == 404


def test_rotating_an_account_token_stops_the_old_one_at_once(api):
    acc = api.new_account()
    old = api.as_(acc["token"])
    assert old.get(f"/v1/accounts/{acc['id']}").status_code == 200
    r = api.as_(OPERATOR).post(f"/v1/accounts/{acc['id']}/token")
    assert r.status_code == 201
    assert old.get(f"/v1/accounts/{acc['id']}").status_code == 401
    new = api.as_(r.json()["token"])
    assert new.get(f"/v1/accounts/{acc['id']}").json()["id"] == acc["id"]
    # a customer may rotate its own (a leaked token), never another's
    other = api.new_account("Other")
    assert new.post(f"/v1/accounts/{other['id']}/token").status_code == 404
    mine = new.post(f"/v1/accounts/{acc['id']}/token")
    assert mine.status_code == 201 and new.get(f"/v1/accounts/{acc['id']}").status_code == 401


def test_the_audit_trail_of_a_scripted_run(api, ctx):
    op = api.as_(OPERATOR)
    finance = key(api, "fin", "finance")
    support = key(api, "sup", "support")
    metering = key(api, "meter", "metering")
    acc = api.new_account("Trail Co")
    a = acc["id"]
    customer = api.as_(acc["token"])
    assert api.as_(finance["token"]).post(f"/v1/accounts/{a}/topups", json={"amount": "50.00", "reference": "pay-1"}).status_code == 201
    assert api.as_(finance["token"]).post("/v1/keys", json={"name": "sneaky", "role": "admin"}).status_code == 403
    assert api.as_(support["token"]).post(f"/v1/accounts/{a}/topups", json={"amount": "1.00", "reference": "x"}).status_code == 403
    assert customer.post(f"/v1/accounts/{a}/packages", json={"sku": "ai.face.100k"}).status_code == 201
    assert customer.post(f"/v1/accounts/{a}/packages", json={"sku": "ai.nope"}).status_code == 422
    assert api.as_(metering["token"]).post(f"/v1/accounts/{a}/usage", json={"events": [EV]}).status_code == 202
    assert api.as_("pb_wrong").post(f"/v1/accounts/{a}/usage", json={"events": [EV]}).status_code == 401
    assert op.get(f"/v1/accounts/{a}").status_code == 200  # a read: not recorded

    trail = api.as_(finance["token"]).get("/v1/audit", params={"account_id": a}).json()["records"]
    got = [(r["actor"], r["action"], r["outcome"]) for r in reversed(trail)]
    assert got == [
        ("bootstrap", "account.create", "ok"),
        (finance["id"], "topup.create", "ok"),
        (support["id"], "topup.create", "forbidden"),
        (a, "package.buy", "ok"),
        (a, "package.buy", "unknown_sku"),
        (metering["id"], "usage.send", "ok"),
    ]
    top = [r for r in trail if r["action"] == "topup.create" and r["outcome"] == "ok"][0]
    assert top["parameters"] == {"amount": "50.00", "reference": "pay-1"} and top["via"] == "api" and top["role"] == "finance"
    assert top["target"] == top["id"] or top["target"].startswith("top_")
    refused = [r for r in trail if r["outcome"] == "unknown_sku"][0]
    assert refused["detail"] and refused["parameters"] == {"sku": "ai.nope"}
    usage = [r for r in trail if r["action"] == "usage.send"][0]
    assert usage["detail"] == "accepted 1, duplicates 0"
    # the key made with another's token was refused, and recorded without the account filter
    everything = api.as_(OPERATOR).get("/v1/audit").json()["records"]
    assert ("key.create", "forbidden", finance["id"]) in [(r["action"], r["outcome"], r["actor"]) for r in everything]
    assert all(r["parameters"].get("token") in (None, "<hidden>") for r in everything)
    # filters and paging
    mine = api.as_(OPERATOR).get("/v1/audit", params={"actor": metering["id"]}).json()["records"]
    assert [r["action"] for r in mine] == ["usage.send"]
    first = api.as_(OPERATOR).get("/v1/audit", params={"limit": 2}).json()
    second = api.as_(OPERATOR).get("/v1/audit", params={"limit": 2, "before": first["next"]}).json()
    assert len(first["records"]) == 2 and first["next"] is not None
    assert [r["id"] for r in everything[2:4]] == [r["id"] for r in second["records"]]
    assert api.as_(OPERATOR).get("/v1/audit", params={"from": "2027-06-02"}).json()["records"] == []
    assert api.as_(OPERATOR).get("/v1/audit", params={"from": "2027-06-02", "to": "2027-06-01"}).status_code == 422
    # support and customers do not read the trail
    assert api.as_(support["token"]).get("/v1/audit").status_code == 403
    assert customer.get("/v1/audit").status_code == 403


def test_the_audit_trail_is_append_only(api, ctx):
    api.new_account()
    with pytest.raises(Exception, match="append-only"):
        with ctx.db.write() as conn:
            conn.execute(sa.update(t.audit_records).values(outcome="ok"))
    with pytest.raises(Exception, match="append-only"):
        with ctx.db.write() as conn:
            conn.execute(sa.delete(t.audit_records))


def test_the_command_line_records_the_operating_system_user(api, ctx, db_url, tmp_path):
    acc = api.new_account()
    env = {**os.environ, "PACKBILL_DB": db_url, "COLUMNS": "200"}
    cli = [sys.executable, "-m", "packbill"]
    run = subprocess.run([*cli, "wallet", "topup", acc["id"], "12.50", "--reference", "cli-1"], env=env, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    bad = subprocess.run([*cli, "wallet", "topup", acc["id"], "0", "--reference", "cli-2"], env=env, capture_output=True, text=True)
    assert bad.returncode == 1 and "Traceback" not in bad.stderr
    import getpass

    user = f"os:{getpass.getuser()}"
    records = api.as_(OPERATOR).get("/v1/audit", params={"actor": user}).json()["records"]
    assert [(r["action"], r["outcome"], r["via"]) for r in reversed(records)] == [("topup.create", "ok", "cli"),
                                                                                   ("topup.create", "invalid_request", "cli")]
    shown = subprocess.run([*cli, "trail", "--actor", user, "--format", "json"], env=env, capture_output=True, text=True)
    assert shown.returncode == 0 and [r["parameters"]["reference"] for r in json.loads(shown.stdout)] == ["cli-2", "cli-1"]
