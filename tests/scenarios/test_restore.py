"""Issue 27, defect 3: a restore verifies the backup whole before it replaces anything, and says
in one sentence what is wrong. Driven through the command line, as an operator would."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa

from packbill import services

from ..conftest import new_pg_database


def cli(*args: str, db: str | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "COLUMNS": "200"}
    if db:
        env["PACKBILL_DB"] = db
    return subprocess.run([sys.executable, "-m", "packbill", *args], env=env, capture_output=True, text=True, timeout=120)


def accounts(url: str) -> int:
    engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://"))
    try:
        with engine.connect() as conn:
            return conn.execute(sa.text("SELECT count(*) FROM accounts")).scalar_one()
    finally:
        engine.dispose()


@pytest.fixture
def live(ctx, db_url):
    """A database in use with ten accounts."""
    for n in range(10):
        services.create_account(ctx, f"Live {n}", "cn")
    return db_url


def bad_backups(tmp_path: Path, good: Path) -> dict[str, Path]:
    files = {}
    files["empty"] = tmp_path / "empty.bak"
    files["empty"].write_bytes(b"")
    files["text"] = tmp_path / "notes.bak"
    files["text"].write_text("this is not a backup\n")
    foreign = tmp_path / "foreign.bak"
    conn = sqlite3.connect(foreign)
    conn.execute("CREATE TABLE recipes (id INTEGER PRIMARY KEY, name TEXT)")
    conn.execute("INSERT INTO recipes (name) VALUES ('dumplings')")
    conn.commit()
    conn.close()
    files["foreign sqlite"] = foreign
    data = good.read_bytes()
    files["cut short"] = tmp_path / "cut.bak"
    files["cut short"].write_bytes(data[: len(data) // 3])
    corrupt = bytearray(data)
    for at in range(len(corrupt) // 2, len(corrupt) // 2 + 4096):
        corrupt[at] ^= 0x5A
    files["corrupt"] = tmp_path / "corrupt.bak"
    files["corrupt"].write_bytes(bytes(corrupt))
    return files


def test_a_bad_backup_is_refused_in_one_sentence_and_the_database_is_untouched(live, tmp_path):
    good = tmp_path / "good.bak"
    done = cli("backup", "--to", str(good), db=live)
    assert done.returncode == 0, done.stderr
    for what, path in bad_backups(tmp_path, good).items():
        done = cli("restore", "--from", str(path), "--db", live, "--force")
        assert done.returncode == 1, (what, done.stdout, done.stderr)
        assert "Traceback" not in done.stderr + done.stdout, (what, done.stderr)
        assert "nothing was changed" in done.stderr + done.stdout, (what, done.stderr)
        assert accounts(live) == 10, what
    # the good one restores (over the live database, with --force)
    done = cli("restore", "--from", str(good), "--db", live, "--force")
    assert done.returncode == 0, done.stdout + done.stderr
    assert accounts(live) == 10


def test_a_bad_backup_into_a_new_sqlite_path_leaves_no_file(live, tmp_path):
    good = tmp_path / "good.bak"
    assert cli("backup", "--to", str(good), db=live).returncode == 0
    for what, path in bad_backups(tmp_path, good).items():
        if not live.startswith("sqlite") and what == "foreign sqlite":
            continue
        target = tmp_path / f"new-{what.replace(' ', '-')}.db"
        done = cli("restore", "--from", str(path), "--db", f"sqlite:///{target}")
        assert done.returncode == 1 and "Traceback" not in done.stderr, (what, done.stderr)
        assert not target.exists(), what
        assert not list(tmp_path.glob(".packbill-restore-*")), what


@pytest.mark.unsound_books
def test_a_backup_whose_books_are_not_sound_is_refused(ctx, db_url, tmp_path):
    if not db_url.startswith("sqlite"):
        pytest.skip("the damage is made with SQLite's own tools; the check is the same audit on both")
    account, _ = services.create_account(ctx, "Damaged", "cn")
    services.topup(ctx, account.id, Decimal("10.00"), "bank-1")
    path = db_url.removeprefix("sqlite:///")
    conn = sqlite3.connect(path)
    conn.execute("UPDATE accounts SET cash_fen = cash_fen + 100")  # cash no longer its postings
    conn.commit()
    conn.close()
    good = tmp_path / "damaged.bak"
    assert cli("backup", "--to", str(good), db=db_url).returncode == 0
    target = tmp_path / "restored.db"
    done = cli("restore", "--from", str(good), "--db", f"sqlite:///{target}")
    assert done.returncode == 1 and "not sound" in done.stderr and not target.exists(), done.stderr


def test_a_postgresql_restore_into_a_database_with_tables_needs_force(live, tmp_path, request):
    if live.startswith("sqlite"):
        pytest.skip("PostgreSQL's own rule")
    good = tmp_path / "good.bak"
    assert cli("backup", "--to", str(good), db=live).returncode == 0
    done = cli("restore", "--from", str(good), "--db", live)
    assert done.returncode == 1 and "has tables already" in done.stderr
    url, drop = new_pg_database(request.getfixturevalue("pg_template"), empty=True)
    try:
        done = cli("restore", "--from", str(good), "--db", url)
        assert done.returncode == 0, done.stderr
        assert accounts(url) == 10
    finally:
        drop()
