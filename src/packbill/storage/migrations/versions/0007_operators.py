"""operators, audit trail, notifications, schedule (R24, R25, R26)

- operator_keys: named operator keys with a role, stored hashed, revocable (R24).
- audit_records: every change of state and every refused attempt, append-only (R24).
- outbox: the events, written in the transaction of their change; webhook_endpoints,
  webhook_deliveries, webhook_attempts: their delivery and its log; message_reads: how far a
  customer has read its messages (R25).
- schedule_runs: the built-in daily settlement, one winner per day.

Revision ID: 0007
Revises: 0006
"""
import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "operator_keys",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("created_us", sa.BigInteger, nullable=False),
        sa.Column("created_by", sa.String(80), nullable=False),
        sa.Column("revoked_us", sa.BigInteger, nullable=True),
        sa.CheckConstraint("role IN ('admin', 'finance', 'support', 'metering')", name="role"),
    )
    op.create_table(
        "audit_records",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("at_us", sa.BigInteger, nullable=False, index=True),
        sa.Column("actor", sa.String(80), nullable=False, index=True),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("via", sa.String(16), nullable=False),
        sa.Column("action", sa.String(40), nullable=False),
        sa.Column("target", sa.String(200), nullable=True),
        sa.Column("account_id", sa.String(40), nullable=True, index=True),
        sa.Column("parameters", sa.Text, nullable=False),
        sa.Column("outcome", sa.String(40), nullable=False),
        sa.Column("detail", sa.String(400), nullable=True),
    )
    op.create_table(
        "outbox",
        sa.Column("seq", BigId, primary_key=True, autoincrement=True),
        sa.Column("id", sa.String(40), nullable=False, unique=True),
        sa.Column("at_us", sa.BigInteger, nullable=False),
        sa.Column("account_id", sa.String(40), nullable=True, index=True),
        sa.Column("type", sa.String(40), nullable=False),
        sa.Column("payload", sa.Text, nullable=False),
        sa.Column("once", sa.String(200), nullable=True, unique=True),
        sa.Column("fanned_out", sa.Boolean, nullable=False, server_default=sa.false()),
    )
    op.create_table(
        "webhook_endpoints",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("url", sa.String(2000), nullable=False),
        sa.Column("secret", sa.String(80), nullable=False),
        sa.Column("events", sa.Text, nullable=True),
        sa.Column("account_id", sa.String(40), nullable=True, index=True),
        sa.Column("created_us", sa.BigInteger, nullable=False),
        sa.Column("created_by", sa.String(80), nullable=False),
        sa.Column("failing_since_us", sa.BigInteger, nullable=True),
        sa.Column("disabled_us", sa.BigInteger, nullable=True),
        sa.Column("deleted_us", sa.BigInteger, nullable=True),
    )
    op.create_table(
        "webhook_deliveries",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("endpoint_id", sa.String(40), nullable=False),
        sa.Column("event_id", sa.String(40), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("next_us", sa.BigInteger, nullable=True),
        sa.Column("created_us", sa.BigInteger, nullable=False),
        sa.Column("last_us", sa.BigInteger, nullable=True),
        sa.Column("last_code", sa.Integer, nullable=True),
        sa.Column("last_error", sa.String(400), nullable=True),
        sa.UniqueConstraint("endpoint_id", "event_id"),
        sa.Index("ix_webhook_deliveries_status_next", "status", "next_us"),
    )
    op.create_table(
        "webhook_attempts",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("delivery_id", sa.BigInteger, nullable=False, index=True),
        sa.Column("at_us", sa.BigInteger, nullable=False),
        sa.Column("code", sa.Integer, nullable=True),
        sa.Column("error", sa.String(400), nullable=True),
        sa.Column("ms", sa.Integer, nullable=False),
    )
    op.create_table(
        "message_reads",
        sa.Column("account_id", sa.String(40), primary_key=True),
        sa.Column("read_seq", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "schedule_runs",
        sa.Column("day", sa.Date, primary_key=True),
        sa.Column("claimed_us", sa.BigInteger, nullable=False),
        sa.Column("claimed_by", sa.String(200), nullable=False),
        sa.Column("finished_us", sa.BigInteger, nullable=True),
        sa.Column("through", sa.Date, nullable=True),
        sa.Column("days", sa.Integer, nullable=True),
        sa.Column("lines", sa.Integer, nullable=True),
        sa.Column("error", sa.String(400), nullable=True),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE TRIGGER audit_records_append_only BEFORE UPDATE OR DELETE ON audit_records "
                   "FOR EACH ROW EXECUTE FUNCTION packbill_append_only()")
    else:
        for action in ("UPDATE", "DELETE"):
            op.execute(f"CREATE TRIGGER audit_records_no_{action.lower()} BEFORE {action} ON audit_records "
                       f"BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only: {action} on audit_records is refused'); END")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER audit_records_append_only ON audit_records")
    else:
        for action in ("update", "delete"):
            op.execute(f"DROP TRIGGER audit_records_no_{action}")
    op.drop_table("schedule_runs")
    op.drop_table("message_reads")
    op.drop_table("webhook_attempts")
    op.drop_table("webhook_deliveries")
    op.drop_table("webhook_endpoints")
    op.drop_table("outbox")
    op.drop_table("audit_records")
    op.drop_table("operator_keys")
