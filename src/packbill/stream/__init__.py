"""Usage from a durable stream: NATS JetStream in front of ingestion (``packbill consume``).

The metering publishes one event per message on ``<prefix>.<account_id>`` (default prefix
``usage``), a JSON object ``{"account_id", "event_id", "service", "quantity", "region",
"timestamp"}``, with the header ``Nats-Msg-Id: <account_id>/<event_id>`` so that the stream's
own deduplication window drops a publisher's retries early. Consumers share one durable pull
consumer: each fetches a batch, stores it through the same validation and idempotent store as
the API (``services.usage.ingest_records``) in one transaction, and acknowledges only after the
transaction commits. A consumer that dies before its ack leaves the batch to be delivered again
after ``ack_wait``; the store counts each event once. A record that is not a valid event goes
to the dead-letter subject ``<dead>.<account_id>`` with its reason in the header
``Packbill-Reason``, is acknowledged and counted: it never blocks the stream.
"""

from .consume import Consumer, ConsumeStats, ensure_streams, publish_events

__all__ = ["ConsumeStats", "Consumer", "ensure_streams", "publish_events"]
