"""How the tables spread over a Citus cluster: which are distributed by account, and on which
column, and which are small reference tables copied to every node.

This is data, not a dependency: packbill runs on one PostgreSQL (or SQLite) without Citus. The
plan is checked against the real migrated schema by ``tests/storage/test_distribution.py``
(every primary and unique key of a distributed table holds its distribution column, links stay
within one account; ``usage_events``' monthly partitions follow their table), and ``packbill citus`` prints the statements that apply it
(``docs/scale.md``).
"""

from __future__ import annotations

from . import schema

COLOCATE_WITH = "accounts"

DISTRIBUTED: dict[str, str] = {
    "accounts": "id",
    "idempotency_keys": "scope",
    **{table: "account_id" for table in (
        "orders", "packages", "package_vouchers", "vouchers", "discounts", "topups", "traffic_switches",
        "usage_events", "usage_event_ids", "usage_daily", "usage_windows", "usage_dirty", "usage_unsummed", "settled_days", "bandwidth_billed", "month_payg",
        "bill_lines", "draws", "line_vouchers", "journal_entries", "postings", "wallet_events", "settlement_failures",
        "statements", "invoices", "audit_records", "outbox", "webhook_deliveries", "webhook_attempts", "message_reads",
        "usage_archive_sums", "package_alerts", "auto_rebuy_rules", "auto_rebuys", "spend_limits", "invoice_titles", "invoice_requests",
        "account_payers",
    )},
}
"""Table -> its distribution column. All are co-located with ``accounts``: one account's rows of
every table live on the same node, so an account's settlement, purchase or bill is a
single-node transaction. ``idempotency_keys.scope`` is the account's id (or ``operator`` for
the operator's own requests)."""

REFERENCE: frozenset[str] = frozenset({
    "operator_keys", "statement_months", "settlement_runs", "settlement_chunks", "schedule_runs", "usage_archives",
    "webhook_endpoints", "stream_consumers", "console_sessions", "catalog_versions", "usage_bounds",
})
"""Small tables of the operator (keys, runs, schedules, archives, endpoints), copied to every node."""


def statements() -> list[str]:
    """The SQL that distributes a migrated packbill database on Citus, in the order it must run
    (reference tables, then ``accounts``, then everything co-located with it, a table after the
    tables it links to)."""
    ordered = [table.name for table in schema.metadata.sorted_tables + schema.postgres_only.sorted_tables]
    out = [f"SELECT create_reference_table('{table}');" for table in ordered if table in REFERENCE]
    out.append(f"SELECT create_distributed_table('{COLOCATE_WITH}', '{DISTRIBUTED[COLOCATE_WITH]}');")
    out += [f"SELECT create_distributed_table('{table}', '{DISTRIBUTED[table]}', colocate_with => '{COLOCATE_WITH}');"
            for table in ordered if table in DISTRIBUTED and table != COLOCATE_WITH]
    return out
