"""R25: the outbox delivered to webhook endpoints, signed as Standard Webhooks do, retried on
the schedule, disabled after 5 days of failure, logged and sent again on request; the same
events as messages (站内信). The receivers are real HTTP servers on loopback."""

from __future__ import annotations

import json
from datetime import timedelta
from functools import partial

import pytest

from packbill.domain.days import SHANGHAI
from packbill.domain.netguard import parse_networks
from packbill.domain.notify import RETRY_DELAYS
from packbill.services import inbox, sweep, webhooks
from tests.conftest import FIXED_NOW
from tests.webhook_receiver import Receiver

from .conftest import OPERATOR

EV = {"event_id": "wh-1", "service": "ai.face", "quantity": 85_000, "region": "ap-beijing", "timestamp": "2027-06-01T10:00:00+08:00"}


class Clock:
    def __init__(self) -> None:
        self.now = FIXED_NOW

    def __call__(self):
        return self.now


@pytest.fixture
def clock(ctx):
    c = Clock()
    ctx.clock = c
    ctx.webhook_allow = parse_networks("127.0.0.0/8")  # the operator's own receivers, on loopback here
    return c


@pytest.fixture
def receiver():
    with Receiver() as r:
        yield r


def register(api, receiver, path: str, token: str = OPERATOR, **extra) -> dict:
    r = api.as_(token).post("/v1/webhooks", json={"url": receiver.url(path), **extra})
    assert r.status_code == 201, r.text
    hook = r.json()
    assert hook["secret"].startswith("whsec_")
    receiver.secrets[path] = hook["secret"]
    return hook


def test_events_are_delivered_signed_with_their_stable_ids(api, ctx, clock, receiver):
    hook = register(api, receiver, "/ok")
    acc = api.new_account("Hooked Co")
    op = api.as_(OPERATOR)
    op.post(f"/v1/accounts/{acc['id']}/packages", json={"sku": "ai.face.100k", "at": "2027-06-01T09:00:00+08:00"})
    op.post(f"/v1/accounts/{acc['id']}/usage", json={"events": [EV]})
    clock.now = FIXED_NOW + timedelta(days=1)
    assert op.post("/v1/settlements", json={"through": "2027-06-01"}).status_code == 200
    sweep.sweep(ctx, [acc["id"]])
    assert webhooks.dispatch_until_idle(ctx) >= 3
    got = receiver.on("/ok")
    assert all(r["signed"] for r in got)
    types = receiver.types("/ok")
    assert {"package.bought", "day.settled", "reminder.low"} <= set(types)
    outbox = {e.id: e for e in inbox.events(ctx)}
    assert sorted(r["id"] for r in got) == sorted(outbox)  # every event once, by its own id
    bought = json.loads(next(r["body"] for r in got if json.loads(r["body"])["type"] == "package.bought"))
    assert bought["data"]["account_id"] == acc["id"] and bought["data"]["sku"] == "ai.face.100k" and bought["data"]["amount"]
    settled = json.loads(next(r["body"] for r in got if json.loads(r["body"])["type"] == "day.settled"))
    assert settled["data"]["days"] == ["2027-06-01"] and settled["data"]["lines"] == 1
    low = json.loads(next(r["body"] for r in got if json.loads(r["body"])["type"] == "reminder.low"))
    assert low["data"]["threshold"] == "0.2" and low["data"]["remaining"] == 15_000
    # the log: each delivery delivered at its first attempt
    log = op.get(f"/v1/webhooks/{hook['id']}/deliveries").json()["deliveries"]
    assert {d["status"] for d in log} == {"delivered"} and all(d["attempts"] == 1 and d["log"][0]["code"] == 204 for d in log)
    # nothing twice: a second sweep and dispatch find nothing new
    assert sweep.sweep(ctx, [acc["id"]]) == 0 and webhooks.dispatch_until_idle(ctx) == 0


def test_a_failing_receiver_is_retried_on_the_schedule_then_the_endpoint_is_disabled(api, ctx, clock, receiver):
    receiver.switch_status = 500
    hook = register(api, receiver, "/switch")
    acc = api.new_account("Failing Co")
    api.as_(OPERATOR).post(f"/v1/accounts/{acc['id']}/packages", json={"sku": "ai.face.100k"})
    t0 = FIXED_NOW
    attempts_at = []
    when = t0
    for delay in RETRY_DELAYS:
        when = when + delay
        attempts_at.append(when)
    for n, when in enumerate(attempts_at, start=1):
        clock.now = when - timedelta(seconds=1)
        if n > 1:
            assert webhooks.dispatch_until_idle(ctx) == 0, f"attempt {n} must wait for its time"
        clock.now = when
        assert webhooks.dispatch_until_idle(ctx) == 1, f"attempt {n}"
    (d,) = api.as_(OPERATOR).get(f"/v1/webhooks/{hook['id']}/deliveries").json()["deliveries"]
    assert d["status"] == "failed" and d["attempts"] == len(RETRY_DELAYS) and len(d["log"]) == len(RETRY_DELAYS)
    assert all(a["code"] == 500 for a in d["log"])
    assert len({r["id"] for r in receiver.on("/switch")}) == 1  # one event, one id, eight times
    (h,) = api.as_(OPERATOR).get("/v1/webhooks").json()["webhooks"]
    assert h["status"] == "failing"
    # five days after the first failure, the next failure disables it; later events skip it
    clock.now = t0 + timedelta(days=5, seconds=1)
    api.as_(OPERATOR).post(f"/v1/accounts/{acc['id']}/topups", json={"amount": "10.00", "reference": "after"})
    api.as_(OPERATOR).post(f"/v1/accounts/{acc['id']}/packages", json={"sku": "ai.face.100k"})
    assert webhooks.dispatch_until_idle(ctx) == 2  # the top-up received and the purchase, each tried once and failing
    (h,) = api.as_(OPERATOR).get("/v1/webhooks").json()["webhooks"]
    assert h["status"] == "disabled"
    api.as_(OPERATOR).post(f"/v1/accounts/{acc['id']}/packages", json={"sku": "ai.face.100k"})
    assert webhooks.dispatch_until_idle(ctx) == 0
    # sent again by hand (the receiver works now): enabled again, the same event id
    first = d
    receiver.switch_status = 204
    r = api.as_(OPERATOR).post(f"/v1/webhooks/{hook['id']}/deliveries/{first['id']}/resend")
    assert r.status_code == 202 and r.json()["status"] == "pending"
    assert webhooks.dispatch_until_idle(ctx) == 1
    assert receiver.on("/switch")[-1]["id"] == first["event_id"] and receiver.on("/switch")[-1]["signed"]
    (h,) = api.as_(OPERATOR).get("/v1/webhooks").json()["webhooks"]
    assert h["status"] == "active"


def test_a_receiver_that_does_not_answer_in_time_is_tried_again(api, ctx, clock, receiver):
    receiver.slow_seconds = 2.5
    hook = register(api, receiver, "/slow")
    acc = api.new_account("Slow Co")
    api.as_(OPERATOR).post(f"/v1/accounts/{acc['id']}/packages", json={"sku": "ai.face.100k"})
    assert webhooks.dispatch_until_idle(ctx, send=partial(webhooks.http_send, timeout=1.0)) == 1
    (d,) = api.as_(OPERATOR).get(f"/v1/webhooks/{hook['id']}/deliveries").json()["deliveries"]
    assert d["status"] == "pending" and d["last_error"] == "no answer within 1 s" and d["last_code"] is None
    assert d["next_at"] == (FIXED_NOW + RETRY_DELAYS[1]).isoformat()


def test_a_customer_registers_for_its_own_events_only(api, ctx, clock, receiver):
    mine = api.new_account("Mine")
    other = api.new_account("Other")
    me = api.as_(mine["token"])
    r = me.post("/v1/webhooks", json={"url": receiver.url("/ok")})
    assert r.status_code == 422 and "https" in r.json()["error"]["message"]  # no plain http, no loopback
    r = me.post("/v1/webhooks", json={"url": "https://10.0.0.1/hook"})
    assert r.status_code == 422 and "public" in r.json()["error"]["message"]
    assert me.post("/v1/webhooks", json={"url": "https://example.com/hook", "account_id": other["id"]}).status_code == 404
    assert me.post("/v1/webhooks", json={"url": "https://example.com/h", "events": ["no.such"]}).status_code == 422
    ctx.webhook_local = True  # a lab: loopback allowed
    hook = register(api, receiver, "/ok", mine["token"], events=["package.bought"])
    operator_hook = register(api, receiver, "/switch")
    receiver.switch_status = 204
    op = api.as_(OPERATOR)
    op.post(f"/v1/accounts/{mine['id']}/packages", json={"sku": "ai.face.100k"})
    op.post(f"/v1/accounts/{other['id']}/packages", json={"sku": "ai.pet.100k"})
    op.post(f"/v1/accounts/{mine['id']}/topups", json={"amount": "1.00", "reference": "r"})
    webhooks.dispatch_until_idle(ctx)
    bodies = [json.loads(r["body"]) for r in receiver.on("/ok")]
    assert [(b["type"], b["data"]["account_id"]) for b in bodies] == [("package.bought", mine["id"])]
    assert sorted(receiver.types("/switch")) == ["package.bought", "package.bought", "wallet.topped_up"]  # the operator's: every account's, the top-up too
    # the customer sees its own endpoint only, and another's endpoint does not exist for it
    assert [h["id"] for h in me.get("/v1/webhooks").json()["webhooks"]] == [hook["id"]]
    assert me.get(f"/v1/webhooks/{operator_hook['id']}/deliveries").status_code == 404
    assert me.delete(f"/v1/webhooks/{operator_hook['id']}").status_code == 404
    assert api.as_(other["token"]).get(f"/v1/webhooks/{hook['id']}/deliveries").status_code == 404
    assert me.delete(f"/v1/webhooks/{hook['id']}").status_code == 200
    assert me.get("/v1/webhooks").json()["webhooks"] == []


def test_messages_show_the_same_events_in_both_languages(api, ctx, clock):
    acc = api.new_account("Reader Co")
    a = acc["id"]
    op = api.as_(OPERATOR)
    op.post(f"/v1/accounts/{a}/packages", json={"sku": "ai.face.100k", "at": "2027-06-01T09:00:00+08:00"})
    op.post(f"/v1/accounts/{a}/usage", json={"events": [{**EV, "quantity": 100_000}]})
    sweep.sweep(ctx, [a])
    me = api.as_(acc["token"])
    zh = me.get(f"/v1/accounts/{a}/messages").json()
    en = me.get(f"/v1/accounts/{a}/messages", params={"lang": "en"}).json()
    assert zh["unread"] == len(zh["messages"]) >= 2
    kinds = [m["type"] for m in zh["messages"]]
    assert "reminder.exhausted" in kinds and "package.bought" in kinds
    texts = {m["type"]: m["text"] for m in zh["messages"]}
    assert "人脸检测" in texts["reminder.exhausted"] and "已用完" in texts["reminder.exhausted"]
    assert "ai.face" not in texts["reminder.exhausted"]
    assert "used up" in {m["type"]: m["text"] for m in en["messages"]}["reminder.exhausted"]
    newest = zh["messages"][0]["seq"]
    assert me.post(f"/v1/accounts/{a}/messages/read", json={"through": newest}).json()["unread"] == 0
    assert all(not m["unread"] for m in me.get(f"/v1/accounts/{a}/messages").json()["messages"])
    assert op.post(f"/v1/accounts/{a}/messages/read", json={"through": newest}).status_code == 403


def test_a_server_started_late_dates_each_message_when_its_event_happened(api, ctx, clock):
    """Issue 21: a server started on an old database posts what it finds, each dated by its
    event (a package used up on 1 June reads 1 June, a suspension 24 hours after the arrears
    began), and the messages read newest first by those dates, not all dated today."""
    op = api.as_(OPERATOR)
    acc = op.post("/v1/accounts", json={"name": "Late Co", "site": "cn", "payment": "balance"}).json()
    op.post(f"/v1/accounts/{acc['id']}/topups", json={"amount": "50.00", "reference": "t1", "at": "2027-06-01T08:00:00+08:00"})
    op.post(f"/v1/accounts/{acc['id']}/packages", json={"sku": "ai.face.100k", "at": "2027-06-01T09:00:00+08:00"})
    op.post(f"/v1/accounts/{acc['id']}/usage", json={"events": [{**EV, "quantity": 100_000}]})
    clock.now = FIXED_NOW + timedelta(days=1)
    assert op.post("/v1/settlements", json={"through": "2027-06-01"}).status_code == 200
    r = op.post(f"/v1/accounts/{acc['id']}/adjustments", json={"amount": "-30.00", "reason": "a fee"})
    assert r.status_code == 201, r.text  # in arrears from 2 June 12:00
    clock.now = FIXED_NOW + timedelta(days=40)  # nothing ran for 40 days; now the sweep looks
    sweep.sweep(ctx, [acc["id"]])
    dated = {e.type: e.at.astimezone(SHANGHAI).isoformat() for e in inbox.events(ctx, account_id=acc["id"])}
    assert dated["reminder.exhausted"] == "2027-06-01T23:59:59+08:00"
    assert dated["wallet.suspended"] == "2027-06-03T12:00:00+08:00"
    assert dated["wallet.reclaim_due"] == "2027-06-18T12:00:00+08:00"
    found = api.as_(OPERATOR).get(f"/v1/accounts/{acc['id']}/messages").json()["messages"]
    assert [m["at"] for m in found] == sorted((m["at"] for m in found), reverse=True)
    assert {m["category"] for m in found} == {"packages", "bills", "money"}
    money = api.as_(OPERATOR).get(f"/v1/accounts/{acc['id']}/messages", params={"category": "money"}).json()["messages"]
    assert {m["type"] for m in money} == {"wallet.topped_up", "wallet.arrears", "wallet.suspended", "wallet.reclaim_due"}
    arrears = next(m for m in money if m["type"] == "wallet.arrears")
    assert arrears["text"] == "账户已欠费 30.00 元，请在 2027-06-03 12:00 前充值，否则服务将被暂停。"
    assert api.as_(OPERATOR).get(f"/v1/accounts/{acc['id']}/messages", params={"category": "nope"}).status_code == 422
    assert sweep.sweep(ctx, [acc["id"]]) == 0  # each once
