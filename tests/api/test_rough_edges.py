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
