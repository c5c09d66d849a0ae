"""A real HTTP server on loopback that receives webhooks and checks their signatures with the
Standard Webhooks library (an implementation independent of packbill's)."""

from __future__ import annotations

import json
import threading
import time
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from standardwebhooks import Webhook


class Receiver:
    """Paths: /ok answers 204; /fail answers 500; /slow answers after ``slow_seconds``; /hang
    holds the first request until ``release`` is set (then answers 204); /switch answers with
    ``switch_status``. Every request is kept with whether its signature was right."""

    def __init__(self) -> None:
        self.secrets: dict[str, str] = {}
        self.got: list[dict] = []
        self.lock = threading.Lock()
        self.slow_seconds = 3.0
        self.switch_status = 500
        self.arrived = threading.Event()
        self.release = threading.Event()
        self.verify_time = False
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # quiet
                pass

            def do_POST(self):  # noqa: N802 - the http.server's name
                body = self.rfile.read(int(self.headers.get("content-length", 0))).decode("utf-8")
                headers = {k.lower(): v for k, v in self.headers.items()}
                path = self.path
                record = {"path": path, "id": headers.get("webhook-id"), "body": body, "signed": receiver.signed(path, body, headers),
                          "at": time.monotonic()}
                with receiver.lock:
                    receiver.got.append(record)
                status = 204
                if path == "/fail":
                    status = 500
                elif path == "/slow":
                    time.sleep(receiver.slow_seconds)
                elif path == "/switch":
                    status = receiver.switch_status
                elif path == "/hang":
                    receiver.arrived.set()
                    receiver.release.wait(30)
                try:
                    self.send_response(status)
                    self.end_headers()
                except OSError:  # the sender went away meanwhile
                    pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}{path}"

    def signed(self, path: str, body: str, headers: dict) -> bool:
        secret = self.secrets.get(path)
        if secret is None:
            return False
        hook = Webhook(secret)
        try:
            if self.verify_time:  # a real clock on both sides: the library's whole check
                hook.verify(body, headers)
                return True
            stamp = datetime.fromtimestamp(int(headers["webhook-timestamp"]), tz=UTC)
            return hook.sign(headers["webhook-id"], stamp, body) in headers["webhook-signature"].split(" ")
        except Exception:
            return False

    def on(self, path: str) -> list[dict]:
        with self.lock:
            return [r for r in self.got if r["path"] == path]

    def types(self, path: str) -> list[str]:
        return [json.loads(r["body"])["type"] for r in self.on(path)]

    def __enter__(self) -> Receiver:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()
