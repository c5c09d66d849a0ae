"""The schema's tables of the operators and of operations: API keys, the audit trail (R24), the
outbox, webhooks and the 站内信's reads (R25), the daily schedule, settlement's chunks, the
stream's consumers, archives of raw usage (R23) and the console's sessions. Defined on
``schema.metadata`` like every other table (the conventions of ``storage/schema.py`` hold here
too) and read as ``schema.<table>``."""

from __future__ import annotations

import sqlalchemy as sa

from .schema_base import BigId, metadata

operator_keys = sa.Table(
    "operator_keys",
    metadata,
    sa.Column("id", sa.String(40), primary_key=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("role", sa.String(16), nullable=False),
    sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("created_us", sa.BigInteger, nullable=False),
    sa.Column("created_by", sa.String(80), nullable=False),
    sa.Column("revoked_us", sa.BigInteger, nullable=True),
    sa.CheckConstraint("role IN ('admin', 'finance', 'support', 'metering')", name="role"),
)
"""R24: operators' named keys; the token itself is shown once and only its hash is kept."""

audit_records = sa.Table(
    "audit_records",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("at_us", sa.BigInteger, nullable=False, index=True),
    sa.Column("actor", sa.String(80), nullable=False, index=True),
    sa.Column("role", sa.String(16), nullable=False),
    sa.Column("via", sa.String(16), nullable=False),
    sa.Column("action", sa.String(40), nullable=False),
    sa.Column("target", sa.String(200), nullable=True),
    sa.Column("account_id", sa.String(40), primary_key=True, server_default="", index=True),
    sa.Column("parameters", sa.Text, nullable=False),
    sa.Column("outcome", sa.String(40), nullable=False),
    sa.Column("detail", sa.String(400), nullable=True),
)
"""R24: every change of state (and every refused attempt), append-only like the journal."""

outbox = sa.Table(
    "outbox",
    metadata,
    sa.Column("seq", BigId, primary_key=True, autoincrement=True),
    sa.Column("id", sa.String(40), nullable=False, index=True),
    sa.Column("at_us", sa.BigInteger, nullable=False),
    sa.Column("account_id", sa.String(40), primary_key=True, server_default="", index=True),
    sa.Column("type", sa.String(40), nullable=False),
    sa.Column("payload", sa.Text, nullable=False),
    sa.Column("once", sa.String(200), nullable=True),
    sa.Column("fanned_out", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.UniqueConstraint("account_id", "id"),
    sa.UniqueConstraint("account_id", "once"),
)
"""R25: the events, written in the transaction of the change that raised them. ``once`` keys an
event that must be raised only once (a reminder), whichever process notices it first;
``fanned_out``: the dispatcher has made its deliveries."""

webhook_endpoints = sa.Table(
    "webhook_endpoints",
    metadata,
    sa.Column("id", sa.String(40), primary_key=True),
    sa.Column("url", sa.String(2000), nullable=False),
    sa.Column("secret", sa.String(80), nullable=False),
    sa.Column("events", sa.Text, nullable=True),
    sa.Column("account_id", sa.String(40), nullable=True, index=True),
    sa.Column("created_us", sa.BigInteger, nullable=False),
    sa.Column("created_by", sa.String(80), nullable=False),
    sa.Column("failing_since_us", sa.BigInteger, nullable=True),
    sa.Column("disabled_us", sa.BigInteger, nullable=True),
    sa.Column("deleted_us", sa.BigInteger, nullable=True),
)
"""R25: where events are delivered: the operator's (account_id null: every account's events) or
a customer's (its own). ``events``: a JSON list of event types, null for all. The secret signs
deliveries (Standard Webhooks); it is needed in clear to sign, so it is stored as given."""

webhook_deliveries = sa.Table(
    "webhook_deliveries",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("account_id", sa.String(40), primary_key=True, server_default=""),
    sa.Column("endpoint_id", sa.String(40), nullable=False),
    sa.Column("event_id", sa.String(40), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("next_us", sa.BigInteger, nullable=True),
    sa.Column("created_us", sa.BigInteger, nullable=False),
    sa.Column("last_us", sa.BigInteger, nullable=True),
    sa.Column("last_code", sa.Integer, nullable=True),
    sa.Column("last_error", sa.String(400), nullable=True),
    sa.UniqueConstraint("account_id", "endpoint_id", "event_id"),
    sa.Index("ix_webhook_deliveries_status_next", "status", "next_us"),
)
"""R25: one event to one endpoint: pending (due at next_us), delivered or failed."""

webhook_attempts = sa.Table(
    "webhook_attempts",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("account_id", sa.String(40), primary_key=True, server_default=""),
    sa.Column("delivery_id", sa.BigInteger, nullable=False, index=True),
    sa.Column("at_us", sa.BigInteger, nullable=False),
    sa.Column("code", sa.Integer, nullable=True),
    sa.Column("error", sa.String(400), nullable=True),
    sa.Column("ms", sa.Integer, nullable=False),
)
"""R25: the delivery log, one row per attempt."""

message_reads = sa.Table(
    "message_reads",
    metadata,
    sa.Column("account_id", sa.String(40), primary_key=True),
    sa.Column("read_seq", sa.BigInteger, nullable=False),
)
"""R25: how far a customer has read its messages (站内信), by outbox sequence."""

schedule_runs = sa.Table(
    "schedule_runs",
    metadata,
    sa.Column("day", sa.Date, primary_key=True),
    sa.Column("claimed_us", sa.BigInteger, nullable=False),
    sa.Column("claimed_by", sa.String(200), nullable=False),
    sa.Column("finished_us", sa.BigInteger, nullable=True),
    sa.Column("through", sa.Date, nullable=True),
    sa.Column("days", sa.Integer, nullable=True),
    sa.Column("lines", sa.Integer, nullable=True),
    sa.Column("error", sa.String(400), nullable=True),
)
"""The built-in schedule's daily settlements: one row per day, claimed by the one server that won."""

settlement_chunks = sa.Table(
    "settlement_chunks",
    metadata,
    sa.Column("run_id", sa.BigInteger, primary_key=True),
    sa.Column("chunk", sa.Integer, primary_key=True),
    sa.Column("accounts", sa.Text, nullable=False),
    sa.Column("done_us", sa.BigInteger, nullable=True),
    sa.Column("done_by", sa.String(200), nullable=True),
    sa.Column("days", sa.Integer, nullable=False, server_default="0"),
    sa.Column("lines", sa.Integer, nullable=False, server_default="0"),
    sa.Column("failed", sa.Text, nullable=True),
)
"""A run's work, in chunks of accounts (a JSON list). A worker takes a pending chunk with FOR
UPDATE SKIP LOCKED inside the transaction that settles it and marks it done there: a chunk is
settled once, and a worker that dies leaves its chunk pending for the others."""

stream_consumers = sa.Table(
    "stream_consumers",
    metadata,
    sa.Column("stream", sa.String(64), primary_key=True),
    sa.Column("durable", sa.String(64), primary_key=True),
    sa.Column("pending", sa.BigInteger, nullable=False),
    sa.Column("seen_us", sa.BigInteger, nullable=False),
)
"""What each durable consumer of the usage stream had left to read when a ``packbill consume``
process last reported (after each batch, and once when the stream went idle): the metrics'
consumer lag."""

usage_archives = sa.Table(
    "usage_archives",
    metadata,
    sa.Column("month", sa.Date, primary_key=True),
    sa.Column("path", sa.String(2000), nullable=False),
    sa.Column("rows", sa.BigInteger, nullable=False),
    sa.Column("sha256", sa.String(64), nullable=False),
    sa.Column("archived_us", sa.BigInteger, nullable=False),
    sa.Column("restored_us", sa.BigInteger, nullable=True),
)
"""R23: months of raw usage events moved to a Parquet file (and, when restored, put back)."""

usage_archive_sums = sa.Table(
    "usage_archive_sums",
    metadata,
    sa.Column("month", sa.Date, primary_key=True),
    sa.Column("account_id", sa.String(40), primary_key=True),
    sa.Column("day", sa.Date, primary_key=True),
    sa.Column("service", sa.String(32), primary_key=True),
    sa.Column("events", sa.BigInteger, nullable=False),
    sa.Column("mainland", sa.BigInteger, nullable=False),
    sa.Column("other", sa.BigInteger, nullable=False),
)
"""What an archive holds, per account, day and service: the audit checks the day sums against the
stored events and these together."""

console_sessions = sa.Table(
    "console_sessions",
    metadata,
    sa.Column("id_hash", sa.String(64), primary_key=True),
    sa.Column("token_hash", sa.String(64), nullable=False),
    sa.Column("csrf", sa.String(64), nullable=False),
    sa.Column("created_us", sa.BigInteger, nullable=False),
    sa.Column("expires_us", sa.BigInteger, nullable=False, index=True),
)
"""The console's sessions: the cookie holds a random id whose hash is kept here, with the hash of
the token signed in with (so revoking a key or rotating an account's token ends its sessions at
once) and the session's CSRF token."""
