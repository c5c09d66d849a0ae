"""every table that grows with usage is keyed by its account (ready for Citus)

- postings, line_vouchers, package_vouchers, webhook_deliveries and webhook_attempts get their
  account (filled in from the entry, the line, the package, the event, the delivery);
- audit_records and outbox: the account is '' for rows of the operator (a distribution column
  cannot be NULL);
- unique keys include the account: orders, packages, vouchers and top-ups by (account_id, id),
  statements and invoices by (account_id, number), the outbox by (account_id, id) and
  (account_id, once), deliveries by (account_id, endpoint_id, event_id); a token hash is indexed,
  not unique (a token is 256 random bits);
- links between an account's rows carry the account: packages to their order and draws to their
  package by (account_id, ...); draws to bill lines and postings to journal entries are checked
  by the audit instead (SQLite numbers those by rowid, which cannot be half of a composite key);
- on PostgreSQL every primary key starts with the account. SQLite keeps its keys: it auto-numbers
  only an INTEGER PRIMARY KEY, and it is never distributed.

Revision ID: 0010
Revises: 0009
"""
import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

NEW_ACCOUNT_COLUMNS = {
    "postings": "SELECT e.account_id FROM journal_entries e WHERE e.id = postings.entry_id",
    "line_vouchers": "SELECT l.account_id FROM bill_lines l WHERE l.id = line_vouchers.line_id",
    "package_vouchers": "SELECT p.account_id FROM packages p WHERE p.id = package_vouchers.package_id",
    "webhook_deliveries": "SELECT coalesce(o.account_id, '') FROM outbox o WHERE o.id = webhook_deliveries.event_id",
    "webhook_attempts": "SELECT d.account_id FROM webhook_deliveries d WHERE d.id = webhook_attempts.delivery_id",
}
"""Filled in this order (attempts after deliveries)."""

UNIQUES = {
    "orders": (["uq_orders_id"], [("uq_orders_account_id_id", ["account_id", "id"])]),
    "packages": (["uq_packages_id"], [("uq_packages_account_id_id", ["account_id", "id"])]),
    "vouchers": (["uq_vouchers_id"], [("uq_vouchers_account_id_id", ["account_id", "id"])]),
    "topups": (["uq_topups_id"], [("uq_topups_account_id_id", ["account_id", "id"])]),
    "statements": (["uq_statements_number"], [("uq_statements_account_id_number", ["account_id", "number"])]),
    "invoices": (["uq_invoices_number"], [("uq_invoices_account_id_number", ["account_id", "number"])]),
    "outbox": (["uq_outbox_id", "uq_outbox_once"], [("uq_outbox_account_id_id", ["account_id", "id"]),
                                                    ("uq_outbox_account_id_once", ["account_id", "once"])]),
    "webhook_deliveries": (["uq_webhook_deliveries_endpoint_id_event_id"],
                           [("uq_webhook_deliveries_account_id_endpoint_id_event_id", ["account_id", "endpoint_id", "event_id"])]),
    "accounts": (["uq_accounts_token_hash"], []),
}
INDEXES = [("ix_accounts_token_hash", "accounts", ["token_hash"]), ("ix_invoices_number", "invoices", ["number"]),
           ("ix_outbox_id", "outbox", ["id"])]
OLD_FOREIGN_KEYS = [("fk_packages_order_id_orders", "packages"), ("fk_draws_package_id_packages", "draws"),
                    ("fk_draws_line_id_bill_lines", "draws"), ("fk_postings_entry_id_journal_entries", "postings")]
NEW_FOREIGN_KEYS = [("fk_packages_order_id_orders", "packages", "orders", ["account_id", "order_id"], ["account_id", "id"]),
                    ("fk_draws_package_id_packages", "draws", "packages", ["account_id", "package_id"], ["account_id", "id"])]
POSTGRES_KEYS = {
    "accounts": ["id", "seq"], "orders": ["account_id", "seq"], "packages": ["account_id", "seq"],
    "line_vouchers": ["account_id", "line_id", "voucher_id"], "package_vouchers": ["account_id", "package_id", "voucher_id"],
    "vouchers": ["account_id", "seq"], "discounts": ["account_id", "seq"], "journal_entries": ["account_id", "id"],
    "postings": ["account_id", "id"], "wallet_events": ["account_id", "id"], "traffic_switches": ["account_id", "seq"],
    "bill_lines": ["account_id", "id"], "draws": ["account_id", "id"], "invoices": ["account_id", "id"],
    "audit_records": ["account_id", "id"], "outbox": ["account_id", "seq"], "webhook_deliveries": ["account_id", "id"],
    "webhook_attempts": ["account_id", "id"], "settlement_failures": ["account_id", "run_id"],
}
SQLITE_TRIGGERS = {
    "postings": "the journal is append-only", "audit_records": "the audit trail is append-only",
}


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        _postgres()
    else:
        _sqlite()


def _postgres() -> None:
    for name, table in OLD_FOREIGN_KEYS:
        op.drop_constraint(name, table, type_="foreignkey")
    op.execute("ALTER TABLE postings DISABLE TRIGGER postings_append_only")
    op.execute("ALTER TABLE audit_records DISABLE TRIGGER audit_records_append_only")
    for table, source in NEW_ACCOUNT_COLUMNS.items():
        op.add_column(table, sa.Column("account_id", sa.String(40), nullable=True))
        op.execute(f"UPDATE {table} SET account_id = ({source})")
        op.alter_column(table, "account_id", nullable=False, server_default="" if table.startswith("webhook") else None)
    for table in ("audit_records", "outbox"):
        op.execute(f"UPDATE {table} SET account_id = '' WHERE account_id IS NULL")
        op.alter_column(table, "account_id", nullable=False, server_default="")
    op.execute("ALTER TABLE postings ENABLE TRIGGER postings_append_only")
    op.execute("ALTER TABLE audit_records ENABLE TRIGGER audit_records_append_only")
    for table, (old, new) in UNIQUES.items():
        for name in old:
            op.drop_constraint(name, table, type_="unique")
        for name, columns in new:
            op.create_unique_constraint(name, table, columns)
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns)
    for table, columns in POSTGRES_KEYS.items():
        op.execute(f"ALTER TABLE {table} DROP CONSTRAINT pk_{table}, ADD CONSTRAINT pk_{table} PRIMARY KEY ({', '.join(columns)})")
    for name, table, parent, columns, parent_columns in NEW_FOREIGN_KEYS:
        op.create_foreign_key(name, table, parent, columns, parent_columns)


def _sqlite() -> None:
    for table in SQLITE_TRIGGERS:
        for action in ("update", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_{action}")
    for table, source in NEW_ACCOUNT_COLUMNS.items():
        op.add_column(table, sa.Column("account_id", sa.String(40), nullable=False, server_default=""))
        op.execute(f"UPDATE {table} SET account_id = coalesce(({source}), '')")
    for table in ("audit_records", "outbox"):
        op.execute(f"UPDATE {table} SET account_id = '' WHERE account_id IS NULL")
    dropped = {table: [name for name, t in OLD_FOREIGN_KEYS if t == table] for _, table in OLD_FOREIGN_KEYS}
    parents_first = ["accounts", "orders", "packages", "draws", "postings", "audit_records"]
    for table in parents_first + sorted(set(UNIQUES) - set(parents_first)):
        with op.batch_alter_table(table, naming_convention=CONVENTION, recreate="always") as batch:
            for name in dropped.get(table, []):
                batch.drop_constraint(name, type_="foreignkey")
            old, new = UNIQUES.get(table, ([], []))
            for name in old:
                batch.drop_constraint(name, type_="unique")
            for name, columns in new:
                batch.create_unique_constraint(name, columns)
            for name, t, columns in INDEXES:
                if t == table:
                    batch.create_index(name, columns)
            for name, t, parent, columns, parent_columns in NEW_FOREIGN_KEYS:
                if t == table:
                    batch.create_foreign_key(name, parent, columns, parent_columns)
            if table in ("audit_records", "outbox"):
                batch.alter_column("account_id", existing_type=sa.String(40), nullable=False, server_default="")
    for table, words in SQLITE_TRIGGERS.items():
        for action in ("UPDATE", "DELETE"):
            op.execute(f"CREATE TRIGGER {table}_no_{action.lower()} BEFORE {action} ON {table} "
                       f"BEGIN SELECT RAISE(ABORT, '{words}: {action} on {table} is refused'); END")


def downgrade() -> None:
    raise NotImplementedError("0010 is not undone: restore the backup taken before the upgrade")
