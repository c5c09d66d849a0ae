"""The database schema (SQLAlchemy Core). Alembic migrations in ``migrations/`` create it;
a test checks that the migrated database matches this module.

Keys: every table that grows with usage starts its primary key, and every unique key, with
the account (``account_id``; for ``accounts`` its ``id``; for ``idempotency_keys`` its ``scope``,
which is the account's id), so that Citus can distribute them by account (``docs/scale.md``).
PostgreSQL has these primary keys as declared. SQLite keeps ``id``/``seq`` alone as the primary
key of the tables numbered by rowid (it auto-numbers only an INTEGER PRIMARY KEY, and it is
never distributed); the unique keys and links are the same on both.

Conventions: money in whole fen (BIGINT, exact), moments as UTC epoch microseconds (BIGINT,
portable and sortable on SQLite and PostgreSQL), days as DATE in Asia/Shanghai.
"""

from __future__ import annotations

import re

import sqlalchemy as sa

from .schema_base import OPERATOR, BigId, metadata  # noqa: F401 - OPERATOR read as schema.OPERATOR

# every table reads as schema.<table>, wherever it is declared
from .schema_operations import (  # noqa: F401
    audit_records,
    console_sessions,
    message_reads,
    operator_keys,
    outbox,
    schedule_runs,
    settlement_chunks,
    stream_consumers,
    usage_archive_sums,
    usage_archives,
    webhook_attempts,
    webhook_deliveries,
    webhook_endpoints,
)
from .schema_wave3 import (  # noqa: F401
    account_payers,
    auto_rebuy_rules,
    auto_rebuys,
    catalog_versions,
    invoice_requests,
    invoice_titles,
    package_alerts,
    spend_limits,
)

accounts = sa.Table(
    "accounts",
    metadata,
    sa.Column("seq", BigId, primary_key=True, autoincrement=True),
    sa.Column("id", sa.String(40), primary_key=True, unique=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("site", sa.String(8), nullable=False),
    sa.Column("token_hash", sa.String(64), nullable=False, index=True),
    sa.Column("created_us", sa.BigInteger, nullable=False),
    sa.Column("refunds", sa.Integer, nullable=False, server_default="0"),
    sa.Column("terms", sa.String(16), nullable=False, server_default="invoice"),
    sa.Column("cash_fen", sa.BigInteger, nullable=False, server_default="0"),
    sa.Column("credit_limit_fen", sa.BigInteger, nullable=False, server_default="0"),
    sa.Column("arrears_since_us", sa.BigInteger, nullable=True),
    sa.Column("threshold_fen", sa.BigInteger, nullable=True),
    sa.Column("alert_count", sa.Integer, nullable=False, server_default="0"),
    sa.Column("alert_last_day", sa.Date, nullable=True),
    sa.CheckConstraint("site IN ('cn', 'intl')", name="site"),
)
"""An account, with its money (R15 to R20): terms, cash (the sum of its journal postings to
cash:<id>, kept here for speed and checked by the audit), credit limit, arrears clock, alert."""

orders = sa.Table(
    "orders",
    metadata,
    sa.Column("seq", BigId, primary_key=True, autoincrement=True),
    sa.Column("id", sa.String(40), nullable=False),
    sa.Column("account_id", sa.String(40), sa.ForeignKey("accounts.id"), primary_key=True, index=True),
    sa.Column("sku", sa.String(64), nullable=False),
    sa.Column("count", sa.Integer, nullable=False),
    sa.Column("amount_fen", sa.BigInteger, nullable=False),
    sa.Column("at_us", sa.BigInteger, nullable=False),
    sa.Column("list_amount_fen", sa.BigInteger, nullable=True),
    sa.Column("voucher_fen", sa.BigInteger, nullable=False, server_default="0"),
    sa.Column("cash_fen", sa.BigInteger, nullable=False, server_default="0"),
    sa.Column("statement_month", sa.Date, nullable=True),
    sa.Column("paid_by", sa.String(40), nullable=True),
    sa.UniqueConstraint("account_id", "id"),
    sa.Index("ix_orders_paid_by", "paid_by", postgresql_where=sa.text("paid_by IS NOT NULL"), sqlite_where=sa.text("paid_by IS NOT NULL")),
)
"""amount_fen is the contracted amount (R16); list_amount_fen the list amount; voucher and cash
what paid it (R18); paid_by the payer whose wallet paid it (R32), NULL when the account paid itself."""

packages = sa.Table(
    "packages",
    metadata,
    sa.Column("seq", BigId, primary_key=True, autoincrement=True),
    sa.Column("id", sa.String(40), nullable=False),
    sa.Column("account_id", sa.String(40), sa.ForeignKey("accounts.id"), primary_key=True, index=True),
    sa.Column("order_id", sa.String(40), nullable=False),
    sa.Column("sku", sa.String(64), nullable=False),
    sa.Column("service", sa.String(32), nullable=False),
    sa.Column("size", sa.BigInteger, nullable=False),
    sa.Column("remaining", sa.BigInteger, nullable=False),
    sa.Column("price_fen", sa.BigInteger, nullable=False),
    sa.Column("purchased_us", sa.BigInteger, nullable=False),
    sa.Column("first_day", sa.Date, nullable=False),
    sa.Column("last_day", sa.Date, nullable=False),
    sa.Column("refunded_us", sa.BigInteger, nullable=True),
    sa.Column("refund_fen", sa.BigInteger, nullable=True),
    sa.Column("list_price_fen", sa.BigInteger, nullable=True),
    sa.Column("paid_cash_fen", sa.BigInteger, nullable=False, server_default="0"),
    sa.Column("closed_us", sa.BigInteger, nullable=True),
    sa.CheckConstraint("remaining >= 0 AND remaining <= size", name="remaining_within_size"),
    sa.UniqueConstraint("account_id", "id"),
    sa.ForeignKeyConstraint(["account_id", "order_id"], ["orders.account_id", "orders.id"], name="fk_packages_order_id_orders"),
)
"""price_fen is the package's share of its order's contracted amount; what vouchers paid of it
is in package_vouchers."""

line_vouchers = sa.Table(
    "line_vouchers",
    metadata,
    sa.Column("account_id", sa.String(40), primary_key=True),
    sa.Column("line_id", sa.BigInteger, primary_key=True),
    sa.Column("voucher_id", sa.String(40), primary_key=True),
    sa.Column("amount_fen", sa.BigInteger, nullable=False),
)
"""Which vouchers paid a bill line, and how much (R17); the rest of its amount was cash."""

package_vouchers = sa.Table(
    "package_vouchers",
    metadata,
    sa.Column("account_id", sa.String(40), primary_key=True),
    sa.Column("package_id", sa.String(40), primary_key=True),
    sa.Column("voucher_id", sa.String(40), primary_key=True),
    sa.Column("amount_fen", sa.BigInteger, nullable=False),
)

vouchers = sa.Table(
    "vouchers",
    metadata,
    sa.Column("seq", BigId, primary_key=True, autoincrement=True),
    sa.Column("id", sa.String(40), nullable=False),
    sa.Column("account_id", sa.String(40), sa.ForeignKey("accounts.id"), primary_key=True, index=True),
    sa.Column("amount_fen", sa.BigInteger, nullable=False),
    sa.Column("remaining_fen", sa.BigInteger, nullable=False),
    sa.Column("expires_on", sa.Date, nullable=False),
    sa.Column("services", sa.String(400), nullable=True),
    sa.Column("granted_us", sa.BigInteger, nullable=False),
    sa.Column("closed_us", sa.BigInteger, nullable=True),
    sa.CheckConstraint("remaining_fen >= 0 AND remaining_fen <= amount_fen", name="remaining_within_amount"),
    sa.UniqueConstraint("account_id", "id"),
)
"""R17. services: comma-separated service ids it may pay for, NULL for all."""

discounts = sa.Table(
    "discounts",
    metadata,
    sa.Column("seq", BigId, primary_key=True, autoincrement=True),
    sa.Column("account_id", sa.String(40), sa.ForeignKey("accounts.id"), primary_key=True, index=True),
    sa.Column("rate", sa.String(12), nullable=False),
    sa.Column("effective_day", sa.Date, nullable=False),
    sa.Column("set_us", sa.BigInteger, nullable=False),
)
"""R16: every rate ever set, with its effective day (history: a supplement uses its day's rate)."""

topups = sa.Table(
    "topups",
    metadata,
    sa.Column("account_id", sa.String(40), sa.ForeignKey("accounts.id"), primary_key=True),
    sa.Column("reference", sa.String(128), primary_key=True),
    sa.Column("id", sa.String(40), nullable=False),
    sa.Column("amount_fen", sa.BigInteger, nullable=False),
    sa.Column("at_us", sa.BigInteger, nullable=False),
    sa.UniqueConstraint("account_id", "id"),
)
"""R15: the external payment reference is unique within the account."""

journal_entries = sa.Table(
    "journal_entries",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("account_id", sa.String(40), primary_key=True, index=True),
    sa.Column("at_us", sa.BigInteger, nullable=False),
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("ref", sa.String(64), nullable=False),
    sa.Column("memo", sa.String(400), nullable=True),
    sa.Column("statement_month", sa.Date, nullable=True),
    sa.Column("book_day", sa.Date, nullable=True),
    sa.Column("member_id", sa.String(40), nullable=True),
    sa.Index("ix_journal_entries_at_us", "at_us"),
    sa.Index("ix_journal_entries_book_day", "book_day"),
)

postings = sa.Table(
    "postings",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("account_id", sa.String(40), primary_key=True),
    sa.Column("entry_id", sa.BigInteger, nullable=False, index=True),
    sa.Column("ledger_account", sa.String(80), nullable=False, index=True),  # a statement's balances read one ledger account's postings
    sa.Column("amount_fen", sa.BigInteger, nullable=False),
)
"""R15, R21: every movement of money, as postings that sum to zero per entry."""

wallet_events = sa.Table(
    "wallet_events",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("account_id", sa.String(40), primary_key=True, index=True),
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("day", sa.Date, nullable=False),
    sa.Column("at_us", sa.BigInteger, nullable=False),
)
"""Events of the wallet raised when they happened: low_balance (R20), arrears, arrears_lifted (R19)."""

idempotency_keys = sa.Table(
    "idempotency_keys",
    metadata,
    sa.Column("scope", sa.String(48), primary_key=True),
    sa.Column("key", sa.String(255), primary_key=True),
    sa.Column("fingerprint", sa.String(64), nullable=False),
    sa.Column("ref", sa.String(64), nullable=False),
    sa.Column("response", sa.Text, nullable=True),
    sa.Column("created_us", sa.BigInteger, nullable=False),
)
"""Idempotency-Key of requests that create or move money, per account (or the operator): the
key is stored in the same transaction as the movement; the response once it is known."""

traffic_switches = sa.Table(
    "traffic_switches",
    metadata,
    sa.Column("seq", BigId, primary_key=True, autoincrement=True),
    sa.Column("account_id", sa.String(40), sa.ForeignKey("accounts.id"), primary_key=True, index=True),
    sa.Column("mode", sa.String(32), nullable=False),
    sa.Column("requested_us", sa.BigInteger, nullable=False),
    sa.Column("effective_day", sa.Date, nullable=False),
)

usage_events = sa.Table(
    "usage_events",
    metadata,
    sa.Column("account_id", sa.String(40), primary_key=True),
    sa.Column("event_id", sa.String(128), primary_key=True),
    sa.Column("service", sa.String(32), nullable=False),
    sa.Column("quantity", sa.BigInteger, nullable=False),
    sa.Column("region", sa.String(32), nullable=False),
    sa.Column("ts_us", sa.BigInteger, nullable=False),
    sa.Column("day", sa.Date, primary_key=True),
    sa.Column("window", sa.SmallInteger, nullable=False, server_default="0"),
    sa.Column("mainland", sa.Boolean, nullable=False, server_default=sa.true()),
)
"""Every usage event once (R14). ``window`` (0..287) and ``mainland`` are derived at intake, so
the sums of newly stored events can be computed by the database in bulk.

On PostgreSQL the table is partitioned by month of ``day`` (``storage/partitions.py``), so its
key holds ``day`` and ``usage_event_ids`` keeps each id once across months; SQLite keys it by
(account_id, event_id) alone."""

postgres_only = sa.MetaData(naming_convention=metadata.naming_convention)
"""Tables only PostgreSQL has (made by migrations there, never on SQLite)."""

usage_event_ids = sa.Table(
    "usage_event_ids",
    postgres_only,
    sa.Column("account_id", sa.String(40), primary_key=True),
    sa.Column("event_id", sa.String(128), primary_key=True),
)
"""PostgreSQL: each stored event id once, whatever its month (intake inserts here first)."""

PARTITION = re.compile(r"usage_events_(default|y\d{4}m\d{2})")
"""The names of usage_events' partitions (PostgreSQL)."""

usage_daily = sa.Table(
    "usage_daily",
    metadata,
    sa.Column("account_id", sa.String(40), primary_key=True),
    sa.Column("day", sa.Date, primary_key=True),
    sa.Column("service", sa.String(32), primary_key=True),
    sa.Column("mainland", sa.BigInteger, nullable=False, server_default="0"),
    sa.Column("other", sa.BigInteger, nullable=False, server_default="0"),
    sa.Column("settled_mainland", sa.BigInteger, nullable=False, server_default="0"),
    sa.Column("settled_other", sa.BigInteger, nullable=False, server_default="0"),
    sa.CheckConstraint("mainland + other <= 100000000000000000", name="day_total"),
    sqlite_with_rowid=False,
)
"""Per account, day and service: the usage summed, and how much of it is settled. The CHECK is
the limit of one day's total of bytes (``domain.limits.MAX_DAY_TOTAL``), the backstop behind intake;
migration 0013 adds the smaller limit of an AI service's calls (``MAX_DAY_CALLS``): a CHECK on
PostgreSQL, triggers on SQLite (which cannot add a CHECK to a table)."""

usage_windows = sa.Table(
    "usage_windows",
    metadata,
    sa.Column("account_id", sa.String(40), primary_key=True),
    sa.Column("day", sa.Date, primary_key=True),
    sa.Column("service", sa.String(32), primary_key=True),
    sa.Column("window", sa.SmallInteger, primary_key=True),
    sa.Column("bytes", sa.BigInteger, nullable=False),
    sqlite_with_rowid=False,
)

usage_dirty = sa.Table(
    "usage_dirty",
    metadata,
    sa.Column("account_id", sa.String(40), primary_key=True),
    sa.Column("day", sa.Date, primary_key=True),
    sqlite_with_rowid=False,
)
"""Account-days with usage not yet settled: settlement reads this, never the whole history."""

usage_unsummed = sa.Table(
    "usage_unsummed",
    metadata,
    sa.Column("account_id", sa.String(40), nullable=False),
    sa.Column("day", sa.Date, nullable=False),
    sa.Column("service", sa.String(32), nullable=False),
    sa.Column("window", sa.SmallInteger, nullable=False),
    sa.Column("mainland", sa.BigInteger, nullable=False),
    sa.Column("other", sa.BigInteger, nullable=False),
)
"""Stored events not yet in the sums: intake appends each batch's new events here, summed per
(account, day, service, window; -1 for the AI services), and ``storage.fold`` moves them into
``usage_daily``, ``usage_windows`` and ``usage_dirty`` in bulk. No key and no index: an append
costs no B-tree search, and a fold takes every row there is."""

usage_bounds = sa.Table(
    "usage_bounds",
    metadata,
    sa.Column("kind", sa.String(8), primary_key=True),
    sa.Column("unsummed", sa.BigInteger, nullable=False),
    sa.Column("largest", sa.BigInteger, nullable=False),
)
"""Per kind of usage ("calls", "bytes"): the quantity waiting in ``usage_unsummed`` and the largest
day total in ``usage_daily``. A day's true total is at most their sum, so intake checks the
day limits (R14) without reading any sum, and folds first only when that bound reaches a limit."""

settled_days = sa.Table(
    "settled_days",
    metadata,
    sa.Column("account_id", sa.String(40), primary_key=True),
    sa.Column("day", sa.Date, primary_key=True),
)

bandwidth_billed = sa.Table(
    "bandwidth_billed",
    metadata,
    sa.Column("account_id", sa.String(40), primary_key=True),
    sa.Column("day", sa.Date, primary_key=True),
    sa.Column("service", sa.String(32), primary_key=True),
    sa.Column("peak_bps", sa.BigInteger, nullable=False),
    sa.Column("amount_fen", sa.BigInteger, nullable=False),
    sa.Column("peak_bytes", sa.BigInteger, nullable=False, server_default="0"),
    sa.Column("list_amount_fen", sa.BigInteger, nullable=True),
)
"""What each day's peak was billed: peak_bytes is the exact peak window (R8), peak_bps the
rounded figure a bill line shows."""

month_payg = sa.Table(
    "month_payg",
    metadata,
    sa.Column("account_id", sa.String(40), primary_key=True),
    sa.Column("month", sa.Date, primary_key=True),
    sa.Column("service", sa.String(32), primary_key=True),
    sa.Column("quantity", sa.BigInteger, nullable=False),
)

settlement_runs = sa.Table(
    "settlement_runs",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("through", sa.Date, nullable=False),
    sa.Column("started_us", sa.BigInteger, nullable=False),
    sa.Column("finished_us", sa.BigInteger, nullable=True),
    sa.Column("days", sa.Integer, nullable=False, server_default="0"),
    sa.Column("lines", sa.Integer, nullable=False, server_default="0"),
    sa.Column("heartbeat_us", sa.BigInteger, nullable=True),
    sa.Column("failed", sa.Integer, nullable=False, server_default="0"),
    sa.Column("run_at_us", sa.BigInteger, nullable=True),
    sa.Column("abandoned_us", sa.BigInteger, nullable=True),
)
"""A run that never finished and whose heartbeat is old was abandoned (its process died); the next
run closes it (``abandoned_us``) with what its chunks did. It never counts as finished (R12).
``run_at_us``: the moment the run acts at (an operator's backfill ``at``; else its start), which
every worker settling a chunk of it uses."""

settlement_failures = sa.Table(
    "settlement_failures",
    metadata,
    sa.Column("run_id", sa.BigInteger, primary_key=True),
    sa.Column("account_id", sa.String(40), primary_key=True),
    sa.Column("reason", sa.String(400), nullable=False),
)
"""Accounts a run could not settle (their days stay unsettled), with the reason."""

bill_lines = sa.Table(
    "bill_lines",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("account_id", sa.String(40), primary_key=True),
    sa.Column("day", sa.Date, nullable=False),
    sa.Column("service", sa.String(32), nullable=False),
    sa.Column("quantity", sa.BigInteger, nullable=False),
    sa.Column("payg_quantity", sa.BigInteger, nullable=False),
    sa.Column("amount_fen", sa.BigInteger, nullable=False),
    sa.Column("supplement", sa.Boolean, nullable=False),
    sa.Column("run_id", sa.BigInteger, nullable=False),
    sa.Column("list_amount_fen", sa.BigInteger, nullable=True),
    sa.Column("voucher_fen", sa.BigInteger, nullable=False, server_default="0"),
    sa.Column("cash_fen", sa.BigInteger, nullable=False, server_default="0"),
    sa.Column("other_quantity", sa.BigInteger, nullable=False, server_default="0"),
    sa.Column("statement_month", sa.Date, nullable=True),
    sa.Column("paid_by", sa.String(40), nullable=True),
    sa.Index("ix_bill_lines_account_day", "account_id", "day"),
    sa.Index("ix_bill_lines_account_statement", "account_id", "statement_month"),
    sa.Index("ix_bill_lines_paid_by", "paid_by", "statement_month", postgresql_where=sa.text("paid_by IS NOT NULL"),
             sqlite_where=sa.text("paid_by IS NOT NULL")),
)
"""quantity and payg_quantity: calls or bytes; for bandwidth.* lines whole bit/s of peak. paid_by:
the payer whose wallet paid the line (R32), NULL when the account paid itself."""

draws = sa.Table(
    "draws",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("line_id", sa.BigInteger, nullable=False, index=True),
    sa.Column("account_id", sa.String(40), primary_key=True),
    sa.Column("package_id", sa.String(40), nullable=False),
    sa.Column("day", sa.Date, nullable=False),
    sa.Column("service", sa.String(32), nullable=False),
    sa.Column("quantity", sa.BigInteger, nullable=False),
    sa.Column("run_id", sa.BigInteger, nullable=False),
    sa.CheckConstraint("quantity > 0", name="positive"),
    sa.ForeignKeyConstraint(["account_id", "package_id"], ["packages.account_id", "packages.id"], name="fk_draws_package_id_packages"),
    sa.Index("ix_draws_package_day", "package_id", "day"),
)
"""The append-only ledger of which package paid how much of which day."""


statement_months = sa.Table(
    "statement_months",
    metadata,
    sa.Column("month", sa.Date, primary_key=True),
    sa.Column("finalised_us", sa.BigInteger, nullable=False),
)
"""R22: the months whose statements are final (a run through the month's last day finished)."""

statements = sa.Table(
    "statements",
    metadata,
    sa.Column("account_id", sa.String(40), primary_key=True),
    sa.Column("month", sa.Date, primary_key=True),
    sa.Column("number", sa.String(40), nullable=False),
    sa.Column("body", sa.Text, nullable=False),
    sa.Column("finalised_us", sa.BigInteger, nullable=False),
    sa.UniqueConstraint("account_id", "number"),
)
"""R22: final statements, frozen as JSON (amounts in fen)."""

invoices = sa.Table(
    "invoices",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("account_id", sa.String(40), sa.ForeignKey("accounts.id"), primary_key=True, index=True),
    sa.Column("number", sa.String(64), nullable=False, index=True),
    sa.Column("amount_fen", sa.BigInteger, nullable=False),
    sa.Column("at_us", sa.BigInteger, nullable=False),
    sa.UniqueConstraint("account_id", "number"),
)
"""R22: invoices the operator issued, never above the invoiceable amount."""

def entry_postings() -> sa.ColumnElement[bool]:
    """The join of journal entries and their postings (both keyed by account first)."""
    return sa.and_(postings.c.account_id == journal_entries.c.account_id, postings.c.entry_id == journal_entries.c.id)

