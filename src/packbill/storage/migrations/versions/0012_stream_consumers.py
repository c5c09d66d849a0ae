"""the usage stream's consumers and what each had left to read (the metrics' consumer lag)

Revision ID: 0012
Revises: 0011
"""
import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "stream_consumers",
        sa.Column("stream", sa.String(64), primary_key=True),
        sa.Column("durable", sa.String(64), primary_key=True),
        sa.Column("pending", sa.BigInteger, nullable=False),
        sa.Column("seen_us", sa.BigInteger, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("stream_consumers")
