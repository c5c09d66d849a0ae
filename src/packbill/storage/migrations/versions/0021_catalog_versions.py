"""catalog_versions: prices that change, each version with its effective day (R31)

Revision ID: 0021
Revises: 0020
"""
import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "catalog_versions",
        sa.Column("id", sa.String(16), primary_key=True),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("effective_on", sa.Date, nullable=False),
        sa.Column("published_us", sa.BigInteger, nullable=False),
        sa.Column("published_by", sa.String(100), nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("withdrawn_us", sa.BigInteger, nullable=True),
        sa.UniqueConstraint("seq", name="uq_catalog_versions_seq"),
    )


def downgrade() -> None:
    op.drop_table("catalog_versions")
