"""books: the journal made append-only, recognition and breakage marks, statements, invoices

- journal_entries and postings refuse UPDATE and DELETE (a trigger on each, both databases): a
  correction is a new entry (R21).
- packages.closed_us / vouchers.closed_us: when the remainder's breakage was posted (R9, R21).
- bill_lines.other_quantity: the part of a line's usage from outside mainland China (R1, R22);
  bill_lines.statement_month: the statement the line belongs to (R22: its day's month, or for
  usage that arrived after that month's statement was final, the first month still open).
- statement_months: the months whose statements are final; statements: the frozen statements;
  invoices: the invoices the operator recorded (R22).

Revision ID: 0006
Revises: 0005
"""
import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
APPEND_ONLY = ("journal_entries", "postings")


def upgrade() -> None:
    with op.batch_alter_table("packages") as batch:
        batch.add_column(sa.Column("closed_us", sa.BigInteger, nullable=True))
    with op.batch_alter_table("vouchers") as batch:
        batch.add_column(sa.Column("closed_us", sa.BigInteger, nullable=True))
    with op.batch_alter_table("bill_lines") as batch:
        batch.add_column(sa.Column("other_quantity", sa.BigInteger, nullable=False, server_default="0"))
        batch.add_column(sa.Column("statement_month", sa.Date, nullable=True))
    month_of_day = "date_trunc('month', day)::date" if op.get_bind().dialect.name == "postgresql" else "date(day, 'start of month')"
    op.execute(f"UPDATE bill_lines SET statement_month = {month_of_day}")
    op.create_index("ix_bill_lines_account_statement", "bill_lines", ["account_id", "statement_month"])
    op.create_index("ix_journal_entries_at_us", "journal_entries", ["at_us"])
    op.create_table(
        "statement_months",
        sa.Column("month", sa.Date, primary_key=True),
        sa.Column("finalised_us", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "statements",
        sa.Column("account_id", sa.String(40), primary_key=True),
        sa.Column("month", sa.Date, primary_key=True),
        sa.Column("number", sa.String(40), nullable=False, unique=True),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("finalised_us", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "invoices",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("account_id", sa.String(40), sa.ForeignKey("accounts.id", name="fk_invoices_account_id_accounts"), nullable=False,
                  index=True),
        sa.Column("number", sa.String(64), nullable=False, unique=True),
        sa.Column("amount_fen", sa.BigInteger, nullable=False),
        sa.Column("at_us", sa.BigInteger, nullable=False),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute("""CREATE FUNCTION packbill_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN RAISE EXCEPTION 'the journal is append-only: % on % is refused (post a correcting entry)', TG_OP, TG_TABLE_NAME;
            END $$""")
        for table in APPEND_ONLY:
            op.execute(f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                       "FOR EACH ROW EXECUTE FUNCTION packbill_append_only()")
    else:
        for table in APPEND_ONLY:
            for action in ("UPDATE", "DELETE"):
                op.execute(f"CREATE TRIGGER {table}_no_{action.lower()} BEFORE {action} ON {table} "
                           f"BEGIN SELECT RAISE(ABORT, 'the journal is append-only: {action} on {table} is refused'); END")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in APPEND_ONLY:
            op.execute(f"DROP TRIGGER {table}_append_only ON {table}")
        op.execute("DROP FUNCTION packbill_append_only()")
    else:
        for table in APPEND_ONLY:
            for action in ("update", "delete"):
                op.execute(f"DROP TRIGGER {table}_no_{action}")
    op.drop_table("invoices")
    op.drop_table("statements")
    op.drop_table("statement_months")
    op.drop_index("ix_journal_entries_at_us", "journal_entries")
    op.drop_index("ix_bill_lines_account_statement", "bill_lines")
    with op.batch_alter_table("bill_lines") as batch:
        batch.drop_column("statement_month")
        batch.drop_column("other_quantity")
    with op.batch_alter_table("vouchers") as batch:
        batch.drop_column("closed_us")
    with op.batch_alter_table("packages") as batch:
        batch.drop_column("closed_us")
