"""Prometheus metrics: what intake, settlement and delivery do (counters and histograms kept
by this process), and what the database holds (gauges read at each scrape)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest, multiprocess, values
from prometheus_client.core import GaugeMetricFamily

from ..domain.days import from_us, to_us
from ..storage import metrics as metrics_store
from .context import Context

SHARED_DIRECTORY = "PROMETHEUS_MULTIPROC_DIR"
"""With ``serve --workers N``, the processes keep their counters in files under this directory
(prometheus-client's multiprocess mode), and a scrape of any of them sums them all."""


def _metrics() -> None:
    """Make this process's counters and histograms (again, when it starts sharing them)."""
    global REGISTRY, EVENTS_INGESTED, EVENTS_DUPLICATE, EVENTS_REFUSED, INGEST_SECONDS, SETTLEMENT_CHUNK_SECONDS
    global SETTLED_ACCOUNT_DAYS, DELIVERIES
    REGISTRY = CollectorRegistry(auto_describe=True)
    EVENTS_INGESTED = Counter("packbill_events_ingested", "Usage events stored (new, not duplicates)", ["via"], registry=REGISTRY)
    EVENTS_DUPLICATE = Counter("packbill_events_duplicate", "Usage events that were already stored (counted once)", ["via"],
                               registry=REGISTRY)
    EVENTS_REFUSED = Counter("packbill_events_refused", "Usage events refused, by reason", ["via", "reason"], registry=REGISTRY)
    INGEST_SECONDS = Histogram("packbill_ingest_seconds", "Time to validate and store one batch", ["via"], registry=REGISTRY,
                               buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10))
    SETTLEMENT_CHUNK_SECONDS = Histogram("packbill_settlement_chunk_seconds", "Time to settle one chunk of accounts",
                                         registry=REGISTRY, buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60))
    SETTLED_ACCOUNT_DAYS = Counter("packbill_settled_account_days", "Account-days settled", registry=REGISTRY)
    DELIVERIES = Counter("packbill_webhook_attempts", "Webhook delivery attempts, by outcome", ["outcome"], registry=REGISTRY)


_metrics()


def shared_directory() -> str | None:
    """The directory this process's counters are shared in, if any. prometheus_client itself
    reads it from the environment (``PROMETHEUS_MULTIPROC_DIR``), so the environment is where it
    is kept: the one environment variable read outside the settings."""
    return os.environ.get(SHARED_DIRECTORY)


def share(directory: str) -> None:
    """Keep this process's counters in ``directory``, beside its sibling server processes' (called
    in each forked worker before it serves). A scrape then reports the sums over all of them."""
    os.environ[SHARED_DIRECTORY] = directory
    values.ValueClass = values.MultiProcessValue()
    _metrics()


def refused(via: str, reasons) -> None:
    for reason in reasons:
        EVENTS_REFUSED.labels(via, reason if len(reason) < 40 else "invalid").inc()


class DatabaseGauges:
    """Gauges read from the database at each scrape: unsettled account-days, the outbox's
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
        for name, help_text, value in (
            ("packbill_unsettled_account_days", "Account-days with usage not settled yet", figures["unsettled"]),
            ("packbill_outbox_pending", "Webhook deliveries pending (the outbox's depth)", figures["pending"]),
            ("packbill_outbox_unfanned", "Events not yet turned into deliveries", figures["unfanned"]),
            ("packbill_webhook_endpoints_disabled", "Webhook endpoints disabled for failing", figures["disabled"]),
        ):
            yield GaugeMetricFamily(name, help_text, value=value)


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
    return generate_latest(REGISTRY) + generate_latest(own)
