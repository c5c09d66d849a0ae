"""``packbill consume`` with the real NATS server: what is stored equals what was published,
exactly once, through a consumer killed with SIGKILL mid-batch, two consumers at once, and
poisoned records that go to the dead-letter subject without blocking the stream."""

from __future__ import annotations

import asyncio
import functools
import json
import logging
import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta

import nats
import pytest
import sqlalchemy as sa

from packbill import services
from packbill.domain.catalog import load_catalog
from packbill.services import Context, metrics
from packbill.storage import schema as t
from packbill.storage.db import Database
from packbill.stream import Consumer, publish_events
from tests.conftest import FIXED_NOW

from .conftest import run


def events(account_ids: list[str], n: int, now=FIXED_NOW) -> list[dict]:
    return [{"account_id": account_ids[i % len(account_ids)], "event_id": f"ev-{i}", "service": ("ai.face", "traffic.up")[i % 2],
             "quantity": 1 + i % 97, "region": ("ap-beijing", "ap-hongkong")[i % 3 == 0],
             "timestamp": (now - timedelta(minutes=i % 5000)).isoformat()} for i in range(n)]


def stored(ctx, account_ids) -> dict:
    e = t.usage_events
    with ctx.db.read() as conn:
        rows = conn.execute(sa.select(e.c.account_id, sa.func.count(), sa.func.sum(e.c.quantity)).where(e.c.account_id.in_(account_ids))
                            .group_by(e.c.account_id)).all()
    return {a: (n, int(q)) for a, n, q in rows}


def expected(published: list[dict]) -> dict:
    out: dict = {}
    for ev in published:
        n, q = out.get(ev["account_id"], (0, 0))
        out[ev["account_id"]] = (n + 1, q + ev["quantity"])
    return out


async def dead_letters(url: str, names: dict) -> list[tuple[str, bytes]]:
    nc = await nats.connect(url)
    js = nc.jetstream()
    sub = await js.pull_subscribe(f"{names['dead']}.>", durable=names["durable"] + "-reader", stream=names["stream"] + "_DEAD")
    try:
        msgs = await sub.fetch(100, timeout=2)
    except (TimeoutError, nats.errors.TimeoutError):
        msgs = []
    out = [(m.headers.get("Packbill-Reason"), m.data) for m in msgs]
    await nc.close()
    return out


def fixed_clock_context(url: str) -> Context:
    """A writer process's services on the test's database, with the tests' fixed clock."""
    return Context(Database(url, migrate=False), load_catalog(), lambda: FIXED_NOW)


@pytest.mark.parametrize("writer", ["thread", "process"])
def test_the_consumer_stores_what_was_published_and_dead_letters_the_rest(ctx, nats_url, names, writer):
    accounts = [services.create_account(ctx, f"S{i}", "cn")[0].id for i in range(3)]
    good = events(accounts, 2_500)
    poison = [
        {"account_id": "acc_nobody", "event_id": "x1", "service": "ai.face", "quantity": 1, "region": "ap-beijing",
         "timestamp": FIXED_NOW.isoformat()},
        {**good[0], "quantity": good[0]["quantity"] + 1, "event_id": good[0]["event_id"]},  # the same id, other content
        {"account_id": accounts[0], "event_id": "bad-q", "service": "ai.face", "quantity": -3, "region": "ap-beijing",
         "timestamp": FIXED_NOW.isoformat()},
    ]

    async def publish():
        await publish_events(nats_url, good, names["prefix"], names["stream"], names["dead"])
        nc = await nats.connect(nats_url)  # a record that is not JSON at all, and the poison
        js = nc.jetstream()
        await js.publish(f"{names['prefix']}.{accounts[1]}", b"\xff not json", headers={"Nats-Msg-Id": "garbage"})
        for i, p in enumerate(poison):
            await js.publish(f"{names['prefix']}.{p['account_id']}", json.dumps(p).encode(), headers={"Nats-Msg-Id": f"poison-{i}"})
        await nc.close()
        # the metering retries a batch after the stream's dedupe window: the same events under new ids
        retry = [{**e} for e in good[:300]]
        nc = await nats.connect(nats_url)
        js = nc.jetstream()
        for e in retry:
            await js.publish(f"{names['prefix']}.{e['account_id']}", json.dumps(e).encode(), headers={"Nats-Msg-Id": "late-" + e["event_id"]})
        await nc.close()

    run(publish())
    opener = functools.partial(fixed_clock_context, ctx.db.url) if writer == "process" else None
    consumer = Consumer(ctx, nats_url, names["stream"], names["prefix"], names["durable"], names["dead"], batch=400, ack_wait=5,
                        opener=opener)
    stats = run(consumer.run(idle_exit=2))
    assert stored(ctx, accounts) == expected(good)
    assert (stats.accepted, stats.duplicates, stats.dead) == (2_500, 300, 4)
    reasons = sorted(r for r, _ in run(dead_letters(nats_url, names)))
    assert reasons == sorted(["unknown_account", "conflicting_duplicate", "quantity must be from 1 to 1000000000000000",
                              "not a JSON object with account_id, event_id, service, quantity, region, timestamp"])


def quiet(ctx, timeout: float = 60) -> None:
    """PostgreSQL: wait until no other session of the database is in a transaction (a killed
    client's last COMMIT may still be running on its server process, which then ends). SQLite's
    commit is done or not at the moment of the kill. Not a sleep: it asks the server."""
    if ctx.db.dialect != "postgresql":
        return
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with ctx.db.read() as conn:
            busy = conn.execute(sa.text("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND "
                                        "pid <> pg_backend_pid() AND state IN ('active', 'idle in transaction', "
                                        "'idle in transaction (aborted)')")).scalar_one()
        if not busy:
            return
        time.sleep(0.05)
    raise AssertionError("the killed consumer's session did not end")


def published_now(ctx, nats_url: str, names: dict, prefix: str, accounts: int, n: int) -> tuple[list[str], list[dict]]:
    """New accounts, and ``n`` events of theirs published, stamped by the real clock (the
    consumers run as commands, on the real clock)."""
    ids = [services.create_account(ctx, f"{prefix}{i}", "cn")[0].id for i in range(accounts)]
    published = events(ids, n, datetime.now(UTC))
    run(publish_events(nats_url, published, names["prefix"], names["stream"], names["dead"]))
    return ids, published


def consume_command(nats_url: str, names: dict, batch: int) -> list[str]:
    return [sys.executable, "-m", "packbill", "consume", "--nats", nats_url, "--stream", names["stream"], "--prefix", names["prefix"],
            "--durable", names["durable"], "--dead", names["dead"], "--batch", str(batch), "--ack-wait", "2"]


def wait_stored(ctx, accounts: list[str], at_least: int) -> None:
    """Until the consumer has stored ``at_least`` events (mid-stream), at most two minutes."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and sum(n for n, _ in stored(ctx, accounts).values()) < at_least:
        time.sleep(0.05)


def test_a_consumer_killed_mid_batch_and_two_consumers_store_each_event_once(ctx, db_url, nats_url, names, tmp_path):
    accounts, published = published_now(ctx, nats_url, names, "K", 5, 20_000)
    env = {**os.environ, "PACKBILL_DB": db_url}
    cmd = consume_command(nats_url, names, 500)
    first = subprocess.Popen(cmd, env=env, stdout=open(tmp_path / "c1.log", "w"), stderr=subprocess.STDOUT)
    wait_stored(ctx, accounts, 3_000)
    writer = writer_of(first.pid)
    first.send_signal(signal.SIGKILL)  # mid-stream: batches fetched and not acknowledged are delivered again
    first.wait(10)
    gone = time.monotonic() + 30  # its writer goes with it: left behind, it could commit a batch after the count below
    while time.monotonic() < gone and running(writer):
        time.sleep(0.05)
    assert not running(writer)
    quiet(ctx)  # a COMMIT the killed process had sent may still be finishing on the server: count after it
    part = sum(n for n, _ in stored(ctx, accounts).values())
    assert 0 < part < 20_000, (tmp_path / "c1.log").read_text()
    two = [subprocess.Popen([*cmd, "--until-idle", "4"], env=env, stdout=open(tmp_path / f"c{i}.log", "w"), stderr=subprocess.STDOUT)
           for i in (2, 3)]
    for p in two:
        assert p.wait(180) == 0, (tmp_path / "c2.log").read_text() + (tmp_path / "c3.log").read_text()
    assert stored(ctx, accounts) == expected(published)  # every event, each once
    logs = [(tmp_path / f"c{i}.log").read_text() for i in (2, 3)]
    assert all("events stored" in log for log in logs)
    assert sum(int(log.split(" events stored")[0].split()[-1]) for log in logs) == 20_000 - part  # the two shared the rest


def running(pid: int) -> bool:
    """The process exists and is not a zombie waiting to be reaped."""
    try:
        return open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def writer_of(pid: int) -> int:
    """The writer process ``packbill consume`` started (not multiprocessing's resource tracker)."""
    for task in os.listdir(f"/proc/{pid}/task"):
        for child in open(f"/proc/{pid}/task/{task}/children").read().split():
            if b"spawn_main" in open(f"/proc/{child}/cmdline", "rb").read():
                return int(child)
    raise AssertionError("packbill consume has no writer process")


def test_a_writer_process_killed_stops_its_consumer_with_a_message_and_loses_nothing(ctx, db_url, nats_url, names, tmp_path):
    accounts, published = published_now(ctx, nats_url, names, "W", 3, 8_000)
    env = {**os.environ, "PACKBILL_DB": db_url}
    cmd = consume_command(nats_url, names, 200)
    first = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    wait_stored(ctx, accounts, 1_000)
    os.kill(writer_of(first.pid), signal.SIGKILL)
    said = first.communicate(timeout=60)[0]
    assert first.returncode != 0
    assert "the writer process stopped" in said and "start the consumer again" in said and "Traceback" not in said, said
    again = subprocess.run([*cmd, "--until-idle", "4"], env=env, capture_output=True, text=True, timeout=180)
    assert again.returncode == 0, again.stdout + again.stderr
    assert stored(ctx, accounts) == expected(published)  # every event, each once


def test_the_consumer_reports_its_lag_to_the_metrics(ctx, nats_url, names):
    """Each batch reports what the durable consumer has left to read; a scrape shows it as
    packbill_stream_pending, and 0 once the stream is drained."""
    accounts = [services.create_account(ctx, "Lag", "cn")[0].id]
    run(publish_events(nats_url, events(accounts, 250), names["prefix"], names["stream"], names["dead"]))

    class OneBatch(Consumer):
        async def _handle(self, js, msgs, writer):
            await super()._handle(js, msgs, writer)
            self.stop.set()

    def scraped() -> dict[str, float]:
        text = metrics.exposition(ctx).decode()
        return {line.rsplit(" ", 1)[0]: float(line.rsplit(" ", 1)[1]) for line in text.splitlines()
                if line.startswith("packbill_stream_")}

    key = f'packbill_stream_pending{{consumer="{names["durable"]}",stream="{names["stream"]}"}}'
    run(OneBatch(ctx, nats_url, names["stream"], names["prefix"], names["durable"], names["dead"], batch=100).run())
    assert scraped()[key] == 150
    run(Consumer(ctx, nats_url, names["stream"], names["prefix"], names["durable"], names["dead"], batch=100).run(idle_exit=1))
    found = scraped()
    assert found[key] == 0
    assert 0 <= found[key.replace("pending", "report_age_seconds")] < 600


def test_a_fetch_that_ends_with_no_message_counts_as_quiet_not_a_crash(ctx, nats_url, names):
    """Under load the server may end a fetch with no message instead of a timeout; the consumer
    took the last message of an empty batch and died (IndexError), once in a full run."""
    accounts = [services.create_account(ctx, "Empty fetch", "cn")[0].id]
    run(publish_events(nats_url, events(accounts, 10), names["prefix"], names["stream"], names["dead"]))
    calls = {"n": 0}

    import nats.js.client as js_client

    original = js_client.JetStreamContext.PullSubscription.fetch

    async def fetch(self, batch=1, timeout=5, heartbeat=None):
        calls["n"] += 1
        if calls["n"] == 1:
            return []
        return await original(self, batch, timeout, heartbeat)

    js_client.JetStreamContext.PullSubscription.fetch = fetch
    try:
        stats = run(Consumer(ctx, nats_url, names["stream"], names["prefix"], names["durable"], names["dead"], batch=100).run(idle_exit=2))
    finally:
        js_client.JetStreamContext.PullSubscription.fetch = original
    assert calls["n"] >= 2 and stats.accepted == 10


def test_a_consumer_waits_for_an_unreachable_nats_saying_so_in_one_line_and_stops_when_told(ctx, caplog):
    """NATS down: the consumer tries again, each time one line (no traceback), and a stop (SIGTERM)
    ends the wait (it used to stay in the connect, printing the client's tracebacks)."""
    consumer = Consumer(ctx, "nats://127.0.0.1:1")

    async def main():
        asyncio.get_running_loop().call_later(4.0, consumer.stop.set)
        return await consumer.run()

    with caplog.at_level(logging.WARNING, logger="packbill.stream"):
        stats = run(main())
    assert stats.batches == 0
    said = [r for r in caplog.records if r.name == "packbill.stream"]
    assert said and all("nats://127.0.0.1:1" in r.getMessage() and "trying again" in r.getMessage() and r.exc_info is None for r in said)


def test_a_message_nested_past_what_the_decoder_follows_is_not_an_event():
    """Raised, the decoder's RecursionError stopped the consumer at the same message each time
    the stream delivered it again; it is refused as not an event, as the API refuses the body."""
    from packbill.stream.writer import decoded

    assert decoded(b"[" * 100_000 + b"]" * 100_000) is None
    assert decoded(b'{"account_id": "a"}') == {"account_id": "a"}
