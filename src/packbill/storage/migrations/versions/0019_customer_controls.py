"""auto_rebuy_rules, auto_rebuys, spend_limits: the customer's controls (R28, R30)

auto_rebuy_rules: a service's auto-rebuy rule (R28). auto_rebuys: one row per trigger acted on
(its key is the trigger: the package whose exhaustion or coming expiry it is), holding the order
it bought or the last refusal; the primary key makes a trigger buy at most once. spend_limits:
the monthly budget (scope '*') and the per-service pay-as-you-go caps (scope: the service) (R30).

Revision ID: 0019
Revises: 0018
"""
import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "auto_rebuy_rules",
        sa.Column("account_id", sa.String(40), sa.ForeignKey("accounts.id"), primary_key=True),
        sa.Column("service", sa.String(32), primary_key=True),
        sa.Column("sku", sa.String(64), nullable=False),
        sa.Column("trigger", sa.String(16), nullable=False),
        sa.Column("days_before", sa.Integer, nullable=True),
        sa.Column("monthly_cap_fen", sa.BigInteger, nullable=False),
        sa.Column("set_us", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "auto_rebuys",
        sa.Column("account_id", sa.String(40), sa.ForeignKey("accounts.id"), primary_key=True),
        sa.Column("service", sa.String(32), primary_key=True),
        sa.Column("trigger_key", sa.String(80), primary_key=True),
        sa.Column("order_id", sa.String(40), nullable=True),
        sa.Column("amount_fen", sa.BigInteger, nullable=True),
        sa.Column("month", sa.Date, nullable=True),
        sa.Column("tried_on", sa.Date, nullable=False),
        sa.Column("refusal", sa.String(40), nullable=True),
    )
    op.create_table(
        "spend_limits",
        sa.Column("account_id", sa.String(40), sa.ForeignKey("accounts.id"), primary_key=True),
        sa.Column("scope", sa.String(32), primary_key=True),
        sa.Column("monthly_fen", sa.BigInteger, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("spend_limits")
    op.drop_table("auto_rebuys")
    op.drop_table("auto_rebuy_rules")
