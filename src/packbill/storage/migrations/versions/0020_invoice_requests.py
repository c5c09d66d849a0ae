"""invoice_titles, invoice_requests: invoices as Chinese companies need them (R33)

Revision ID: 0020
Revises: 0019
"""
import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "invoice_titles",
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
    op.create_table(
        "invoice_requests",
        sa.Column("account_id", sa.String(40), sa.ForeignKey("accounts.id"), primary_key=True),
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("seq", sa.BigInteger, nullable=False),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("title_id", sa.String(40), nullable=True),
        sa.Column("amount_fen", sa.BigInteger, nullable=False),
        sa.Column("net_fen", sa.BigInteger, nullable=False),
        sa.Column("tax_fen", sa.BigInteger, nullable=False),
        sa.Column("rate", sa.String(8), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("number", sa.String(64), nullable=True),
        sa.Column("reason", sa.String(400), nullable=True),
        sa.Column("reverses", sa.String(400), nullable=True),
        sa.Column("requested_us", sa.BigInteger, nullable=False),
        sa.Column("decided_us", sa.BigInteger, nullable=True),
    )
    op.create_index("ix_invoice_requests_status", "invoice_requests", ["status"])


def downgrade() -> None:
    op.drop_index("ix_invoice_requests_status", "invoice_requests")
    op.drop_table("invoice_requests")
    op.drop_table("invoice_titles")
