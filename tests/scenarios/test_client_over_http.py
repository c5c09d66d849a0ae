"""A finance person's month close from a laptop, through ``packbill.client`` against a real
``packbill serve`` over HTTP: a key of the finance role, its limits, and the audit trail naming it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from packbill.client import Client, Forbidden
from packbill.domain.days import shanghai_day

from .conftest import OPERATOR


def test_a_finance_key_closes_a_month_through_the_client(server):
    with Client(server.url, OPERATOR) as admin:
        key = admin.create_key("finance-alice", "finance")
        account = admin.create_account("金龙餐饮 Laptop", "cn", payment="balance")
        day = (shanghai_day(datetime.now(UTC)).replace(day=1) - timedelta(days=1)).replace(day=1)  # last month's first day (the server's own clock)
        admin.send_usage(account.id, [{"event_id": f"e{i}", "service": "ai.face", "quantity": 20_000, "region": "ap-beijing",
                                       "timestamp": f"{day + timedelta(days=i)}T12:00:00+08:00"} for i in range(5)])
    with Client(server.url, key.token) as alice:
        assert alice.whoami().operator_role == "finance"
        alice.topup(account.id, "100.00", "bank-laptop", at=f"{day}T09:00:00+08:00")
        run = alice.settle(day + timedelta(days=4), at=f"{day + timedelta(days=5)}T08:00:00+08:00")
        assert run.failed == []
        month = f"{day:%Y-%m}"
        closed = alice.month_close(month)
        face = next(r for r in closed.services if r.service == "ai.face")
        assert closed.balanced and face.difference == "0.00"
        statement = alice.statement(account.id, month)
        assert statement.account_id == account.id
        with pytest.raises(Forbidden):
            alice.create_key("not hers to make", "admin")
        actions = {r.action for r in alice.iter_audit(actor=key.id, limit=3)}
        assert {"topup.create", "settlement.run"} <= actions
