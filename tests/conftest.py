"""Database fixtures: every storage, API and scenario test runs on SQLite and on PostgreSQL.

PostgreSQL tests: PACKBILL_TEST_PG=1 (or CI=true) requires them and fails when the server is
unreachable; PACKBILL_TEST_PG=0 skips them; unset, they run when the server answers.
PACKBILL_TEST_PG_URL names the server (default postgresql://postgres@127.0.0.1:5432/postgres).
"""

from __future__ import annotations

import os
import uuid
from datetime import datetime

import pytest
import sqlalchemy as sa

from packbill.domain.catalog import load_catalog
from packbill.services import Context
from packbill.storage.db import Database

PG_ADMIN_URL = os.environ.get("PACKBILL_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
FIXED_NOW = datetime.fromisoformat("2027-06-01T12:00:00+08:00")


def _pg_mode() -> str:
    value = os.environ.get("PACKBILL_TEST_PG")
    if value == "0":
        return "off"
    if value == "1" or os.environ.get("CI", "").lower() == "true":
        return "required"
    return "auto"


def _pg_admin():
    from packbill.storage.db import normalise_url

    return sa.create_engine(normalise_url(PG_ADMIN_URL), isolation_level="AUTOCOMMIT")


_pg_state: dict = {}


def _pg_available() -> bool:
    if "ok" not in _pg_state:
        try:
            engine = _pg_admin()
            with engine.connect() as conn:
                conn.execute(sa.text("SELECT 1"))
            engine.dispose()
            _pg_state["ok"] = True
        except Exception as exc:  # noqa: BLE001 - reported below
            _pg_state["ok"] = False
            _pg_state["error"] = exc
    return _pg_state["ok"]


def require_pg() -> None:
    mode = _pg_mode()
    if mode == "off":
        pytest.skip("PostgreSQL tests switched off (PACKBILL_TEST_PG=0)")
    if not _pg_available():
        if mode == "required":
            pytest.fail(f"PostgreSQL is required (CI or PACKBILL_TEST_PG=1) but unreachable: {_pg_state.get('error')}")
        pytest.skip("PostgreSQL not reachable")


def _pg_url(name: str) -> str:
    base = PG_ADMIN_URL.rsplit("/", 1)[0]
    return f"{base}/{name}"


@pytest.fixture(scope="session")
def pg_template():
    """A migrated PostgreSQL database that each test copies (CREATE DATABASE .. TEMPLATE)."""
    require_pg()
    name = f"pbt_tpl_{uuid.uuid4().hex[:10]}"
    admin = _pg_admin()
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    Database(_pg_url(name)).dispose()
    yield name
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def new_pg_database(template: str, empty: bool = False) -> tuple[str, callable]:
    """A database copied from the migrated template (``empty``: a new one without tables)."""
    name = f"pbt_{uuid.uuid4().hex[:12]}"
    admin = _pg_admin()
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"' if empty else f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return _pg_url(name), drop


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request, tmp_path):
    """A fresh, migrated database URL of each kind."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'packbill.db'}"
        return
    template = request.getfixturevalue("pg_template")
    url, drop = new_pg_database(template)
    yield url
    drop()


@pytest.fixture
def catalog():
    return load_catalog()


@pytest.fixture
def ctx(request, db_url, catalog):
    """Services on a fresh database, with the clock fixed at FIXED_NOW. Afterwards the books
    must be sound (R21: ``packbill audit``), unless the test is marked ``unsound_books`` (it
    damages the database on purpose)."""
    context = Context(Database(db_url), catalog, lambda: FIXED_NOW)
    yield context
    try:
        if request.node.get_closest_marker("unsound_books") is None and not getattr(request.node, "failed_call", False):
            from packbill.services.audit import audit

            assert [v.message for v in audit(context)] == [], "the books are not sound after this test"
    finally:
        context.close()


@pytest.fixture
def fresh_ctx(request, tmp_path, catalog):
    """A factory of contexts, each on its own fresh database of the test's kind (for property
    tests whose examples must not share history: R12 makes every finished run count for all)."""
    kind = "postgres" if request.node.callspec.params.get("db_url") == "postgres" else "sqlite"
    made = []

    def make() -> Context:
        if kind == "sqlite":
            url, drop = f"sqlite:///{tmp_path / f'fresh{len(made)}.db'}", (lambda: None)
        else:
            url, drop = new_pg_database(request.getfixturevalue("pg_template"))
        context = Context(Database(url), catalog, lambda: FIXED_NOW)
        made.append((context, drop))
        return context

    yield make
    for context, drop in made:
        context.close()
        drop()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    """Remember a failed test, so that fixtures do not pile a second failure on it."""
    report = yield
    if report.when == "call" and report.failed:
        item.failed_call = True
    return report
