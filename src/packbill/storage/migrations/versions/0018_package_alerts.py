"""package_alerts: a customer's package alert threshold per service (R29)

No row: the default threshold (20 %); a row with NULL: the alert is off.

Revision ID: 0018
Revises: 0017
"""
import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "package_alerts",
        sa.Column("account_id", sa.String(40), sa.ForeignKey("accounts.id"), primary_key=True),
        sa.Column("service", sa.String(32), primary_key=True),
        sa.Column("threshold_percent", sa.Integer, nullable=True),
    )


def downgrade() -> None:
    op.drop_table("package_alerts")
