"""journal_entries.statement_month and orders.statement_month: money stated inside a final month

A top-up, adjustment, purchase or refund whose ``at`` falls in a month whose statements are
already final belongs on the first open month's statement (SPEC section 8, "late money"), as
late usage does. The month is kept with the row when it differs from the month of ``at``
(NULL: the month of ``at``). SQLite adds the columns in place, so the journal's append-only
triggers stay.

Revision ID: 0016
Revises: 0015
"""
import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("journal_entries", sa.Column("statement_month", sa.Date, nullable=True))
    op.add_column("orders", sa.Column("statement_month", sa.Date, nullable=True))


def downgrade() -> None:
    raise NotImplementedError("0016 is not undone: restore the backup taken before the upgrade")
