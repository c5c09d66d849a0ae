"""PostgreSQL: raw usage events partitioned by month, each event id kept once in usage_event_ids

``usage_events`` becomes a table partitioned by range of ``day``, with one partition per month
that has events and a default partition; its primary key is (account_id, event_id, day), as a
partitioned table's keys must hold the partition key. ``usage_event_ids`` (account_id,
event_id) keeps each event id once across months: intake inserts the id first. SQLite is not
changed.

Revision ID: 0011
Revises: 0010
"""
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("CREATE TABLE usage_event_ids (account_id VARCHAR(40) NOT NULL, event_id VARCHAR(128) NOT NULL, "
               "CONSTRAINT pk_usage_event_ids PRIMARY KEY (account_id, event_id))")
    op.execute("INSERT INTO usage_event_ids (account_id, event_id) SELECT account_id, event_id FROM usage_events")
    op.execute("ALTER TABLE usage_events RENAME TO usage_events_unpartitioned")
    op.execute("ALTER TABLE usage_events_unpartitioned RENAME CONSTRAINT pk_usage_events TO pk_usage_events_unpartitioned")
    op.execute("CREATE TABLE usage_events (LIKE usage_events_unpartitioned INCLUDING DEFAULTS INCLUDING CONSTRAINTS) "
               "PARTITION BY RANGE (day)")
    op.execute("ALTER TABLE usage_events ADD CONSTRAINT pk_usage_events PRIMARY KEY (account_id, event_id, day)")
    op.execute("CREATE TABLE usage_events_default PARTITION OF usage_events DEFAULT")
    op.execute("""DO $$ DECLARE m date; BEGIN
        FOR m IN SELECT DISTINCT date_trunc('month', day)::date FROM usage_events_unpartitioned LOOP
            EXECUTE format('CREATE TABLE %I PARTITION OF usage_events FOR VALUES FROM (%L) TO (%L)',
                           'usage_events_y' || to_char(m, 'YYYY') || 'm' || to_char(m, 'MM'), m, (m + interval '1 month')::date);
        END LOOP; END $$""")
    op.execute("INSERT INTO usage_events SELECT * FROM usage_events_unpartitioned")
    op.execute("DROP TABLE usage_events_unpartitioned")


def downgrade() -> None:
    raise NotImplementedError("0011 is not undone: restore the backup taken before the upgrade")
