"""journal_entries.book_day: the day an entry counts on in the books (SPEC section 8, R21 revenue dates)

Revenue is dated by the usage day it serves: a settlement's pay-as-you-go and recognition entries
are written one per usage day, breakage on the package's or voucher's last day, and an amount of
a month whose statements are final on the first day of the first open month. Entries written
before this migration keep NULL: they count on the Shanghai day of ``at_us`` (the journal is
append-only; its rows are never rewritten).

Revision ID: 0017
Revises: 0016
"""
import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("journal_entries", sa.Column("book_day", sa.Date, nullable=True))
    op.create_index("ix_journal_entries_book_day", "journal_entries", ["book_day"])


def downgrade() -> None:
    raise NotImplementedError("0017 is not undone: restore the backup taken before the upgrade")
