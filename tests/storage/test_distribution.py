"""Ready for Citus: read the migrated PostgreSQL schema and prove that every table that grows
with usage can be distributed by its account (``storage/distribution.py``, ``docs/scale.md``)."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from packbill.storage import distribution
from packbill.storage import schema as t
from packbill.storage.db import Database, normalise_url

from ..conftest import new_pg_database

pytestmark = pytest.mark.postgres

DOCS = Path(__file__).resolve().parents[2] / "docs" / "scale.md"


def problems(engine: sa.Engine, distributed: dict[str, str], reference: frozenset[str]) -> list[str]:
    """Everything in the database's schema that Citus would refuse, or that would break the
    rule that one account's rows live together."""
    found: list[str] = []
    inspector = sa.inspect(engine)
    for table in inspector.get_table_names():
        if table == "alembic_version" or t.PARTITION.fullmatch(table):
            continue  # Citus distributes a partitioned table's partitions with it
        if (table in distributed) == (table in reference):
            found.append(f"{table}: neither distributed nor reference (or both)")
            continue
        foreign_keys = inspector.get_foreign_keys(table)
        if table in reference:
            found += [f"{table}: a reference table links to the distributed {fk['referred_table']}"
                      for fk in foreign_keys if fk["referred_table"] not in reference]
            continue
        column = distributed[table]
        columns = {c["name"]: c for c in inspector.get_columns(table)}
        if column not in columns:
            found.append(f"{table}: no column {column}")
            continue
        if columns[column]["nullable"]:
            found.append(f"{table}: {column} may be NULL")
        primary = inspector.get_pk_constraint(table)["constrained_columns"]
        if primary and column not in primary:  # no key at all (usage_unsummed, append-only): nothing to hold across nodes
            found.append(f"{table}: primary key {primary} lacks {column}")
        uniques = [u["column_names"] for u in inspector.get_unique_constraints(table)]
        uniques += [i["column_names"] for i in inspector.get_indexes(table) if i["unique"]]
        found += [f"{table}: unique key {u} lacks {column}" for u in uniques if column not in u]
        for fk in foreign_keys:
            parent = fk["referred_table"]
            if parent in reference:
                continue
            pairs = dict(zip(fk["constrained_columns"], fk["referred_columns"], strict=False))
            if pairs.get(column) != distributed.get(parent):
                found.append(f"{table}: link {fk['constrained_columns']} -> {parent}{fk['referred_columns']} leaves the account")
    return found


@pytest.fixture
def pg_engine(pg_template):
    url, drop = new_pg_database(pg_template)
    Database(url).dispose()
    engine = sa.create_engine(normalise_url(url))
    yield engine
    engine.dispose()
    drop()


def test_every_table_is_distributed_by_its_account_or_is_a_reference_table(pg_engine):
    assert problems(pg_engine, distribution.DISTRIBUTED, distribution.REFERENCE) == []


def test_the_check_finds_what_citus_would_refuse(pg_engine):
    """The check is not vacuous: tables keyed the old way, a link across accounts and an
    unclassified table are each found."""
    with pg_engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE old_lines (id bigserial PRIMARY KEY, account_id varchar(40) NOT NULL, "
                             "number text UNIQUE)"))
        conn.execute(sa.text("CREATE TABLE old_draws (id bigserial, account_id varchar(40), line_id bigint REFERENCES old_lines (id), "
                             "PRIMARY KEY (id))"))
        conn.execute(sa.text("CREATE TABLE stray (x int)"))
    plan = {**distribution.DISTRIBUTED, "old_lines": "account_id", "old_draws": "account_id"}
    found = problems(pg_engine, plan, distribution.REFERENCE)
    assert "old_lines: primary key ['id'] lacks account_id" in found
    assert "old_lines: unique key ['number'] lacks account_id" in found
    assert "old_draws: account_id may be NULL" in found
    assert "old_draws: link ['line_id'] -> old_lines['id'] leaves the account" in found
    assert "stray: neither distributed nor reference (or both)" in found


def test_the_schema_module_declares_the_same_keys():
    """``schema.py`` is the PostgreSQL truth: each distributed table's declared primary key and
    unique keys hold its distribution column too, and every table is in the plan."""
    tables = {**t.metadata.tables, **t.postgres_only.tables}
    assert set(tables) == set(distribution.DISTRIBUTED) | distribution.REFERENCE
    for name, column in distribution.DISTRIBUTED.items():
        table = tables[name]
        assert column in table.primary_key.columns or not table.primary_key.columns, name
        for constraint in table.constraints:
            if isinstance(constraint, sa.UniqueConstraint):
                assert column in constraint.columns, (name, constraint.name)


def test_the_documented_statements_are_the_plan():
    """docs/scale.md shows the statements ``packbill citus`` prints, every one of them."""
    text = DOCS.read_text(encoding="utf-8")
    for statement in distribution.statements():
        assert statement in text
    assert len(distribution.statements()) == len(t.metadata.tables) + len(t.postgres_only.tables)


def test_a_table_is_distributed_after_the_tables_it_links_to():
    """Citus distributes a table only once the tables its foreign keys name are distributed."""
    order = {s.split("'")[1]: i for i, s in enumerate(distribution.statements())}
    for table in t.metadata.tables.values():
        for fk in table.foreign_keys:
            assert order[fk.column.table.name] < order[table.name], (table.name, fk.column.table.name)
