"""usage_unsummed and usage_bounds: intake stores events, the sums are made in batches (issue 26)

Revision ID: 0023
Revises: 0022
"""
import sqlalchemy as sa
from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "usage_unsummed",
        sa.Column("account_id", sa.String(40), nullable=False),
        sa.Column("day", sa.Date, nullable=False),
        sa.Column("service", sa.String(32), nullable=False),
        sa.Column("window", sa.SmallInteger, nullable=False),
        sa.Column("mainland", sa.BigInteger, nullable=False),
        sa.Column("other", sa.BigInteger, nullable=False),
    )
    bounds = op.create_table(
        "usage_bounds",
        sa.Column("kind", sa.String(8), primary_key=True),
        sa.Column("unsummed", sa.BigInteger, nullable=False),
        sa.Column("largest", sa.BigInteger, nullable=False),
    )
    conn = op.get_bind()
    largest = {}
    for kind, test in (("bytes", "service LIKE 'traffic.%'"), ("calls", "service NOT LIKE 'traffic.%'")):
        largest[kind] = conn.execute(sa.text(f"SELECT coalesce(max(mainland + other), 0) FROM usage_daily WHERE {test}")).scalar_one()
    op.bulk_insert(bounds, [{"kind": kind, "unsummed": 0, "largest": int(value)} for kind, value in sorted(largest.items())])


def downgrade() -> None:
    op.drop_table("usage_bounds")
    op.drop_table("usage_unsummed")
