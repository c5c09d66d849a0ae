"""``packbill.client`` against the real app, on both databases: it covers every operation the
OpenAPI document publishes, reads answers into the server's models, raises the contract's codes
as exceptions, sends a money POST again with the same Idempotency-Key after a lost answer (once
on the server), pages through the audit trail, and works the same asynchronously."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from decimal import Decimal

import httpx
import pytest
from fastapi.testclient import TestClient

from packbill.client import OPERATIONS, AsyncClient, Client, Forbidden, InsufficientFunds, InvalidRequest, NotFound
from packbill.server import create_app
from tests.conftest import FIXED_NOW

OPERATOR = "client-operator-token"


@pytest.fixture
def app(ctx):
    return create_app(ctx, OPERATOR, auth_failures=100_000)


@pytest.fixture
def http(app):
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


def test_the_client_has_a_method_for_every_operation_of_the_document(http):
    document = http.get("/openapi.json").json()
    published = {(m.upper(), p) for p, ops in document["paths"].items() for m in ops}
    assert set(OPERATIONS) == published
    for name in OPERATIONS.values():
        assert callable(getattr(Client, name)) and callable(getattr(AsyncClient, name)), name


def test_a_finance_day_through_the_client(http, ctx):
    pb = Client(token=OPERATOR, http=http)
    assert pb.whoami().operator_role == "admin"
    account = pb.create_account("金龙餐饮 Client", "cn", payment="balance")
    topped = pb.topup(account.id, Decimal("300.00"), "bank-1")
    assert topped.balance == "300.00"
    bought = pb.buy(account.id, "ai.pet.100k")
    assert bought.amount == "250.00" and bought.packages[0].sku == "ai.pet.100k"
    with pytest.raises(InsufficientFunds) as short:
        pb.buy(account.id, "ai.pet.100k")
    assert short.value.code == "insufficient_funds" and short.value.status == 402
    with pytest.raises(InvalidRequest) as bad:
        pb.topup(account.id, "-5", "bank-2")
    assert bad.value.code == "invalid_request" and bad.value.status == 422
    with pytest.raises(NotFound):
        pb.wallet("acc_nobody")
    event = {"event_id": "c1", "service": "ai.pet", "quantity": 1000, "region": "ap-beijing", "timestamp": FIXED_NOW - timedelta(hours=3)}
    assert pb.send_usage(account.id, [event]).accepted == 1
    assert pb.send_usage(account.id, [event]).duplicates == 1  # counted once however often it is sent (R14)
    pb.settle((FIXED_NOW - timedelta(days=1)).date())
    assert pb.month_close("2027-05").balanced
    customer = Client(token=account.token, http=http)
    assert customer.list_packages(account.id).packages[0].remaining == 100_000
    with pytest.raises(Forbidden):
        customer.topup(account.id, "1.00", "self-service")
    records = list(pb.iter_audit(limit=2, account_id=account.id))
    assert len(records) >= 5 and len({r.id for r in records}) == len(records)  # every page, none twice
    assert [r.action for r in records if r.outcome == "ok"].count("topup.create") == 1


class LosesTheFirstAnswer(httpx.BaseTransport):
    """The server does the first request, and the answer is lost on the way back."""

    def __init__(self, inner: httpx.BaseTransport) -> None:
        self.inner, self.keys, self.lost = inner, [], False

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.keys.append(request.headers.get("idempotency-key"))
        response = self.inner.handle_request(request)
        if not self.lost:
            self.lost = True
            response.read()
            raise httpx.ReadError("the connection dropped", request=request)
        return response


def test_a_money_post_whose_answer_is_lost_is_sent_again_with_the_same_key_and_happens_once(http):
    pb = Client(token=OPERATOR, http=http)
    account = pb.create_account("Retry Co", "cn", payment="balance")
    flaky = LosesTheFirstAnswer(http._transport)
    again = Client("http://testserver", OPERATOR, transport=flaky)
    slept: list[float] = []
    again.sleep = slept.append  # no real waiting in a test
    topped = again.topup(account.id, "80.00", "bank-lost-answer")
    assert topped.balance == "80.00" and pb.wallet(account.id).balance == "80.00"  # once
    assert len(flaky.keys) == 2 and flaky.keys[0] == flaky.keys[1] and flaky.keys[0].startswith("pbc-")
    assert slept == [0.5]
    # a POST that is not idempotent is never sent twice
    lossy = Client("http://testserver", OPERATOR, transport=LosesTheFirstAnswer(http._transport))
    lossy.sleep = slept.append
    with pytest.raises(httpx.ReadError):
        lossy.create_key("once only", "support")
    assert sum(1 for k in pb.keys().keys if k.name == "once only") == 1


def test_the_async_client_does_the_same(app):
    async def day() -> None:
        async with AsyncClient("http://testserver", OPERATOR, transport=httpx.ASGITransport(app=app)) as pb:
            account = await pb.create_account("Async Co", "cn", payment="balance")
            await pb.topup(account.id, "300.00", "bank-async")
            bought = await pb.buy(account.id, "ai.face.100k")
            assert bought.amount == "50.00"
            with pytest.raises(NotFound):
                await pb.wallet("acc_nobody")
            records = [r async for r in pb.iter_audit(limit=1, account_id=account.id)]
            assert {"account.create", "topup.create", "package.buy"} <= {r.action for r in records}

    asyncio.run(day())


class BusyOnce(httpx.BaseTransport):
    """The first request finds the server busy (503 with Retry-After: 2), as when its database is away."""

    def __init__(self, inner: httpx.BaseTransport) -> None:
        self.inner, self.calls = inner, 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.calls += 1
        if self.calls == 1:
            return httpx.Response(503, headers={"Retry-After": "2"}, json={"error": {"code": "service_unavailable", "message": "busy"}})
        return self.inner.handle_request(request)


def test_a_busy_server_is_asked_again_after_the_time_it_says_and_a_last_refusal_is_raised(http):
    pb = Client("http://testserver", OPERATOR, transport=BusyOnce(http._transport))
    slept: list[float] = []
    pb.sleep = slept.append
    assert pb.catalog()["version"] == "v1" and slept == [2.0]
    stubborn = Client("http://testserver", OPERATOR, retries=0, transport=BusyOnce(http._transport))
    from packbill.client import Unavailable

    with pytest.raises(Unavailable) as refused:
        stubborn.catalog()
    assert refused.value.status == 503 and refused.value.message == "busy"
