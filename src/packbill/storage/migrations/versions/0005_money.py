"""money: wallets on accounts, vouchers, discounts, top-ups, the journal, idempotency keys

Accounts that existed before keep invoice terms and a zero balance; orders, packages and bill
lines written before show their amount as list amount too (no discount existed).

Revision ID: 0005
Revises: 0004
"""
import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table("accounts") as batch:
        batch.add_column(sa.Column("terms", sa.String(16), nullable=False, server_default="invoice"))
        batch.add_column(sa.Column("cash_fen", sa.BigInteger, nullable=False, server_default="0"))
        batch.add_column(sa.Column("credit_limit_fen", sa.BigInteger, nullable=False, server_default="0"))
        batch.add_column(sa.Column("arrears_since_us", sa.BigInteger, nullable=True))
        batch.add_column(sa.Column("threshold_fen", sa.BigInteger, nullable=True))
        batch.add_column(sa.Column("alert_count", sa.Integer, nullable=False, server_default="0"))
        batch.add_column(sa.Column("alert_last_day", sa.Date, nullable=True))
    with op.batch_alter_table("orders") as batch:
        batch.add_column(sa.Column("list_amount_fen", sa.BigInteger, nullable=True))
        batch.add_column(sa.Column("voucher_fen", sa.BigInteger, nullable=False, server_default="0"))
        batch.add_column(sa.Column("cash_fen", sa.BigInteger, nullable=False, server_default="0"))
    op.execute("UPDATE orders SET list_amount_fen = amount_fen")
    with op.batch_alter_table("packages") as batch:
        batch.add_column(sa.Column("list_price_fen", sa.BigInteger, nullable=True))
        batch.add_column(sa.Column("paid_cash_fen", sa.BigInteger, nullable=False, server_default="0"))
    op.execute("UPDATE packages SET list_price_fen = price_fen")
    with op.batch_alter_table("bill_lines") as batch:
        batch.add_column(sa.Column("list_amount_fen", sa.BigInteger, nullable=True))
        batch.add_column(sa.Column("voucher_fen", sa.BigInteger, nullable=False, server_default="0"))
        batch.add_column(sa.Column("cash_fen", sa.BigInteger, nullable=False, server_default="0"))
    op.execute("UPDATE bill_lines SET list_amount_fen = amount_fen")
    with op.batch_alter_table("bandwidth_billed") as batch:
        batch.add_column(sa.Column("list_amount_fen", sa.BigInteger, nullable=True))
    op.execute("UPDATE bandwidth_billed SET list_amount_fen = amount_fen")
    op.create_table(
        "line_vouchers",
        sa.Column("line_id", sa.BigInteger, nullable=False),
        sa.Column("voucher_id", sa.String(40), nullable=False),
        sa.Column("amount_fen", sa.BigInteger, nullable=False),
        sa.PrimaryKeyConstraint("line_id", "voucher_id", name="pk_line_vouchers"),
    )
    op.create_table(
        "package_vouchers",
        sa.Column("package_id", sa.String(40), nullable=False),
        sa.Column("voucher_id", sa.String(40), nullable=False),
        sa.Column("amount_fen", sa.BigInteger, nullable=False),
        sa.PrimaryKeyConstraint("package_id", "voucher_id", name="pk_package_vouchers"),
    )
    op.create_table(
        "vouchers",
        sa.Column("seq", BigId, primary_key=True, autoincrement=True),
        sa.Column("id", sa.String(40), nullable=False),
        sa.Column("account_id", sa.String(40), sa.ForeignKey("accounts.id", name="fk_vouchers_account_id_accounts"), nullable=False),
        sa.Column("amount_fen", sa.BigInteger, nullable=False),
        sa.Column("remaining_fen", sa.BigInteger, nullable=False),
        sa.Column("expires_on", sa.Date, nullable=False),
        sa.Column("services", sa.String(400), nullable=True),
        sa.Column("granted_us", sa.BigInteger, nullable=False),
        sa.CheckConstraint("remaining_fen >= 0 AND remaining_fen <= amount_fen", name="ck_vouchers_remaining_within_amount"),
        sa.UniqueConstraint("id", name="uq_vouchers_id"),
    )
    op.create_index("ix_vouchers_account_id", "vouchers", ["account_id"])
    op.create_table(
        "discounts",
        sa.Column("seq", BigId, primary_key=True, autoincrement=True),
        sa.Column("account_id", sa.String(40), sa.ForeignKey("accounts.id", name="fk_discounts_account_id_accounts"), nullable=False),
        sa.Column("rate", sa.String(12), nullable=False),
        sa.Column("effective_day", sa.Date, nullable=False),
        sa.Column("set_us", sa.BigInteger, nullable=False),
    )
    op.create_index("ix_discounts_account_id", "discounts", ["account_id"])
    op.create_table(
        "topups",
        sa.Column("account_id", sa.String(40), sa.ForeignKey("accounts.id", name="fk_topups_account_id_accounts"), nullable=False),
        sa.Column("reference", sa.String(128), nullable=False),
        sa.Column("id", sa.String(40), nullable=False),
        sa.Column("amount_fen", sa.BigInteger, nullable=False),
        sa.Column("at_us", sa.BigInteger, nullable=False),
        sa.PrimaryKeyConstraint("account_id", "reference", name="pk_topups"),
        sa.UniqueConstraint("id", name="uq_topups_id"),
    )
    op.create_table(
        "journal_entries",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("account_id", sa.String(40), nullable=False),
        sa.Column("at_us", sa.BigInteger, nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("ref", sa.String(64), nullable=False),
        sa.Column("memo", sa.String(400), nullable=True),
    )
    op.create_index("ix_journal_entries_account_id", "journal_entries", ["account_id"])
    op.create_table(
        "postings",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("entry_id", sa.BigInteger, sa.ForeignKey("journal_entries.id", name="fk_postings_entry_id_journal_entries"), nullable=False),
        sa.Column("ledger_account", sa.String(80), nullable=False),
        sa.Column("amount_fen", sa.BigInteger, nullable=False),
    )
    op.create_index("ix_postings_entry_id", "postings", ["entry_id"])
    op.create_table(
        "wallet_events",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("account_id", sa.String(40), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("day", sa.Date, nullable=False),
        sa.Column("at_us", sa.BigInteger, nullable=False),
    )
    op.create_index("ix_wallet_events_account_id", "wallet_events", ["account_id"])
    op.create_table(
        "idempotency_keys",
        sa.Column("scope", sa.String(48), nullable=False),
        sa.Column("key", sa.String(255), nullable=False),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("ref", sa.String(64), nullable=False),
        sa.Column("response", sa.Text, nullable=True),
        sa.Column("created_us", sa.BigInteger, nullable=False),
        sa.PrimaryKeyConstraint("scope", "key", name="pk_idempotency_keys"),
    )


def downgrade() -> None:
    for table in ("idempotency_keys", "wallet_events", "postings", "journal_entries", "topups", "discounts", "vouchers",
                  "package_vouchers", "line_vouchers"):
        op.drop_table(table)
    for table, cols in (("bandwidth_billed", ["list_amount_fen"]), ("bill_lines", ["cash_fen", "voucher_fen", "list_amount_fen"]),
                        ("packages", ["paid_cash_fen", "list_price_fen"]), ("orders", ["cash_fen", "voucher_fen", "list_amount_fen"]),
                        ("accounts", ["alert_last_day", "alert_count", "threshold_fen", "arrears_since_us", "credit_limit_fen",
                                      "cash_fen", "terms"])):
        with op.batch_alter_table(table) as batch:
            for c in cols:
                batch.drop_column(c)
