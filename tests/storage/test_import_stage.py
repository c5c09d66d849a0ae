"""The file import's stage (``storage.staging``): each parsing process stages its blocks in a file
of its own; the storing pass reads them as one and names the right lines when it refuses."""

from __future__ import annotations

import contextlib
import json
from datetime import timedelta

import pytest
import sqlalchemy as sa

from packbill import services
from packbill.domain.limits import MAX_DAY_CALLS
from packbill.services import imports
from packbill.storage import schema as t
from packbill.storage.intake import ConflictingDuplicates
from packbill.storage.staging import Staged, StageWriter

from ..conftest import FIXED_NOW

WHEN = FIXED_NOW - timedelta(days=1)


def event(i, quantity=1, **extra) -> dict:
    return {"event_id": f"e{i}", "service": "ai.face", "quantity": quantity, "region": "ap-beijing", "timestamp": WHEN.isoformat(), **extra}


def staged_row(line: int, account_id: str, event_id: str, quantity: int) -> tuple:
    ts_us = int(WHEN.timestamp() * 1_000_000)
    return (line, account_id, event_id, "ai.face", quantity, "ap-beijing", ts_us, WHEN.date().isoformat(), 0, True)


def stored_events(ctx) -> int:
    with ctx.db.read() as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(t.usage_events)).scalar_one()


@pytest.mark.parametrize("later_in_a", [True, False])
def test_two_copies_in_two_parts_name_the_later_line_whichever_part_is_stored_first(ctx, tmp_path, later_in_a):
    """Each part is inserted on its own (faster than in line order); when two copies of an id
    differ, the range is refused and the line named is the later copy's, as in a file read in order."""
    account, _ = services.create_account(ctx, "Importer", "cn")
    early, late = staged_row(3, account.id, "dup", 5), staged_row(7, account.id, "dup", 6)
    a, b = StageWriter(tmp_path), StageWriter(tmp_path)
    a.add([late, staged_row(8, account.id, "x", 1)] if later_in_a else [early, staged_row(8, account.id, "x", 1)])
    b.add([early, staged_row(4, account.id, "y", 1)] if later_in_a else [late, staged_row(4, account.id, "y", 1)])
    a.close()
    b.close()
    stage = Staged(ctx.db, tmp_path)
    try:
        with pytest.raises(ConflictingDuplicates) as refused:
            stage.merge(1, 10, 4)
        assert refused.value.positions == [7]
    finally:
        stage.close()
    assert stored_events(ctx) == 0  # the range was rolled back whole


def test_identical_copies_in_two_parts_count_once(ctx, tmp_path):
    account, _ = services.create_account(ctx, "Importer", "cn")
    a, b = StageWriter(tmp_path), StageWriter(tmp_path)
    a.add([staged_row(2, account.id, "same", 5), staged_row(5, account.id, "a", 1)])
    b.add([staged_row(1, account.id, "b", 1), staged_row(9, account.id, "same", 5)])
    a.close()
    b.close()
    stage = Staged(ctx.db, tmp_path)
    try:
        assert stage.merge(1, 10, 4) == 3
    finally:
        stage.close()
    assert stored_events(ctx) == 3


def test_a_file_that_takes_a_day_past_its_limit_is_refused_by_name_and_stores_nothing_of_that_chunk(ctx, tmp_path):
    """Stored usage and the file together pass the day's limit: the storing pass refuses the
    chunk and names the account, the day and the service (no file row is bad on its own)."""
    account, _ = services.create_account(ctx, "Huge", "cn")
    services.ingest(ctx, account.id, [event("known", MAX_DAY_CALLS - 5)])
    path = tmp_path / "usage.jsonl"
    path.write_text("".join(json.dumps({"account_id": account.id, **event(i, 2)}) + "\n" for i in range(4)))
    with pytest.raises(imports.ImportFileError) as refused:
        services.import_file(ctx, path, workers=1)
    message = str(refused.value)
    assert f"{account.id} {WHEN.date().isoformat()} ai.face" in message and "0 events were imported before it" in message
    assert stored_events(ctx) == 1


def test_a_file_parsed_by_two_processes_in_many_blocks_stores_every_line_once_and_names_the_later_copy(ctx, tmp_path, monkeypatch):
    account, _ = services.create_account(ctx, "Importer", "cn")
    lines = [json.dumps({"account_id": account.id, **event(i)}) for i in range(3_000)]
    lines.append(json.dumps({"account_id": account.id, **event(17, 2)}))  # line 3001: event 17 again, another quantity
    path = tmp_path / "usage.jsonl"
    path.write_text("\n".join(lines) + "\n")
    monkeypatch.setattr(imports, "BLOCK", 8 * 1024)  # about 25 blocks, handed to both processes
    turns = []
    one_writer = ctx.db.one_writer
    monkeypatch.setattr(ctx.db, "one_writer", lambda: turns.append(1) or one_writer())
    refused = services.import_file(ctx, path, workers=2, chunk=1_000)
    assert [b.line for b in refused.bad] == [3001] and refused.accepted == 3_000  # three chunks stored, the fourth refused
    lines[-1] = json.dumps({"account_id": account.id, **event(17)})
    path.write_text("\n".join(lines) + "\n")
    again = services.import_file(ctx, path, workers=2, chunk=1_000)
    assert (again.bad, again.accepted, again.duplicates) == ([], 0, 3_001)
    assert stored_events(ctx) == 3_000
    if ctx.db.dialect == "sqlite":  # every chunk waited for the one writer's turn, as every other write does
        assert len(turns) == 4 + 4


def test_the_progress_adds_up_to_the_files_size_header_included_and_to_its_events(ctx, tmp_path):
    account, _ = services.create_account(ctx, "Importer", "cn")
    path = tmp_path / "usage.csv"
    path.write_text("account_id,event_id,service,quantity,region,timestamp\r\n"
                    + "".join(f"{account.id},e{i},ai.face,1,ap-beijing,{WHEN.isoformat()}\r\n" for i in range(5)), encoding="utf-8")
    done: dict[str, int] = {}
    result = services.import_file(ctx, path, lambda phase, n: done.__setitem__(phase, done.get(phase, 0) + n), workers=1)
    assert result.accepted == 5 and done == {"checking": path.stat().st_size, "storing": 5}


@pytest.mark.parametrize("text", ["", "\n\n"])
def test_a_csv_without_a_header_line_says_so(ctx, tmp_path, text):
    path = tmp_path / "usage.csv"
    path.write_text(text)
    result = services.import_file(ctx, path, workers=1)
    assert [(b.line, b.reason) for b in result.bad] == [
        (1, "the file has no header line (the first line names the columns: account_id, event_id, service, quantity, region, timestamp)")]


@pytest.mark.parametrize("workers", [1, 2])
def test_a_stage_that_cannot_be_written_is_one_clear_error_and_nothing_is_imported(ctx, tmp_path, monkeypatch, workers):
    """The stage's folder gone (or full): the checking process says where and what to do, never a
    traceback from a parsing process."""
    account, _ = services.create_account(ctx, "Importer", "cn")
    path = tmp_path / "usage.jsonl"
    path.write_text("".join(json.dumps({"account_id": account.id, **event(i)}) + "\n" for i in range(2_000)))
    monkeypatch.setattr(imports, "BLOCK", 16 * 1024)  # with two workers, the blocks go to both processes
    monkeypatch.setattr(imports.tempfile, "TemporaryDirectory", lambda prefix: contextlib.nullcontext(str(tmp_path / "gone")))
    with pytest.raises(imports.ImportStageError) as refused:
        services.import_file(ctx, path, workers=workers)
    assert str(refused.value).startswith(f"the checked rows could not be staged in {tmp_path / 'gone'} (No such file or directory)")
    assert "set TMPDIR to a folder with room" in str(refused.value) and str(refused.value).endswith("nothing was imported")
    assert stored_events(ctx) == 0


def test_an_import_that_finds_the_database_locked_says_unavailable_and_a_rerun_completes_it(tmp_path):
    """The storing pass works on a raw cursor: SQLite's own "database is locked" from it is the
    database being unavailable (the CLI's one sentence), as from every other write, not a traceback."""
    from packbill.domain.catalog import load_catalog
    from packbill.services import Context
    from packbill.storage.db import Database, Unavailable

    url = f"sqlite:///{tmp_path / 'locked.db'}"
    ctx = Context(Database(url, busy_timeout=0.2), load_catalog(), lambda: FIXED_NOW)
    account, _ = services.create_account(ctx, "Importer", "cn")
    path = tmp_path / "usage.jsonl"
    path.write_text("".join(json.dumps({"account_id": account.id, **event(i)}) + "\n" for i in range(10)))
    blocker = sa.create_engine(url)
    with blocker.connect() as conn:
        conn.exec_driver_sql("BEGIN IMMEDIATE")
        with pytest.raises(Unavailable):
            services.import_file(ctx, path, workers=1)
        conn.exec_driver_sql("ROLLBACK")
    blocker.dispose()
    assert stored_events(ctx) == 0
    assert services.import_file(ctx, path, workers=1).accepted == 10
    ctx.close()
