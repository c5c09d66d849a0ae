"""This process's counters and histograms (Prometheus): what intake, settlement and delivery do.

With ``serve --workers N`` the processes keep them in files under one directory
(prometheus-client's multiprocess mode) and a scrape of any of them sums them all.
"""

from __future__ import annotations

import os

from prometheus_client import CollectorRegistry, Counter, Histogram, values

SHARED_DIRECTORY = "PROMETHEUS_MULTIPROC_DIR"


class Instruments:
    """The counters and histograms, made again when the process starts sharing them."""

    def __init__(self) -> None:
        self.make()

    def make(self) -> None:
        self.registry = registry = CollectorRegistry(auto_describe=True)
        self.events_ingested = Counter("packbill_events_ingested", "Usage events stored (new, not duplicates)", ["via"], registry=registry)
        self.events_duplicate = Counter("packbill_events_duplicate", "Usage events that were already stored (counted once)", ["via"],
                                        registry=registry)
        self.events_refused = Counter("packbill_events_refused", "Usage events refused, by reason", ["via", "reason"], registry=registry)
        self.ingest_seconds = Histogram("packbill_ingest_seconds", "Time to validate and store one batch", ["via"], registry=registry,
                                        buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10))
        self.settlement_chunk_seconds = Histogram("packbill_settlement_chunk_seconds", "Time to settle one chunk of accounts",
                                                  registry=registry, buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60))
        self.settled_account_days = Counter("packbill_settled_account_days", "Account-days settled", registry=registry)
        self.deliveries = Counter("packbill_webhook_attempts", "Webhook delivery attempts, by outcome", ["outcome"], registry=registry)

    def refused(self, via: str, reasons) -> None:
        for reason in reasons:
            self.events_refused.labels(via, reason if len(reason) < 40 else "invalid").inc()


INSTRUMENTS = Instruments()
"""This process's: one, as prometheus-client keeps one set of values a process."""


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
    INSTRUMENTS.make()
