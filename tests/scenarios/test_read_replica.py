"""A real PostgreSQL streaming replica (a second cluster made with pg_basebackup) behind
``packbill serve --read-db``: reports and the console's pages read from it once it has caught
up, read the primary while it lags or is down (so they are never stale), the Operations page and
/metrics say how far behind it is, and every write goes to the primary (a hot standby refuses
writes, so one sent there would have failed the request)."""

from __future__ import annotations

import re
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta

import pytest

from packbill.client import Client
from packbill.domain.days import shanghai_day

from .conftest import OPERATOR, console_client, serving
from .pg_pair import remove, start_pair


@pytest.fixture
def pair():
    made = start_pair()
    try:
        yield made
    finally:
        remove(made)


def metric(client, name: str, label: str = "") -> float:
    text = client.get("/metrics").text
    found = re.search(rf"^{re.escape(name)}{re.escape(label)} (\S+)$", text, re.M)
    assert found, f"{name}{label} not in /metrics"
    return float(found.group(1))


def served_by(client, where: str) -> float:
    return metric(client, "packbill_replica_reads_total", f'{{served_by="{where}"}}')


def test_reports_come_from_the_replica_once_it_has_caught_up_and_from_the_primary_while_it_lags(pair, tmp_path):
    with serving(pair.primary_url, tmp_path, read_db=pair.replica_url, replica_wait_seconds="3") as server, \
            Client(server.url, OPERATOR) as api, server.client() as raw:
        yesterday = shanghai_day(datetime.now(UTC)) - timedelta(days=1)
        month = f"{yesterday:%Y-%m}"
        account = api.create_account("金龙餐饮 副本", "cn", payment="balance")
        at = f"{yesterday}T09:00:00+08:00"
        api.topup(account.id, "500.00", "bank-replica-1", at=at)
        api.send_usage(account.id, [{"event_id": f"r{i}", "service": "ai.face", "quantity": 1_000 + i, "region": "ap-beijing",
                                     "timestamp": f"{yesterday}T1{i}:00:00+08:00"} for i in range(3)])
        api.settle(yesterday)

        # caught up: the statement is the primary's and comes from the replica
        before = served_by(raw, "replica")
        first = api.statement(account.id, month)
        assert served_by(raw, "replica") == before + 1
        assert first.topups == "500.00"
        assert sum(r.mainland for r in first.usage if r.service == "ai.face") == 3_003

        # the replica stops replaying: a top-up made now is on the statement all the same (read from the primary)
        pair.sql(pair.replica_port, "SELECT pg_wal_replay_pause()")
        api.topup(account.id, "20.00", "bank-replica-2", at=at)
        primary_before = served_by(raw, "primary")
        second = api.statement(account.id, month)
        assert second.topups == "520.00" and served_by(raw, "primary") == primary_before + 1
        assert metric(raw, "packbill_replica_lag_bytes") > 0 and metric(raw, "packbill_replica_up") == 1
        console = console_client(server.url, OPERATOR)
        page = console.get("/console/operations").text
        assert 'data-replica="behind"' in page and "字节预写日志" in page, page[page.find('id="replica"'):][:800]
        assert console.get(f"/console/accounts/{account.id}").status_code == 200

        # replaying again: caught up, the same statement from the replica
        pair.sql(pair.replica_port, "SELECT pg_wal_replay_resume()")
        deadline = time.monotonic() + 30
        while metric(raw, "packbill_replica_lag_bytes") > 0:
            assert time.monotonic() < deadline, "the replica did not catch up"
            time.sleep(0.2)
        before = served_by(raw, "replica")
        assert api.statement(account.id, month) == second
        assert served_by(raw, "replica") == before + 1
        before = served_by(raw, "replica")
        assert 'data-replica="caught-up"' in console.get("/console/operations").text
        assert console.get(f"/console/accounts/{account.id}").status_code == 200
        assert served_by(raw, "replica") == before + 2  # the console's pages read the replica too

        # the replica down: reads come from the primary, the page and /metrics say so, writes go on
        pair.stop_replica()
        api.topup(account.id, "5.00", "bank-replica-3", at=at)
        assert api.statement(account.id, month).topups == "525.00"
        assert metric(raw, "packbill_replica_up") == 0
        assert 'data-replica="down"' in console.get("/console/operations").text
        console.close()
    assert "read-only transaction" not in (tmp_path / "server.log").read_text()


def test_a_read_replica_is_refused_in_words_for_sqlite(tmp_path):
    done = subprocess.run([sys.executable, "-m", "packbill", "serve", "--db", f"sqlite:///{tmp_path}/a.db",
                           "--read-db", f"sqlite:///{tmp_path}/b.db"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 1
    assert "streaming replica of a PostgreSQL database" in done.stderr and "Traceback" not in done.stderr


def test_a_read_replica_that_is_not_a_standby_is_refused_in_words(pair):
    """The primary's own URL given as the replica would never catch up with itself: refused at start."""
    done = subprocess.run([sys.executable, "-m", "packbill", "serve", "--db", pair.primary_url, "--read-db", pair.primary_url],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 1
    assert "not a standby" in done.stderr and "Traceback" not in done.stderr
