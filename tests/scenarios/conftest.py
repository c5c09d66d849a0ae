"""A real ``packbill serve`` process on a free port, over real HTTP, on each database."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest

OPERATOR = "scenario-operator-token"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, url: str, process: subprocess.Popen) -> None:
        self.url = url
        self.process = process

    def client(self, token: str | None = OPERATOR) -> httpx.Client:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return httpx.Client(base_url=self.url, headers=headers, timeout=60)


def start_server(db_url: str, log_path, workers: int = 1, extra_env: dict | None = None, **settings: str) -> Server:
    """``settings``: PACKBILL_* variables by their lower-case name. The built-in schedule is off
    unless a test switches it on (it would settle the scenarios' days on its own)."""
    port = free_port()
    env = {**os.environ, "PACKBILL_OPERATOR_TOKEN": OPERATOR, "PACKBILL_SCHEDULE": "false",
           **{f"PACKBILL_{k.upper()}": v for k, v in settings.items()}, **(extra_env or {})}
    log = open(log_path, "w")
    process = subprocess.Popen(
        [sys.executable, "-m", "packbill", "serve", "--db", db_url, "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers)],
        env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited: {open(log_path).read()}")
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return Server(url, process)
        except httpx.HTTPError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError(f"server did not start: {open(log_path).read()}")


def audit_clean(db_url: str) -> None:
    """``packbill audit`` on the scenario's database: the books must be sound after it (R21)."""
    done = subprocess.run([sys.executable, "-m", "packbill", "audit", "--db", db_url], capture_output=True, text=True, timeout=300,
                          env={**os.environ, "COLUMNS": "200"})
    assert done.returncode == 0, done.stdout + done.stderr


@contextmanager
def serving(db_url: str, tmp_path, **settings: str) -> Iterator[Server]:
    """A server on ``db_url`` for the block; stopped after it, and the books audited clean."""
    srv = start_server(db_url, tmp_path / "server.log", **settings)
    yield srv
    srv.process.terminate()
    try:
        srv.process.wait(10)
    except subprocess.TimeoutExpired:
        srv.process.kill()
    audit_clean(db_url)


@pytest.fixture
def server(db_url, tmp_path):
    with serving(db_url, tmp_path) as srv:
        yield srv


def console_client(url: str, token: str) -> httpx.Client:
    """An HTTP client signed in to the console as a browser is: the sign-in page's CSRF value
    sent back with the token; the session cookie kept."""
    client = httpx.Client(base_url=url, timeout=60)
    page = client.get("/")
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
    done = client.post("/console/signin", data={"token": token, "csrf": csrf}, follow_redirects=False)
    assert done.status_code == 303, done.text
    return client
