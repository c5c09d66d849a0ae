"""The migrated database matches the schema module, and its constraints back up the engine."""

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.exc import IntegrityError

from packbill.services import buy, create_account
from packbill.storage import schema as t
from packbill.storage.db import Database
from packbill.domain.days import to_us

from ..helpers import t as at


def test_migrations_produce_the_schema(db_url):
    db = Database(db_url)
    def ours(obj, name, kind, reflected, compare_to) -> bool:
        """The partitions and usage_event_ids are PostgreSQL's alone (checked in test_partitions)."""
        return not (kind == "table" and (name in t.postgres_only.tables or t.PARTITION.fullmatch(name)))

    with db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"include_object": ours}), t.metadata)
    db.dispose()
    assert diff == []


def test_migrating_twice_is_harmless(db_url):
    Database(db_url).dispose()
    Database(db_url).dispose()


def test_database_refuses_negative_remaining(ctx):
    account, _ = create_account(ctx, "A", "cn")
    package = buy(ctx, account.id, "ai.face.100k", at=at("2026-11-01 09:00")).packages[0]
    with pytest.raises(IntegrityError):
        with ctx.db.write() as conn:
            conn.execute(sa.update(t.packages).where(t.packages.c.id == package.id).values(remaining=-1))
    with pytest.raises(IntegrityError):
        with ctx.db.write() as conn:
            conn.execute(sa.update(t.packages).where(t.packages.c.id == package.id).values(remaining=package.size + 1))


@pytest.mark.unsound_books  # an event written without its day sums, on purpose
def test_database_refuses_a_second_copy_of_an_event(ctx):
    account, _ = create_account(ctx, "A", "cn")
    row = dict(account_id=account.id, event_id="e1", service="ai.face", quantity=1, region="ap-beijing",
               ts_us=to_us(at("2026-11-01 09:00")), day=at("2026-11-01 09:00").date())
    with ctx.db.write() as conn:
        conn.execute(sa.insert(t.usage_events).values(**row))
    with pytest.raises(IntegrityError):
        with ctx.db.write() as conn:
            conn.execute(sa.insert(t.usage_events).values(**row))
