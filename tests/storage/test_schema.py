"""The migrated database matches the schema module, and its constraints back up the engine."""

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.exc import IntegrityError

from packbill.domain.days import to_us
from packbill.services import buy, create_account
from packbill.storage import schema as t
from packbill.storage.db import Database, normalise_url
from packbill.storage.migrate import alembic_config

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


OLD_ROWS = [
    "INSERT INTO accounts (id, name, site, token_hash, created_us) VALUES ('A', 'Old', 'cn', 'h1', 0)",
    "INSERT INTO orders (id, account_id, sku, count, amount_fen, at_us) VALUES ('o1', 'A', 'ai.face.100k', 1, 100, 0)",
    "INSERT INTO packages (id, account_id, order_id, sku, service, size, remaining, price_fen, purchased_us, first_day, last_day) "
    "VALUES ('p1', 'A', 'o1', 'ai.face.100k', 'ai.face', 10, 7, 100, 0, '2027-01-01', '2027-12-31')",
    "INSERT INTO vouchers (id, account_id, amount_fen, remaining_fen, expires_on, granted_us) VALUES ('v1', 'A', 50, 50, '2027-12-31', 0)",
    "INSERT INTO package_vouchers (package_id, voucher_id, amount_fen) VALUES ('p1', 'v1', 10)",
    "INSERT INTO bill_lines (id, account_id, day, service, quantity, payg_quantity, amount_fen, supplement, run_id) "
    "VALUES (5, 'A', '2027-01-02', 'ai.face', 3, 0, 0, false, 1)",
    "INSERT INTO draws (line_id, account_id, package_id, day, service, quantity, run_id) VALUES (5, 'A', 'p1', '2027-01-02', 'ai.face', 3, 1)",
    "INSERT INTO line_vouchers (line_id, voucher_id, amount_fen) VALUES (5, 'v1', 0)",
    "INSERT INTO journal_entries (id, account_id, at_us, kind, ref) VALUES (9, 'A', 0, 'purchase', 'o1')",
    "INSERT INTO postings (entry_id, ledger_account, amount_fen) VALUES (9, 'cash:A', -100), (9, 'deferred:p1', 100)",
    "INSERT INTO outbox (id, at_us, account_id, type, payload, once, fanned_out) VALUES "
    "('evt_a', 0, 'A', 'package.bought', '{}', NULL, true), ('evt_op', 0, NULL, 'statement.final', '{}', 'm1', true)",
    "INSERT INTO audit_records (at_us, actor, role, via, action, target, account_id, parameters, outcome) VALUES "
    "(0, 'bootstrap', 'admin', 'api', 'account.create', 'A', 'A', '{}', 'ok'), (0, 'bootstrap', 'admin', 'api', 'key.create', 'k', NULL, '{}', 'ok')",
    "INSERT INTO webhook_endpoints (id, url, secret, created_us, created_by) VALUES ('whk_1', 'https://x.example', 's', 0, 'bootstrap')",
    "INSERT INTO webhook_deliveries (endpoint_id, event_id, status, attempts, created_us) VALUES "
    "('whk_1', 'evt_a', 'delivered', 1, 0), ('whk_1', 'evt_op', 'pending', 0, 0)",
    "INSERT INTO webhook_attempts (delivery_id, at_us, ms) SELECT id, 0, 5 FROM webhook_deliveries",
]


def test_a_database_with_rows_upgrades_to_keys_by_account(db_url):
    """A database at 0009 with rows in every table that gains or changes a key: the upgrade fills
    in each row's account from the row it belongs to, gives the operator's rows the account '',
    keeps every row and link, and the append-only guards stay."""
    engine = sa.create_engine(normalise_url(db_url))
    if engine.dialect.name == "postgresql":  # the fixture's database is migrated already: start again
        with engine.begin() as conn:
            conn.execute(sa.text("DROP SCHEMA public CASCADE"))
            conn.execute(sa.text("CREATE SCHEMA public"))
    with engine.connect() as conn:
        command.upgrade(alembic_config(conn), "0009")
        for statement in OLD_ROWS:
            conn.execute(sa.text(statement))
        conn.commit()
    engine.dispose()
    db = Database(db_url)
    with db.read() as conn:
        def rows(sql):
            return [tuple(r) for r in conn.execute(sa.text(sql))]

        assert rows("SELECT account_id, entry_id, amount_fen FROM postings ORDER BY amount_fen") == [("A", 9, -100), ("A", 9, 100)]
        assert rows("SELECT account_id FROM line_vouchers") == [("A",)] == rows("SELECT account_id FROM package_vouchers")
        assert rows("SELECT account_id, event_id FROM webhook_deliveries ORDER BY event_id") == [("A", "evt_a"), ("", "evt_op")]
        assert sorted(rows("SELECT account_id FROM webhook_attempts")) == [("",), ("A",)]
        assert rows("SELECT id, account_id FROM outbox ORDER BY id") == [("evt_a", "A"), ("evt_op", "")]
        assert rows("SELECT action, account_id FROM audit_records ORDER BY action") == [("account.create", "A"), ("key.create", "")]
        assert rows("SELECT package_id, line_id FROM draws") == [("p1", 5)]
    with pytest.raises(Exception, match="append-only"):
        with db.write() as conn:
            conn.execute(sa.text("UPDATE postings SET amount_fen = 0"))
    db.dispose()
