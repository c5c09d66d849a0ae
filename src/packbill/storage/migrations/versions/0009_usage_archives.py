"""archives of raw usage events (R23): the months archived, and what each holds

Revision ID: 0009
Revises: 0008
"""
import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "usage_archives",
        sa.Column("month", sa.Date, primary_key=True),
        sa.Column("path", sa.String(2000), nullable=False),
        sa.Column("rows", sa.BigInteger, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("archived_us", sa.BigInteger, nullable=False),
        sa.Column("restored_us", sa.BigInteger, nullable=True),
    )
    op.create_table(
        "usage_archive_sums",
        sa.Column("month", sa.Date, primary_key=True),
        sa.Column("account_id", sa.String(40), primary_key=True),
        sa.Column("day", sa.Date, primary_key=True),
        sa.Column("service", sa.String(32), primary_key=True),
        sa.Column("events", sa.BigInteger, nullable=False),
        sa.Column("mainland", sa.BigInteger, nullable=False),
        sa.Column("other", sa.BigInteger, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("usage_archive_sums")
    op.drop_table("usage_archives")
