"""Operations of a real server: /readyz, Prometheus metrics, JSON logs with request ids, an
online backup taken while usage is written and restored elsewhere, and a graceful shutdown
that finishes the request in flight."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from datetime import UTC, datetime

import httpx
import pytest
import sqlalchemy as sa
from prometheus_client.mmap_dict import MmapedDict

from packbill.domain.days import SHANGHAI

from ..conftest import _pg_admin, _pg_url
from .conftest import audit_clean, start_server


def event(i: int, prefix: str = "op") -> dict:
    return {"event_id": f"{prefix}-{i}", "service": "ai.face", "quantity": 1 + i % 7, "region": "ap-beijing",
            "timestamp": datetime.now(UTC).astimezone(SHANGHAI).isoformat()}


def stop(server) -> None:
    server.process.terminate()
    try:
        server.process.wait(20)
    except subprocess.TimeoutExpired:
        server.process.kill()


def test_readiness_metrics_and_request_ids_in_json_logs(db_url, tmp_path):
    server = start_server(db_url, tmp_path / "server.log")
    try:
        assert httpx.get(f"{server.url}/readyz").json() == {"status": "ready"}
        op = server.client()
        acc = op.post("/v1/accounts", json={"name": "Ops", "site": "cn"}).json()
        r = op.post(f"/v1/accounts/{acc['id']}/usage", json={"events": [event(i) for i in range(25)]},
                    headers={"X-Request-Id": "req-abc-1"})
        assert r.status_code == 202 and r.headers["x-request-id"] == "req-abc-1"
        generated = op.get("/v1/catalog").headers["x-request-id"]
        assert len(generated) == 32  # a new one when none was sent
        weird = op.get("/v1/catalog", headers={"X-Request-Id": "bad id {with} spaces"}).headers["x-request-id"]
        assert weird != "bad id {with} spaces" and len(weird) == 32
        text = httpx.get(f"{server.url}/metrics").text
        values = {line.split(" ")[0]: float(line.split(" ")[1]) for line in text.splitlines() if line and not line.startswith("#")}
        assert values['packbill_events_ingested_total{via="api"}'] == 25
        assert values["packbill_unsettled_account_days"] == 1 and values["packbill_outbox_pending"] == 0
        assert values["packbill_usage_waiting_rows"] in (0, 25)  # 0 once the live sweep's estimate summed them
        assert 'packbill_ingest_seconds_count{via="api"}' in values
    finally:
        stop(server)
    lines = [json.loads(line) for line in (tmp_path / "server.log").read_text().splitlines() if line.startswith("{")]
    mine = [x for x in lines if x.get("request_id") == "req-abc-1"]
    assert mine and any(x.get("path", "").endswith("/usage") and x.get("status") == 202 for x in mine)
    assert all({"time", "level", "logger", "message"} <= set(x) for x in lines)
    audit_clean(db_url)


def test_metrics_of_several_server_processes_are_summed(tmp_path):
    """With --workers 2 each process counts what it stores, and a scrape of either reports the
    sum over both (prometheus-client's multiprocess files)."""
    shared = tmp_path / "metrics"
    shared.mkdir()
    db_url = f"sqlite:///{tmp_path / 'two.db'}"
    server = start_server(db_url, tmp_path / "server.log", workers=2, extra_env={"PROMETHEUS_MULTIPROC_DIR": str(shared)})
    try:
        acc = server.client().post("/v1/accounts", json={"name": "Two", "site": "cn"}).json()
        posted = 0

        answers = []

        def post(batch: int) -> None:
            with httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {acc['token']}"}) as client:
                r = client.post(f"/v1/accounts/{acc['id']}/usage", json={"events": [event(batch * 10 + i, "mp") for i in range(10)]})
                answers.append((r.status_code, r.text))

        def counting_processes() -> set[str]:
            """The processes whose file counts stored events."""
            return {f.name for f in shared.glob("counter_*.db")
                    if any("packbill_events_ingested" in key and value > 0 for key, value, *_ in MmapedDict.read_all_values_from_file(str(f)))}

        rounds = 0
        while len(counting_processes()) < 2 and rounds < 20:  # until both processes have stored some
            threads = [threading.Thread(target=post, args=(rounds * 8 + k,)) for k in range(8)]
            for th in threads:
                th.start()
            for th in threads:
                th.join()
            posted += 80
            rounds += 1
        assert len(counting_processes()) >= 2
        assert {a for a, _ in answers} == {202}, answers[:3]
        for _ in range(4):  # each scrape may reach either process: every one says the sum
            text = httpx.get(f"{server.url}/metrics", headers={"Connection": "close"}).text
            values = {line.split(" ")[0]: float(line.split(" ")[1]) for line in text.splitlines() if line and not line.startswith("#")}
            assert values.get('packbill_events_ingested_total{via="api"}') == posted, text
            assert values['packbill_ingest_seconds_count{via="api"}'] == posted / 10
    finally:
        stop(server)


@pytest.mark.postgres
def test_readyz_says_when_the_database_is_gone(pg_template, tmp_path):
    name = f"pbt_{uuid.uuid4().hex[:12]}"
    admin = _pg_admin()
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}" TEMPLATE "{pg_template}"'))
    server = start_server(_pg_url(name), tmp_path / "server.log")
    try:
        assert httpx.get(f"{server.url}/readyz").status_code == 200
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        r = httpx.get(f"{server.url}/readyz")
        assert r.status_code == 503 and r.json()["status"] == "unavailable" and r.headers["retry-after"]
        assert httpx.get(f"{server.url}/healthz").status_code == 200  # the process itself is up
    finally:
        stop(server)
        admin.dispose()


def test_an_online_backup_while_usage_is_written_restores_sound_books(db_url, tmp_path):
    server = start_server(db_url, tmp_path / "server.log")
    op = server.client()
    acc = op.post("/v1/accounts", json={"name": "Backed up", "site": "cn"}).json()
    op.post(f"/v1/accounts/{acc['id']}/packages", json={"sku": "ai.face.100k"}).raise_for_status()
    writing = threading.Event()
    writing.set()
    sent = []

    def write():
        with server.client() as client:
            n = 0
            while writing.is_set():
                r = client.post(f"/v1/accounts/{acc['id']}/usage", json={"events": [event(n * 100 + i, "bk") for i in range(100)]})
                if r.status_code == 202:
                    sent.append(n)
                n += 1

    thread = threading.Thread(target=write)
    thread.start()
    try:
        time.sleep(0.5)
        env = {**os.environ, "PACKBILL_DB": db_url, "COLUMNS": "200"}
        target = tmp_path / "backup.bin"
        done = subprocess.run([sys.executable, "-m", "packbill", "backup", "--to", str(target)], env=env, capture_output=True, text=True)
        assert done.returncode == 0, done.stdout + done.stderr
        time.sleep(0.3)
    finally:
        writing.clear()
        thread.join(30)
        stop(server)
    assert len(sent) >= 3
    if db_url.startswith("sqlite"):
        restored = f"sqlite:///{tmp_path / 'restored.db'}"
        drop = None
    else:
        name = f"pbt_{uuid.uuid4().hex[:12]}"
        admin = _pg_admin()
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        restored = _pg_url(name)

        def drop():
            with admin.connect() as conn:
                conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()
    try:
        env = {**os.environ, "COLUMNS": "200"}
        done = subprocess.run([sys.executable, "-m", "packbill", "restore", "--from", str(target), "--db", restored], env=env,
                              capture_output=True, text=True)
        assert done.returncode == 0, done.stdout + done.stderr
        audit_clean(restored)  # a consistent snapshot: every invariant of the books holds in the copy
        count = lambda url: sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://")).connect().execute(  # noqa: E731
            sa.text("SELECT count(*) FROM usage_events")).scalar_one()
        assert 0 < count(restored) <= count(db_url)
        assert count(restored) % 100 == 0  # whole batches only: each batch is one transaction
    finally:
        if drop:
            drop()


def test_a_graceful_shutdown_finishes_the_request_in_flight(db_url, tmp_path):
    server = start_server(db_url, tmp_path / "server.log")
    op = server.client()
    acc = op.post("/v1/accounts", json={"name": "Shutdown", "site": "cn"}).json()
    body = json.dumps({"events": [event(i, "sd") for i in range(5_000)]}).encode()
    host, port = server.url.removeprefix("http://").split(":")
    sock = socket.create_connection((host, int(port)))
    head = (f"POST /v1/accounts/{acc['id']}/usage HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer scenario-operator-token\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\nConnection: close\r\n\r\n").encode()
    sock.sendall(head + body[: len(body) // 2])
    time.sleep(0.5)
    server.process.send_signal(signal.SIGTERM)  # while half the body is on the wire
    time.sleep(0.5)
    sock.sendall(body[len(body) // 2 :])
    answer = b""
    while chunk := sock.recv(65536):
        answer += chunk
    sock.close()
    assert answer.startswith(b"HTTP/1.1 202"), answer[:200]
    assert server.process.wait(30) in (0, -signal.SIGTERM)  # it stopped after the answer (uvicorn re-raises the signal)
    assert b'"accepted":5000' in answer.replace(b" ", b"")
    audit_clean(db_url)
