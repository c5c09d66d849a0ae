"""account_payers and who paid: group accounts (R32)

Revision ID: 0022
Revises: 0021
"""
import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "account_payers",
        sa.Column("account_id", sa.String(40), sa.ForeignKey("accounts.id"), primary_key=True),
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("payer_id", sa.String(40), nullable=True),
        sa.Column("effective_day", sa.Date, nullable=False),
        sa.Column("set_us", sa.BigInteger, nullable=False),
    )
    op.create_index("ix_account_payers_payer_id", "account_payers", ["payer_id"])
    op.add_column("orders", sa.Column("paid_by", sa.String(40), nullable=True))
    op.add_column("bill_lines", sa.Column("paid_by", sa.String(40), nullable=True))
    op.add_column("journal_entries", sa.Column("member_id", sa.String(40), nullable=True))
    only = sa.text("paid_by IS NOT NULL")
    op.create_index("ix_orders_paid_by", "orders", ["paid_by"], postgresql_where=only, sqlite_where=only)
    op.create_index("ix_bill_lines_paid_by", "bill_lines", ["paid_by", "statement_month"], postgresql_where=only, sqlite_where=only)


def downgrade() -> None:
    op.drop_index("ix_bill_lines_paid_by", "bill_lines")
    op.drop_index("ix_orders_paid_by", "orders")
    with op.batch_alter_table("journal_entries") as batch:
        batch.drop_column("member_id")
    with op.batch_alter_table("bill_lines") as batch:
        batch.drop_column("paid_by")
    with op.batch_alter_table("orders") as batch:
        batch.drop_column("paid_by")
    op.drop_index("ix_account_payers_payer_id", "account_payers")
    op.drop_table("account_payers")
