"""R28 with real processes, on each database: three ``packbill settle`` processes started at once
over the same day buy a used-up package again exactly once, and a settlement killed with SIGKILL at
random moments, then run again, buys it exactly once too."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from datetime import datetime, timedelta
from decimal import Decimal

from packbill import services
from packbill.domain.catalog import load_catalog
from packbill.domain.days import SHANGHAI
from packbill.services import Context, auto_rebuy, operators
from packbill.storage.db import Database

from .conftest import audit_clean


def _setup(db_url: str) -> tuple[str, str]:
    """An account whose 100k pet package is used up yesterday (settled by the processes), with an
    auto-rebuy rule; returns (the account, yesterday)."""
    ctx = Context(Database(db_url), load_catalog())
    now = datetime.now(SHANGHAI)
    yesterday = (now - timedelta(days=1)).date()
    account, _ = services.create_account(ctx, "Processes 进程", "cn", payment="balance")
    services.topup(ctx, account.id, Decimal("1000.00"), "t1")
    services.buy(ctx, account.id, "ai.pet.100k", at=now - timedelta(days=3))
    auto_rebuy.set_rule(ctx, account.id, "ai.pet", "ai.pet.100k", "exhausted", None, Decimal("1000"))
    at = datetime.combine(yesterday, datetime.min.time(), tzinfo=SHANGHAI) + timedelta(hours=10)
    services.ingest(ctx, account.id, [{"event_id": f"p{i}", "service": "ai.pet", "quantity": 12_000, "region": "ap-beijing",
                                       "timestamp": (at + timedelta(minutes=i)).isoformat()} for i in range(10)])
    ctx.close()
    return account.id, yesterday.isoformat()


def _settle(db_url: str, day: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "packbill", "settle", "--through", day, "--db", db_url],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def _rebuys(db_url: str, account_id: str) -> tuple[int, int]:
    """(packages held, rebuys in the audit trail)."""
    ctx = Context(Database(db_url), load_catalog())
    try:
        held = len(services.list_packages(ctx, account_id))
        trail = [r for r in operators.records(ctx, account_id=account_id, action="package.buy") if r.actor == auto_rebuy.ACTOR]
        return held, sum(1 for r in trail if r.outcome == "ok")
    finally:
        ctx.close()


def test_R28_three_settlement_processes_at_once_buy_once(db_url):
    account_id, day = _setup(db_url)
    runs = [_settle(db_url, day) for _ in range(3)]
    for p in runs:
        out, _ = p.communicate(timeout=300)
        assert p.returncode == 0, out
    assert _rebuys(db_url, account_id) == (2, 1)
    audit_clean(db_url)


def test_R28_a_settlement_killed_at_random_moments_then_run_again_buys_once(db_url):
    account_id, day = _setup(db_url)
    for delay in (0.3, 0.8, 1.5, 2.5):  # killed at different points of its run (some may finish first)
        p = _settle(db_url, day)
        time.sleep(delay)
        if p.poll() is None:
            p.send_signal(signal.SIGKILL)
        p.wait(timeout=60)
        held, rebought = _rebuys(db_url, account_id)
        assert (held, rebought) in ((1, 0), (2, 1)), (delay, held, rebought)
    final = _settle(db_url, day)
    out, _ = final.communicate(timeout=300)
    assert final.returncode == 0, out
    assert _rebuys(db_url, account_id) == (2, 1)
    audit_clean(db_url)
