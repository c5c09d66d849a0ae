"""Prometheus metrics: this process's counters and histograms (``process.instruments``) and what
the database holds (gauges read at each scrape)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from prometheus_client import CollectorRegistry, generate_latest, multiprocess
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

from ..domain.days import from_us, to_us
from ..process.instruments import INSTRUMENTS, shared_directory
from ..storage import metrics as metrics_store
from ..storage.replica import TALLY, Lag
from .context import Context


class DatabaseGauges:
    """Gauges read from the database at each scrape: unsettled account-days, the usage rows
    waiting to be summed, the outbox's
    pending deliveries, disabled webhook endpoints, the oldest unsettled day's age."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def collect(self):
        with self.ctx.db.read() as conn:
            figures = metrics_store.gauges(conn)
            consumers = metrics_store.consumers(conn)
        now_us = to_us(self.ctx.now())
        pending = GaugeMetricFamily("packbill_stream_pending", "Usage messages the stream's durable consumer had left to read "
                                    "when a packbill consume process last reported (the consumer lag)", labels=["stream", "consumer"])
        age = GaugeMetricFamily("packbill_stream_report_age_seconds", "Seconds since a packbill consume process last reported",
                                labels=["stream", "consumer"])
        for stream, durable, left, seen_us in consumers:
            pending.add_metric([stream, durable], left)
            age.add_metric([stream, durable], max(0, now_us - seen_us) / 1e6)
        yield pending
        yield age
        yield from replica_gauges(self.ctx)
        for name, help_text, value in (
            ("packbill_unsettled_account_days", "Account-days with usage not settled yet", figures["unsettled"]),
            ("packbill_usage_waiting_rows", "Stored usage rows not yet in the day sums (folded in batches)", figures["waiting"]),
            ("packbill_outbox_pending", "Webhook deliveries pending (the outbox's depth)", figures["pending"]),
            ("packbill_outbox_unfanned", "Events not yet turned into deliveries", figures["unfanned"]),
            ("packbill_webhook_endpoints_disabled", "Webhook endpoints disabled for failing", figures["disabled"]),
        ):
            yield GaugeMetricFamily(name, help_text, value=value)


@dataclass(frozen=True, slots=True)
class ReplicaState:
    """The read replica as the Operations page shows it: how far behind it is, and where this
    process's reads that could use it went."""

    lag: Lag
    from_replica: int
    from_primary: int


def replica_state(ctx: Context) -> ReplicaState | None:
    """None without a read replica."""
    replica = ctx.db.replica
    if replica is None:
        return None
    return ReplicaState(replica.lag(ctx.db.engine), TALLY.replica, TALLY.primary)


def replica_gauges(ctx: Context):
    """The replica's lag (bytes of write-ahead log and seconds), whether it answers, and this
    process's reads by where they went; nothing without a replica."""
    state = replica_state(ctx)
    if state is None:
        return
    yield GaugeMetricFamily("packbill_replica_up", "The read replica answers (1) or not (0)", value=int(state.lag.reachable))
    yield GaugeMetricFamily("packbill_replica_lag_bytes", "Write-ahead log the primary has written and the read replica has not replayed",
                            value=state.lag.behind_bytes)
    yield GaugeMetricFamily("packbill_replica_lag_seconds", "Seconds since the read replica replayed a transaction, while it is behind",
                            value=state.lag.behind_seconds)
    reads = CounterMetricFamily("packbill_replica_reads", "This process's reads that could come from the read replica, by where they "
                                "went (the primary when the replica had not caught up or did not answer)", labels=["served_by"])
    reads.add_metric(["replica"], state.from_replica)
    reads.add_metric(["primary"], state.from_primary)
    yield reads


@dataclass(frozen=True, slots=True)
class StreamConsumer:
    stream: str
    durable: str
    pending: int
    """Messages it had left to read at its last report."""
    reported_at: datetime


def consumers(ctx: Context) -> list[StreamConsumer]:
    """The usage stream's durable consumers, as ``packbill consume`` processes last reported them."""
    with ctx.db.read() as conn:
        return [StreamConsumer(s, d, p, from_us(seen)) for s, d, p, seen in metrics_store.consumers(conn)]


def note_consumer(ctx: Context, stream: str, durable: str, pending: int) -> None:
    """A consumer's report: what its durable consumer has left to read, now."""
    with ctx.db.write() as conn:
        metrics_store.note_consumer(conn, stream, durable, pending, to_us(ctx.now()))


def exposition(ctx: Context, registry: CollectorRegistry | None = None) -> bytes:
    """The text a scrape gets: the counters (of every server process when they share them), then
    the database's gauges."""
    own = registry or CollectorRegistry()
    if registry is None:
        own.register(DatabaseGauges(ctx))
    directory = shared_directory()
    if directory:
        counters = CollectorRegistry()
        multiprocess.MultiProcessCollector(counters, path=directory)
        return generate_latest(counters) + generate_latest(own)
    return generate_latest(INSTRUMENTS.registry) + generate_latest(own)
