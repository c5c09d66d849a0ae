"""exact bandwidth peaks, run heartbeats and failures, the day-total limit

- bandwidth_billed.peak_bytes: the exact peak window (R8); rows written before hold only the
  rounded bit/s, turned back into bytes (bps x 300 / 8, rounded up).
- settlement_runs.heartbeat_us and .failed, settlement_failures: abandoned runs can be told
  from running ones, and accounts that could not be settled are named.
- usage_daily CHECK (mainland + other <= 10^17): the database's backstop for the intake limit.

Revision ID: 0004
Revises: 0003
"""
import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

DAY_TOTAL = "mainland + other <= 100000000000000000"


def upgrade() -> None:
    with op.batch_alter_table("bandwidth_billed") as batch:
        batch.add_column(sa.Column("peak_bytes", sa.BigInteger, nullable=False, server_default="0"))
    op.execute("UPDATE bandwidth_billed SET peak_bytes = (peak_bps * 300 + 7) / 8")
    with op.batch_alter_table("settlement_runs") as batch:
        batch.add_column(sa.Column("heartbeat_us", sa.BigInteger, nullable=True))
        batch.add_column(sa.Column("failed", sa.Integer, nullable=False, server_default="0"))
    op.execute("UPDATE settlement_runs SET heartbeat_us = coalesce(finished_us, started_us)")
    op.create_table(
        "settlement_failures",
        sa.Column("run_id", sa.BigInteger, nullable=False),
        sa.Column("account_id", sa.String(40), nullable=False),
        sa.Column("reason", sa.String(400), nullable=False),
        sa.PrimaryKeyConstraint("run_id", "account_id", name="pk_settlement_failures"),
    )
    if op.get_bind().dialect.name == "sqlite":
        with op.batch_alter_table("usage_daily", recreate="always", table_kwargs={"sqlite_with_rowid": False}) as batch:
            batch.create_check_constraint("ck_usage_daily_day_total", DAY_TOTAL)
    else:
        op.create_check_constraint("ck_usage_daily_day_total", "usage_daily", DAY_TOTAL)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        with op.batch_alter_table("usage_daily", recreate="always", table_kwargs={"sqlite_with_rowid": False}) as batch:
            batch.drop_constraint("ck_usage_daily_day_total", type_="check")
    else:
        op.drop_constraint("ck_usage_daily_day_total", "usage_daily", type_="check")
    op.drop_table("settlement_failures")
    with op.batch_alter_table("settlement_runs") as batch:
        batch.drop_column("failed")
        batch.drop_column("heartbeat_us")
    with op.batch_alter_table("bandwidth_billed") as batch:
        batch.drop_column("peak_bytes")
