"""Issue 27, defect 5: a chunked body counts against the same limit as a Content-Length one, and
a caller without a valid token is answered before its body is read. Against a real server."""

from __future__ import annotations

import socket

from packbill.api.app import MAX_BODY

from .conftest import OPERATOR, start_server
from .test_operations import stop


def _send_chunked(url: str, path: str, token: str | None, total: int, chunk: int = 1 << 20) -> tuple[bytes, int]:
    """Send up to ``total`` bytes as a chunked body; stop when the server answers. Returns the
    answer's first bytes and how many body bytes had been sent by then."""
    host, port = url.removeprefix("http://").split(":")
    sock = socket.create_connection((host, int(port)), timeout=30)
    auth = f"Authorization: Bearer {token}\r\n" if token else ""
    sock.sendall((f"POST {path} HTTP/1.1\r\nHost: {host}\r\n{auth}Content-Type: application/json\r\n"
                  "Transfer-Encoding: chunked\r\n\r\n").encode())
    sent = 0
    block = b"[" + b" " * (chunk - 1)
    sock.setblocking(False)
    answer = b""
    try:
        while sent < total:
            try:
                answer += sock.recv(4096)
                if answer:
                    break
            except BlockingIOError:
                pass
            try:
                sock.setblocking(True)
                sock.sendall(f"{len(block):x}\r\n".encode() + block + b"\r\n")
                sent += len(block)
            except OSError:
                break
            finally:
                sock.setblocking(False)
        sock.setblocking(True)
        sock.settimeout(30)
        while b"\r\n\r\n" not in answer:
            more = sock.recv(4096)
            if not more:
                break
            answer += more
    finally:
        sock.close()
    return answer, sent


def test_an_anonymous_chunked_body_is_answered_401_unread_and_a_large_one_413(db_url, tmp_path):
    server = start_server(db_url, tmp_path / "server.log")
    try:
        answer, sent = _send_chunked(server.url, "/v1/accounts/acc_x/usage", None, 200 * 1024 * 1024)
        assert answer.startswith(b"HTTP/1.1 401"), answer[:200]
        assert sent < 64 * 1024 * 1024  # answered long before 200 MB were sent
        acc = server.client().post("/v1/accounts", json={"name": "Chunked", "site": "cn"}).json()
        answer, sent = _send_chunked(server.url, f"/v1/accounts/{acc['id']}/usage", OPERATOR, 100 * 1024 * 1024)
        assert answer.startswith(b"HTTP/1.1 413"), answer[:300]
        assert MAX_BODY < sent < MAX_BODY + 16 * 1024 * 1024
    finally:
        stop(server)


def test_connections_that_never_send_a_whole_request_head_are_closed(tmp_path):
    """Issue 27: half-open connections (nothing sent, or half a head) were never closed."""
    import time

    import httpx

    server = start_server(f"sqlite:///{tmp_path / 'h.db'}", tmp_path / "server.log", header_timeout_seconds="1")
    host, port = server.url.removeprefix("http://").split(":")
    try:
        silent = [socket.create_connection((host, int(port)), timeout=10) for _ in range(20)]
        half = socket.create_connection((host, int(port)), timeout=10)
        half.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")  # no blank line: the head never ends
        time.sleep(2.5)
        for sock in [*silent, half]:
            assert sock.recv(1024) == b""  # closed by the server
            sock.close()
        # an ordinary client is not affected, and keeps its connection between requests
        with httpx.Client(base_url=server.url) as client:
            assert client.get("/healthz").status_code == 200
            time.sleep(0.3)
            assert client.get("/healthz").status_code == 200
    finally:
        stop(server)
