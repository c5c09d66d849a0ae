"""The schema's wave-3 tables (R28 to R31, R33): package alerts, auto-rebuy, budgets and caps,
invoice titles and requests, catalog versions, group accounts (R32). Defined on ``schema.metadata`` like every other
table (the conventions of ``storage/schema.py`` hold here too) and read as ``schema.<table>``."""

from __future__ import annotations

import sqlalchemy as sa

from .schema_base import metadata

package_alerts = sa.Table(
    "package_alerts",
    metadata,
    sa.Column("account_id", sa.String(40), sa.ForeignKey("accounts.id"), primary_key=True),
    sa.Column("service", sa.String(32), primary_key=True),
    sa.Column("threshold_percent", sa.Integer, nullable=True),
)
"""R29: a customer's package alert threshold per service (NULL: off); a service without a row has
the default (20 %)."""

auto_rebuy_rules = sa.Table(
    "auto_rebuy_rules",
    metadata,
    sa.Column("account_id", sa.String(40), sa.ForeignKey("accounts.id"), primary_key=True),
    sa.Column("service", sa.String(32), primary_key=True),
    sa.Column("sku", sa.String(64), nullable=False),
    sa.Column("trigger", sa.String(16), nullable=False),
    sa.Column("days_before", sa.Integer, nullable=True),
    sa.Column("monthly_cap_fen", sa.BigInteger, nullable=False),
    sa.Column("set_us", sa.BigInteger, nullable=False),
)
"""R28: a service's auto-rebuy rule: the SKU, the trigger (exhausted, or expiring ``days_before``
the last day) and the monthly cap."""

auto_rebuys = sa.Table(
    "auto_rebuys",
    metadata,
    sa.Column("account_id", sa.String(40), sa.ForeignKey("accounts.id"), primary_key=True),
    sa.Column("service", sa.String(32), primary_key=True),
    sa.Column("trigger_key", sa.String(80), primary_key=True),
    sa.Column("order_id", sa.String(40), nullable=True),
    sa.Column("amount_fen", sa.BigInteger, nullable=True),
    sa.Column("month", sa.Date, nullable=True),
    sa.Column("tried_on", sa.Date, nullable=False),
    sa.Column("refusal", sa.String(40), nullable=True),
)
"""R28: each trigger acted on, keyed by the trigger itself (so it buys at most once): the order
it bought (with its contracted amount and month, which the cap counts), or the day it was last
tried and why it was refused (at most one try a day)."""

spend_limits = sa.Table(
    "spend_limits",
    metadata,
    sa.Column("account_id", sa.String(40), sa.ForeignKey("accounts.id"), primary_key=True),
    sa.Column("scope", sa.String(32), primary_key=True),
    sa.Column("monthly_fen", sa.BigInteger, nullable=False),
)
"""R30: the monthly budget (scope ``*``) and each service's monthly pay-as-you-go cap (scope: the
service); no row: none set."""

invoice_titles = sa.Table(
    "invoice_titles",
    metadata,
    sa.Column("account_id", sa.String(40), sa.ForeignKey("accounts.id"), primary_key=True),
    sa.Column("id", sa.String(40), primary_key=True),
    sa.Column("seq", sa.BigInteger, nullable=False),
    sa.Column("type", sa.String(16), nullable=False),
    sa.Column("name", sa.String(100), nullable=False),
    sa.Column("tax_id", sa.String(18), nullable=False),
    sa.Column("address", sa.String(200), nullable=False, server_default=""),
    sa.Column("phone", sa.String(40), nullable=False, server_default=""),
    sa.Column("bank", sa.String(100), nullable=False, server_default=""),
    sa.Column("bank_account", sa.String(64), nullable=False, server_default=""),
    sa.Column("created_us", sa.BigInteger, nullable=False),
    sa.Column("deleted_us", sa.BigInteger, nullable=True),
)
"""R33: an account's invoice titles (抬头); a deleted one is kept (requests name it), marked deleted."""

invoice_requests = sa.Table(
    "invoice_requests",
    metadata,
    sa.Column("account_id", sa.String(40), sa.ForeignKey("accounts.id"), primary_key=True),
    sa.Column("id", sa.String(40), primary_key=True),
    sa.Column("seq", sa.BigInteger, nullable=False),
    sa.Column("kind", sa.String(8), nullable=False),
    sa.Column("title_id", sa.String(40), nullable=True),
    sa.Column("amount_fen", sa.BigInteger, nullable=False),
    sa.Column("net_fen", sa.BigInteger, nullable=False),
    sa.Column("tax_fen", sa.BigInteger, nullable=False),
    sa.Column("rate", sa.String(8), nullable=False),
    sa.Column("status", sa.String(16), nullable=False, index=True),
    sa.Column("number", sa.String(64), nullable=True),
    sa.Column("reason", sa.String(400), nullable=True),
    sa.Column("reverses", sa.String(400), nullable=True),
    sa.Column("requested_us", sa.BigInteger, nullable=False),
    sa.Column("decided_us", sa.BigInteger, nullable=True),
)
"""R33: invoice requests, ``kind`` blue (an invoice) or red (a red-letter reversal, its amount below
zero, ``reverses``: the numbers of the invoices it reverses); pending, issued (``number``) or
rejected (``reason``)."""

catalog_versions = sa.Table(
    "catalog_versions",
    metadata,
    sa.Column("id", sa.String(16), primary_key=True),
    sa.Column("seq", sa.Integer, nullable=False, unique=True),
    sa.Column("effective_on", sa.Date, nullable=False),
    sa.Column("published_us", sa.BigInteger, nullable=False),
    sa.Column("published_by", sa.String(100), nullable=False),
    sa.Column("body", sa.Text, nullable=False),
    sa.Column("withdrawn_us", sa.BigInteger, nullable=True),
)
"""R31: the catalog's published versions (the catalog file is ``v1`` and is not stored): each
one's prices as ``GET /v1/catalog`` shows them, its effective day, and when it was withdrawn."""

account_payers = sa.Table(
    "account_payers",
    metadata,
    sa.Column("account_id", sa.String(40), sa.ForeignKey("accounts.id"), primary_key=True),
    sa.Column("seq", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("payer_id", sa.String(40), nullable=True, index=True),
    sa.Column("effective_day", sa.Date, nullable=False),
    sa.Column("set_us", sa.BigInteger, nullable=False),
)
"""R32: every change of an account's payer, with the day it takes effect (the day after it was
made), numbered per account in the order they were made; payer_id NULL: the account pays for itself again. History, never changed: a member's past
stays where it was paid."""
