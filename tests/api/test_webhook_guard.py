"""Issue 27, defect 4: webhooks never reach inside. Every spelling of an internal address is
refused at registration, for customers and for the operator; a name that resolves inward is
refused when sending, without connecting; a customer sees 'refused' or an HTTP status, never a
socket's error; an account has at most MAX_ENDPOINTS endpoints."""

from __future__ import annotations

import pytest

from packbill.domain.limits import MAX_ENDPOINTS
from packbill.domain.netguard import address_refused, host_refused, parse_networks
from packbill.services import webhooks
from packbill.services.webhook_http import REFUSED, guarded_sender
from tests.webhook_receiver import Receiver

from .conftest import OPERATOR

INSIDE = [
    "https://2130706433:19443/", "https://0x7f000001/", "https://0x7F.1/", "https://127.1/", "https://0/",
    "https://017700000001/", "https://0177.0.0.1/", "https://localhost./", "https://LOCALHOST/", "https://a.localhost/",
    "https://100.64.0.1/", "https://10.1.2.3/", "https://172.16.0.1/", "https://192.168.1.1/", "https://169.254.169.254/",
    "https://[::1]/", "https://[::ffff:127.0.0.1]/", "https://[::ffff:7f00:1]/", "https://[fe80::1]/", "https://[fc00::1]/",
    "https://[2002:7f00:1::1]/", "https://[64:ff9b::a9fe:a9fe]/", "https://0.0.0.0/", "https://224.0.0.1/",
    "https://%31%32%37.0.0.1/", "https://127.0.0.1%2e/", "https://metadata.internal/", "https://printer.local/",
    "https://255.255.255.255/", "https://192.0.0.1/", "https://198.18.0.1/",
]


@pytest.mark.parametrize("url", INSIDE)
def test_every_spelling_of_an_internal_address_is_refused_for_customers_and_the_operator(api, url):
    acc = api.new_account()
    for token in (acc["token"], OPERATOR):
        r = api.as_(token).post("/v1/webhooks", json={"url": url})
        assert r.status_code == 422 and r.json()["error"]["code"] == "invalid_request", (url, token[:4], r.text)


def test_the_operator_may_allow_networks_of_its_own_but_customers_never(api, ctx):
    ctx.webhook_allow = parse_networks("10.0.0.0/8")
    assert api.as_(OPERATOR).post("/v1/webhooks", json={"url": "http://10.1.2.3:8080/hook"}).status_code == 201
    acc = api.new_account()
    assert api.as_(acc["token"]).post("/v1/webhooks", json={"url": "https://10.1.2.3/hook"}).status_code == 422
    assert api.as_(OPERATOR).post("/v1/webhooks", json={"url": "http://127.0.0.1:5432/"}).status_code == 422


def test_public_names_and_addresses_pass_the_rule():
    for host in ("example.com", "hooks.example.cn", "8.8.8.8", "2001:4860:4860::8888", "1password.com"):
        assert host_refused(host) is None, host
    assert address_refused("93.184.216.34") is None
    assert address_refused("127.0.0.1", parse_networks("127.0.0.0/8")) is None


def test_a_name_that_resolves_inward_is_refused_when_sending_and_never_connected(monkeypatch):
    """``127.0.0.1.nip.io`` is a public name that answers 127.0.0.1: the registration cannot know,
    so the sender checks every address the name resolves to, then connects to that address."""
    import socket

    with Receiver() as receiver:
        port = int(receiver.url("/x").rsplit(":", 1)[1].split("/")[0])
        real = socket.getaddrinfo
        monkeypatch.setattr(socket, "getaddrinfo", lambda host, *a, **kw: real("127.0.0.1", *a, **kw)
                            if host == "inward.example.com" else real(host, *a, **kw))
        result = guarded_sender()(f"http://inward.example.com:{port}/x", {}, "{}")
        assert result.error == REFUSED and result.code is None
        assert receiver.on("/x") == []  # nothing reached the receiver
        lab = guarded_sender(guard=False)(f"http://inward.example.com:{port}/x", {}, "{}")
        assert lab.error is None and len(receiver.on("/x")) == 1


def test_a_customer_sees_refused_or_a_status_never_a_socket_error(api, ctx, monkeypatch):
    acc = api.new_account()
    me = api.as_(acc["token"])
    hook = me.post("/v1/webhooks", json={"url": "https://hooks.example.com/in"}).json()
    monkeypatch.setattr(webhooks, "_senders", lambda ctx: (guarded_sender(), guarded_sender()))
    import socket

    monkeypatch.setattr(socket, "getaddrinfo", lambda *a, **kw: [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.0.0.7", 443))])
    api.as_(OPERATOR).post(f"/v1/accounts/{acc['id']}/packages", json={"sku": "ai.face.100k"})
    webhooks.dispatch_until_idle(ctx)
    (d,) = me.get(f"/v1/webhooks/{hook['id']}/deliveries").json()["deliveries"]
    assert d["last_error"] == REFUSED and d["last_code"] is None


def test_an_account_has_at_most_so_many_endpoints(api):
    acc = api.new_account()
    me = api.as_(acc["token"])
    for n in range(MAX_ENDPOINTS):
        assert me.post("/v1/webhooks", json={"url": f"https://hooks.example.com/{n}"}).status_code == 201
    r = me.post("/v1/webhooks", json={"url": "https://hooks.example.com/one-more"})
    assert r.status_code == 422 and str(MAX_ENDPOINTS) in r.json()["error"]["message"]
