"""usage events keep their 5-minute window and region class

Revision ID: 0002
Revises: 0001
"""
from alembic import op
import sqlalchemy as sa

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("usage_events") as batch:
        batch.add_column(sa.Column("window", sa.SmallInteger(), server_default="0", nullable=False))
        batch.add_column(sa.Column("mainland", sa.Boolean(), server_default=sa.true(), nullable=False))
    # Events stored before this revision were already added to the day and window sums at intake;
    # the new columns only serve the bulk intake of new events. Their window is still filled in
    # (Asia/Shanghai has kept UTC+8 since 1991); their region class is not needed again.
    op.execute(
        "UPDATE usage_events SET \"window\" = ((ts_us / 1000000 + 28800) % 86400) / 300"
    )


def downgrade() -> None:
    with op.batch_alter_table("usage_events") as batch:
        batch.drop_column("mainland")
        batch.drop_column("window")
