"""The JetStream consumer and the publisher the tests and the benchmark use (as the metering would)."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import nats
from nats.errors import ConnectionClosedError, NoRespondersError
from nats.errors import TimeoutError as NatsTimeout
from nats.js.api import ConsumerConfig, StreamConfig
from nats.js.errors import BadRequestError, NotFoundError, ServiceUnavailableError

from ..services import Context, note_consumer
from .writer import ProcessWriter, ThreadWriter, decoded

log = logging.getLogger("packbill.stream")

REASON_HEADER = "Packbill-Reason"


@dataclass
class ConsumeStats:
    batches: int = 0
    accepted: int = 0
    duplicates: int = 0
    dead: int = 0
    reasons: dict[str, int] = field(default_factory=dict)
    first_fetch: float | None = None
    """``time.perf_counter()`` just before the first fetch (after connecting, subscribing and
    starting the writer)."""
    last_batch: float | None = None
    """``time.perf_counter()`` once the last batch was acknowledged."""


def servers(url: str) -> list[str]:
    """The NATS servers of ``url``: one, or a cluster's, comma-separated (the client learns the
    others from the one it reaches, and moves to another when its server goes away)."""
    return [u.strip() for u in url.split(",") if u.strip()]


async def ensure_streams(js, stream: str, prefix: str, dead: str, replicas: int = 1) -> None:
    """The usage stream (``<prefix>.>``) and the dead-letter stream (``<dead>.>``), made when
    missing with ``replicas`` copies (3 on a cluster of three; an operator may make them first,
    with the retention they want)."""
    for name, subject in ((stream, f"{prefix}.>"), (f"{stream}_DEAD", f"{dead}.>")):
        try:
            await _patiently(lambda name=name: js.stream_info(name))
        except NotFoundError:
            try:
                await js.add_stream(StreamConfig(name=name, subjects=[subject], duplicate_window=120.0, num_replicas=replicas))
            except BadRequestError:  # another consumer made it meanwhile
                pass


PATIENCE = 30.0
"""Seconds a JetStream request is retried while a cluster elects a leader (a node died)."""

_PASSING = (NatsTimeout, TimeoutError, ServiceUnavailableError, NoRespondersError)
"""What a cluster answers while it moves a stream's leadership: try again shortly."""


async def _patiently(request, patience: float = PATIENCE):
    """``await request()``, again after a short pause while the cluster answers that it cannot yet."""
    deadline = asyncio.get_running_loop().time() + patience
    while True:
        try:
            return await request()
        except _PASSING:
            if asyncio.get_running_loop().time() > deadline:
                raise
            await asyncio.sleep(0.5)


class Consumer:
    """One consumer process's loop over the shared durable consumer.

    ``opener``: how a process of its own opens the services (``stream.writer.ProcessWriter``);
    given, batches are stored there while this process fetches the next one. Without it they
    are stored in a thread of this process, with ``ctx``."""

    def __init__(self, ctx: Context, url: str = "nats://127.0.0.1:4222", stream: str = "USAGE", prefix: str = "usage",
                 durable: str = "packbill", dead: str = "usage-dead", batch: int = 1000, ack_wait: float = 30.0,
                 replicas: int = 1, opener: Callable[[], Context] | None = None) -> None:
        self.ctx, self.url, self.stream, self.prefix, self.durable, self.dead = ctx, url, stream, prefix, durable, dead
        self.batch, self.ack_wait, self.replicas, self.opener = batch, ack_wait, replicas, opener
        self.stats = ConsumeStats()
        self.stop = asyncio.Event()

    async def run(self, idle_exit: float | None = None) -> ConsumeStats:
        """Consume until ``stop`` is set (or, with ``idle_exit``, until nothing came for that long)."""
        nc = await self._connected()
        if nc is None:  # stopped before NATS answered
            return self.stats
        writer = ProcessWriter(self.opener) if self.opener is not None else ThreadWriter(self.ctx)
        try:
            js = nc.jetstream()
            await ensure_streams(js, self.stream, self.prefix, self.dead, self.replicas)
            config = ConsumerConfig(ack_wait=self.ack_wait, max_ack_pending=max(10_000, 4 * self.batch))
            sub = await _patiently(lambda: js.pull_subscribe(f"{self.prefix}.>", durable=self.durable, stream=self.stream, config=config))
            await writer.start()
            await self._loop(js, sub, writer, idle_exit)
        finally:
            try:
                await nc.flush(timeout=5)  # the last acknowledgements leave before the connection closes
            finally:
                await nc.close()
                writer.close()
        return self.stats

    async def _connected(self):
        """A connection to NATS, trying again while it does not answer (one line each time, no
        traceback); None when ``stop`` is set first."""
        async def said(exc: Exception) -> None:
            log.warning("NATS at %s: %s; trying again", self.url, exc or type(exc).__name__)

        connecting = asyncio.ensure_future(nats.connect(servers(self.url), connect_timeout=5, max_reconnect_attempts=-1,
                                                        error_cb=said))
        stopping = asyncio.ensure_future(self.stop.wait())
        await asyncio.wait({connecting, stopping}, return_when=asyncio.FIRST_COMPLETED)
        stopping.cancel()
        if connecting.done():
            return connecting.result()
        connecting.cancel()
        return None

    async def _loop(self, js, sub, writer, idle_exit: float | None) -> None:
        """With a writer process, fetch a batch while the one before is stored: at most one batch
        in flight, and a batch in flight is finished before a stop is honoured (or an error stops
        the loop)."""
        idle = 0.0
        flight: asyncio.Task | None = None
        self.stats.first_fetch = time.perf_counter()
        try:
            while not self.stop.is_set():
                msgs = await self._fetch(sub)
                if flight is not None:
                    done, flight = flight, None
                    await done
                if msgs is None:  # a node went away: the client reconnects, the stream's new leader answers
                    await asyncio.sleep(0.5)
                    continue
                if not msgs:  # a timeout, or a fetch the server ended with no message (it happens under load)
                    if idle == 0.0:  # the stream went quiet: nothing is left for this consumer
                        await asyncio.to_thread(note_consumer, self.ctx, self.stream, self.durable, 0)
                    idle += 1.0
                    if idle_exit is not None and idle >= idle_exit:
                        break
                    continue
                idle = 0.0
                flight = asyncio.ensure_future(self._handle(js, msgs, writer))
                if not writer.parallel:  # a thread would take turns with the fetch for the interpreter lock
                    done, flight = flight, None
                    await done
        finally:
            if flight is not None:
                await flight

    async def _fetch(self, sub) -> list | None:
        """The next batch; [] when none came within a second; None when the server went away."""
        try:
            return await sub.fetch(self.batch, timeout=1.0)
        except (TimeoutError, NatsTimeout):
            return []
        except (ServiceUnavailableError, NoRespondersError, ConnectionClosedError):
            return None

    async def _handle(self, js, msgs, writer) -> None:
        result = await writer.store([m.data for m in msgs], self.stream, self.durable, msgs[-1].metadata.num_pending)
        for position, reason in result.refused:
            m, record = msgs[position], decoded(msgs[position].data)
            account = record.get("account_id") if isinstance(record, dict) and isinstance(record.get("account_id"), str) else "unknown"
            subject = f"{self.dead}.{_token(account)}"
            await js.publish(subject, m.data, headers={REASON_HEADER: reason, "Packbill-Subject": m.subject,
                                                       "Nats-Msg-Id": f"dead/{m.metadata.sequence.stream}"})
            self.stats.reasons[reason] = self.stats.reasons.get(reason, 0) + 1
        # only now: the transaction has committed. An acknowledgement lost to a node going away is
        # harmless: the message comes again and the store counts it once (R14)
        await asyncio.gather(*(m.ack() for m in msgs), return_exceptions=True)
        self.stats.batches += 1
        self.stats.accepted += result.accepted
        self.stats.duplicates += result.duplicates
        self.stats.dead += len(result.refused)
        self.stats.last_batch = time.perf_counter()


def _token(text: str) -> str:
    """A subject token from an account id (no dots, spaces or wildcards)."""
    cleaned = "".join(c if c.isalnum() or c in "-_" else "_" for c in text)[:64]
    return cleaned or "unknown"


async def publish_events(url: str, events: Iterable[dict], prefix: str = "usage", stream: str = "USAGE",
                         dead: str = "usage-dead", replicas: int = 1) -> int:
    """Publish events as the metering does: one message each on ``<prefix>.<account_id>`` with
    ``Nats-Msg-Id`` = ``<account_id>/<event_id>``; waits for the stream's acknowledgements."""
    nc = await nats.connect(servers(url), connect_timeout=5, max_reconnect_attempts=-1)
    try:
        js = nc.jetstream()
        await ensure_streams(js, stream, prefix, dead, replicas)
        sent = 0
        batch: list[tuple[str, bytes, str]] = []
        for event in events:
            account = event.get("account_id") if isinstance(event.get("account_id"), str) else "unknown"
            batch.append((f"{prefix}.{_token(account)}", json.dumps(event).encode(), f"{account}/{event.get('event_id')}"))
            sent += 1
            if len(batch) >= 2000:
                await _publish_batch(js, batch)
                batch.clear()
        await _publish_batch(js, batch)
        return sent
    finally:
        await nc.close()


async def _publish_batch(js, batch: list[tuple[str, bytes, str]]) -> None:
    """Publish messages and wait for the stream's acknowledgements; the ones a cluster could not
    acknowledge (a node went away) are published again, under the same ``Nats-Msg-Id``, so the
    stream keeps one copy of each."""
    waiting = batch
    deadline = asyncio.get_running_loop().time() + PATIENCE
    while waiting:
        futures = [await js.publish_async(subject, data, headers={"Nats-Msg-Id": msg_id}) for subject, data, msg_id in waiting]
        results = await asyncio.gather(*futures, return_exceptions=True)
        failed = [m for m, r in zip(waiting, results, strict=True) if isinstance(r, BaseException)]
        if failed and asyncio.get_running_loop().time() > deadline:
            raise next(r for r in results if isinstance(r, BaseException))
        if failed:
            await asyncio.sleep(0.5)
        waiting = failed
