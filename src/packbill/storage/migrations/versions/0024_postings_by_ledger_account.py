"""postings indexed by their ledger account: a statement's opening and closing cash read the
postings of its accounts' cash, not every posting ever written

Revision ID: 0024
Revises: 0023
"""
from alembic import op

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_postings_ledger_account", "postings", ["ledger_account"])


def downgrade() -> None:
    op.drop_index("ix_postings_ledger_account", table_name="postings")
