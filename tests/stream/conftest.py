"""The NATS JetStream server for the stream tests: 127.0.0.1:4222 (``nats-server -js``).

PACKBILL_TEST_NATS=1 (or CI=true) requires it, so the tests fail when it is unreachable;
PACKBILL_TEST_NATS=0 skips them; unset, they run when it answers."""

from __future__ import annotations

import asyncio
import os
import socket
import uuid

import pytest

NATS_URL = os.environ.get("PACKBILL_TEST_NATS_URL", "nats://127.0.0.1:4222")


def run(coro):
    """``asyncio.run`` in a thread of its own: another test of this worker (Playwright's sync API)
    may keep an event loop running in the main thread."""
    import threading

    box: dict = {}

    def target():
        try:
            box["value"] = asyncio.run(coro)
        except BaseException as exc:  # re-raised in the caller
            box["error"] = exc

    thread = threading.Thread(target=target)
    thread.start()
    thread.join()
    if "error" in box:
        raise box["error"]
    return box.get("value")


def _reachable() -> bool:
    host, port = NATS_URL.removeprefix("nats://").split(":")
    try:
        with socket.create_connection((host, int(port)), timeout=2):
            return True
    except OSError:
        return False


@pytest.fixture
def nats_url():
    mode = os.environ.get("PACKBILL_TEST_NATS")
    if mode == "0":
        pytest.skip("NATS tests switched off (PACKBILL_TEST_NATS=0)")
    if not _reachable():
        if mode == "1" or os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"NATS with JetStream is required (CI or PACKBILL_TEST_NATS=1) but {NATS_URL} is unreachable")
        pytest.skip(f"NATS not reachable at {NATS_URL}")
    return NATS_URL


@pytest.fixture
def names(nats_url):
    """A stream, subject prefix, durable and dead-letter prefix of this test's own; removed after."""
    tag = uuid.uuid4().hex[:10]
    found = {"stream": f"PBT_{tag}", "prefix": f"pbt{tag}.usage", "durable": f"pbt{tag}", "dead": f"pbt{tag}.dead"}
    yield found

    async def drop():
        import nats

        nc = await nats.connect(nats_url)
        js = nc.jetstream()
        for name in (found["stream"], found["stream"] + "_DEAD"):
            try:
                await js.delete_stream(name)
            except Exception:
                pass
        await nc.close()

    run(drop())
