"""settlement over workers: a run's chunks of accounts, and the moment the run acts at

Revision ID: 0008
Revises: 0007
"""
import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("settlement_runs") as batch:
        batch.add_column(sa.Column("run_at_us", sa.BigInteger, nullable=True))
    op.create_table(
        "settlement_chunks",
        sa.Column("run_id", sa.BigInteger, primary_key=True),
        sa.Column("chunk", sa.Integer, primary_key=True),
        sa.Column("accounts", sa.Text, nullable=False),
        sa.Column("done_us", sa.BigInteger, nullable=True),
        sa.Column("done_by", sa.String(200), nullable=True),
        sa.Column("days", sa.Integer, nullable=False, server_default="0"),
        sa.Column("lines", sa.Integer, nullable=False, server_default="0"),
        sa.Column("failed", sa.Text, nullable=True),
    )


def downgrade() -> None:
    op.drop_table("settlement_chunks")
    with op.batch_alter_table("settlement_runs") as batch:
        batch.drop_column("run_at_us")
