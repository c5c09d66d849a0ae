"""NATS as a cluster (issue 26): three ``nats-server -js`` nodes on loopback ports as one cluster,
the usage stream replicated three times; events are published and consumed while one node is
killed (SIGKILL) and started again: every event is stored exactly once."""

from __future__ import annotations

import asyncio
import shutil
import signal
import socket
import subprocess
import threading
import time
from pathlib import Path

import nats
import pytest
from nats.js.api import StreamConfig

from packbill import services
from packbill.stream import Consumer, publish_events
from packbill.stream.consume import servers

from .conftest import run
from .test_consume import events, expected, stored

pytestmark = pytest.mark.skipif(shutil.which("nats-server") is None, reason="needs nats-server")


def _free_ports(n: int) -> list[int]:
    found = []
    socks = []
    for _ in range(n):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        socks.append(s)
        found.append(s.getsockname()[1])
    for s in socks:
        s.close()
    return found


class Cluster:
    """Three JetStream nodes routed to each other on loopback."""

    def __init__(self, root: Path) -> None:
        ports = _free_ports(6)
        self.client_ports, self.route_ports = ports[:3], ports[3:]
        self.root = root
        self.nodes: list[subprocess.Popen | None] = [None, None, None]

    @property
    def url(self) -> str:
        return ",".join(f"nats://127.0.0.1:{p}" for p in self.client_ports)

    def start(self, i: int) -> None:
        routes = ",".join(f"nats://127.0.0.1:{p}" for j, p in enumerate(self.route_ports) if j != i)
        store = self.root / f"n{i}"
        store.mkdir(exist_ok=True)
        self.nodes[i] = subprocess.Popen(
            ["nats-server", "-js", "-sd", str(store), "-a", "127.0.0.1", "-p", str(self.client_ports[i]), "-n", f"packbill-n{i}",
             "--cluster_name", "packbill", "--cluster", f"nats://127.0.0.1:{self.route_ports[i]}", "--routes", routes],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def kill(self, i: int) -> None:
        node = self.nodes[i]
        if node is not None and node.poll() is None:
            node.send_signal(signal.SIGKILL)
            node.wait(10)

    def stop(self) -> None:
        for i in range(3):
            self.kill(i)


async def _replicated_streams(url: str, names: dict, deadline: float) -> None:
    """The usage and dead-letter streams with three replicas, once the cluster has a JetStream leader."""
    while True:
        try:
            nc = await nats.connect(servers(url), connect_timeout=2)
            try:
                js = nc.jetstream(timeout=5)
                for name, subject in ((names["stream"], f"{names['prefix']}.>"), (names["stream"] + "_DEAD", f"{names['dead']}.>")):
                    await js.add_stream(StreamConfig(name=name, subjects=[subject], duplicate_window=120.0, num_replicas=3))
                info = await js.stream_info(names["stream"])
                assert info.config.num_replicas == 3
                return
            finally:
                await nc.close()
        except Exception:  # noqa: BLE001 - the cluster is still electing its JetStream leader
            if time.monotonic() > deadline:
                raise
            await asyncio.sleep(0.5)


def test_a_three_node_cluster_loses_no_event_and_counts_none_twice_while_a_node_dies_and_returns(ctx, tmp_path):
    cluster = Cluster(tmp_path)
    names = {"stream": "USAGE", "prefix": "usage", "durable": "packbill", "dead": "usage-dead"}
    try:
        for i in range(3):
            cluster.start(i)
        run(_replicated_streams(cluster.url, names, time.monotonic() + 60))
        accounts = [services.create_account(ctx, f"Cluster {i}", "cn")[0].id for i in range(3)]
        published = events(accounts, 6000)
        consumer = Consumer(ctx, cluster.url, names["stream"], names["prefix"], names["durable"], names["dead"], batch=200, replicas=3)
        consumed: dict = {}

        def consume() -> None:
            try:
                consumed["stats"] = run(consumer.run(idle_exit=30))  # ends 30 s after the last message
            except BaseException:  # noqa: BLE001 - shown by the assertion below
                import traceback

                consumed["error"] = traceback.format_exc()

        worker = threading.Thread(target=consume)
        worker.start()
        run(publish_events(cluster.url, published[:3000], replicas=3))
        cluster.kill(1)  # a node dies with the stream's messages being consumed
        run(publish_events(cluster.url, published[3000:4500], replicas=3))
        time.sleep(2)
        cluster.start(1)  # and comes back; it catches up from the others
        run(publish_events(cluster.url, published[4500:] + published[:500], replicas=3))  # the last 500 again: a retry
        worker.join(timeout=240)
        assert not worker.is_alive(), "the consumer did not finish"
        assert "error" not in consumed, consumed.get("error")
        assert stored(ctx, accounts) == expected(published)  # every event once
        stats = consumed["stats"]
        assert stats.accepted == len(published) and stats.dead == 0
    finally:
        cluster.stop()
