"""PostgreSQL: raw usage events partitioned by month, each event id kept once across months."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa
from alembic import command

from packbill import services
from packbill.domain.catalog import load_catalog
from packbill.domain.errors import InvalidUsage
from packbill.services import Context
from packbill.storage import partitions
from packbill.storage.db import Database, normalise_url
from packbill.storage.migrate import alembic_config

from ..conftest import FIXED_NOW, new_pg_database

pytestmark = pytest.mark.postgres


def event(event_id: str, when: str, quantity: int = 5) -> dict:
    return {"event_id": event_id, "service": "ai.face", "quantity": quantity, "region": "ap-beijing", "timestamp": when}


def placement(ctx: Context) -> dict[str, int]:
    """Rows per partition of usage_events."""
    with ctx.db.read() as conn:
        return dict(conn.execute(sa.text("SELECT tableoid::regclass::text, count(*) FROM usage_events GROUP BY 1")).all())


@pytest.mark.parametrize("db_url", ["postgres"], indirect=True)
def test_events_are_kept_in_their_months_partition_and_each_id_once(ctx):
    a = services.create_account(ctx, "Parts", "cn")[0].id
    services.ingest(ctx, a, [event("e1", "2027-04-30T23:59:00+08:00"), event("e2", "2027-05-01T00:00:00+08:00")])
    assert placement(ctx) == {"usage_events_default": 2}  # no partition yet: the default keeps them

    made = ctx.prepare_partitions()  # the clock says June 2027: June and July, and the months waiting in default
    assert made == [date(2027, 4, 1), date(2027, 5, 1), date(2027, 6, 1), date(2027, 7, 1)]
    assert placement(ctx) == {"usage_events_y2027m04": 1, "usage_events_y2027m05": 1}
    assert ctx.prepare_partitions() == []

    services.ingest(ctx, a, [event("e3", "2027-05-31T10:00:00+08:00")])
    assert placement(ctx)["usage_events_y2027m05"] == 2

    # a retry in any month is a duplicate; the same id with another day is refused, never stored twice
    assert services.ingest(ctx, a, [event("e1", "2027-04-30T23:59:00+08:00")]).duplicates == 1
    with pytest.raises(InvalidUsage) as refused:
        services.ingest(ctx, a, [event("e1", "2027-05-30T10:00:00+08:00")])
    assert refused.value.details[0]["reason"] == "conflicting_duplicate"
    with pytest.raises(InvalidUsage):
        services.ingest(ctx, a, [event("e4", "2027-05-02T10:00:00+08:00"), event("e2", "2027-06-01T10:00:00+08:00")])
    assert sum(placement(ctx).values()) == 3
    services.sum_pending(ctx)
    with ctx.db.read() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM usage_event_ids")).scalar_one() == 3
        daily = conn.execute(sa.text("SELECT sum(mainland) FROM usage_daily")).scalar_one()
    assert daily == 15


def test_an_existing_database_is_partitioned_by_the_upgrade(pg_template):
    """A database at 0010 with events of two months: 0011 moves them into partitions, keeps each
    id, and intake goes on."""
    url, drop = new_pg_database(pg_template)
    try:
        engine = sa.create_engine(normalise_url(url))
        with engine.begin() as conn:
            conn.execute(sa.text("DROP SCHEMA public CASCADE"))
            conn.execute(sa.text("CREATE SCHEMA public"))
        with engine.connect() as conn:
            command.upgrade(alembic_config(conn), "0010")
            conn.commit()
        engine.dispose()
        ctx = Context(Database(url, migrate=False), load_catalog(), lambda: FIXED_NOW)
        a = services.create_account(ctx, "Old", "cn")[0].id
        with ctx.db.write() as conn:
            conn.execute(sa.text(
                'INSERT INTO usage_events (account_id, event_id, service, quantity, region, ts_us, day, "window", mainland) VALUES '
                "(:a, 'x1', 'ai.face', 3, 'ap-beijing', 0, '2027-02-10', 0, true), "
                "(:a, 'x2', 'ai.face', 4, 'ap-beijing', 0, '2027-03-10', 0, true)"), {"a": a})
        ctx.close()
        ctx = Context(Database(url), load_catalog(), lambda: FIXED_NOW)  # upgrades to the newest
        assert placement(ctx) == {"usage_events_y2027m02": 1, "usage_events_y2027m03": 1}
        with ctx.db.read() as conn:
            assert sorted(conn.execute(sa.text("SELECT event_id FROM usage_event_ids")).scalars()) == ["x1", "x2"]
        with pytest.raises(InvalidUsage):  # x1 is known whatever month it claims now
            services.ingest(ctx, a, [event("x1", "2027-05-10T10:00:00+08:00")])
        ctx.close()
    finally:
        drop()


@pytest.mark.parametrize("db_url", ["postgres"], indirect=True)
def test_drop_removes_only_that_month(ctx):
    with ctx.db.write() as conn:
        partitions.ensure(conn, {date(2027, 1, 1), date(2027, 2, 1)})
    with ctx.db.write() as conn:
        assert partitions.drop(conn, date(2027, 1, 15))
        assert not partitions.drop(conn, date(2027, 1, 1))
        assert date(2027, 2, 1) in partitions.months(conn) and date(2027, 1, 1) not in partitions.months(conn)


@pytest.mark.parametrize("db_url", ["postgres"], indirect=True)
def test_a_failed_preparation_leaves_the_events_where_they_are(ctx, monkeypatch, caplog):
    """Moving a month out of the default partition can fail (rows of it arriving at that moment):
    the start or the daily run goes on, says so, and the next one tries again."""
    a = services.create_account(ctx, "Busy", "cn")[0].id
    services.ingest(ctx, a, [event("b1", "2027-02-10T10:00:00+08:00")])

    def refuse(conn, wanted=frozenset()):
        raise RuntimeError("updated partition constraint for default partition would be violated")

    monkeypatch.setattr(partitions, "ensure", refuse)
    assert ctx.prepare_partitions() == []
    assert "were not made this time" in caplog.text
    assert placement(ctx) == {"usage_events_default": 1}
    monkeypatch.undo()
    assert date(2027, 2, 1) in ctx.prepare_partitions()
    assert placement(ctx) == {"usage_events_y2027m02": 1}


@pytest.mark.unsound_books  # the racing row is written straight into the table, without its day sums
@pytest.mark.parametrize("db_url", ["postgres"], indirect=True)
def test_a_row_of_the_month_arriving_during_the_move_waits_and_lands_in_its_partition(ctx, db_url):
    """Issue 27: a start failed ("the usage partitions were not made") while rows of a backfilled
    month kept arriving in the default partition: a row committed between the move and the attach
    made the attach fail. The default partition is now locked for the move: the row waits, then
    lands in the month's new partition."""
    import threading

    a = services.create_account(ctx, "Backfill", "cn")[0].id
    services.ingest(ctx, a, [event("m1", "2027-02-10T10:00:00+08:00")])
    racer = sa.create_engine(normalise_url(db_url))
    done = threading.Event()

    failed: list = []

    def insert_a_row_of_february():
        try:
            with racer.begin() as conn:
                conn.execute(sa.text("INSERT INTO usage_events (account_id, event_id, service, quantity, region, ts_us, day) "
                                     "VALUES (:a, 'race', 'ai.face', 1, 'ap-beijing', 0, '2027-02-11')"), {"a": a})
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            failed.append(exc)
        done.set()

    class Racing:
        """The connection ``ensure`` works on; right after the move, another process writes a row of the month."""

        def __init__(self, conn):
            self.conn = conn

        def __getattr__(self, name):
            return getattr(self.conn, name)

        def execute(self, statement, *args, **kw):
            result = self.conn.execute(statement, *args, **kw)
            if "DELETE FROM usage_events_default" in str(statement):
                threading.Thread(target=insert_a_row_of_february, daemon=True).start()
                done.wait(1.0)  # without the lock it commits here, before the attach
            return result

    with ctx.db.write() as conn:
        made = partitions.ensure(Racing(conn), set())
    assert done.wait(30) and not failed, failed
    racer.dispose()
    assert date(2027, 2, 1) in made
    assert placement(ctx) == {"usage_events_y2027m02": 2}
