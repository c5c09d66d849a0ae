"""An AI service's day total of calls is limited to 10^12 (domain.limits.MAX_DAY_CALLS)

With 10^17 calls a day allowed, one account could make its pay-as-you-go pass what a 64-bit
column holds within days and stop every settlement run. The day sums of AI services are now
limited like traffic's, with the smaller limit: a CHECK named ``..._day_total_calls`` on
PostgreSQL, and on SQLite (which cannot add a CHECK to a table) triggers that raise the same
``day_total`` refusal intake already turns into ``day_total_too_large``. Rows stored before are
not checked again.

Revision ID: 0013
Revises: 0012
"""
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

CALLS = 10**12  # domain.limits.MAX_DAY_CALLS, as it was when this migration was written
OVER = f"service NOT LIKE 'traffic.%' AND mainland + other > {CALLS}"


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"ALTER TABLE usage_daily ADD CONSTRAINT ck_usage_daily_day_total_calls CHECK (NOT ({OVER})) NOT VALID")
        return
    for action in ("INSERT", "UPDATE"):
        op.execute(f"CREATE TRIGGER usage_daily_day_total_calls_{action.lower()} BEFORE {action} ON usage_daily "
                   f"WHEN NEW.service NOT LIKE 'traffic.%' AND NEW.mainland + NEW.other > {CALLS} "
                   "BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: day_total (calls)'); END")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE usage_daily DROP CONSTRAINT ck_usage_daily_day_total_calls")
        return
    for action in ("insert", "update"):
        op.execute(f"DROP TRIGGER IF EXISTS usage_daily_day_total_calls_{action}")
