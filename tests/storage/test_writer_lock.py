"""SQLite's writers queue across processes on a file lock beside the database
(``storage/writer_lock.py``): held from the start of a write transaction to its end, whatever
ends it, and let go at once, so that the other process's writer takes the database without
sleeping in SQLite's busy handler."""

from __future__ import annotations

import multiprocessing
import os

import pytest
import sqlalchemy as sa

from packbill.storage.db import Database, Unavailable
from packbill.storage.writer_lock import SUFFIX, WriterLock


def _try_lock(path: str, answer) -> None:
    answer.put(WriterLock(path).acquire(timeout=0))


def held_elsewhere(database_file: str) -> bool:
    """Whether another process finds the lock taken (flock is per open file: ask from another process)."""
    context = multiprocessing.get_context("spawn")
    answer = context.Queue()
    child = context.Process(target=_try_lock, args=(database_file, answer))
    child.start()
    took = answer.get(timeout=60)
    child.join(60)
    return not took


def test_a_write_holds_the_lock_until_it_ends_and_lets_go_on_an_error(tmp_path):
    path = str(tmp_path / "w.db")
    db = Database(f"sqlite:///{path}")
    assert not held_elsewhere(path)
    with db.write() as conn:
        conn.execute(sa.text("CREATE TABLE t (x integer)"))
        assert os.path.exists(path + SUFFIX) and held_elsewhere(path)
        conn.execute(sa.text("INSERT INTO t VALUES (1)"))
    assert not held_elsewhere(path)
    with pytest.raises(RuntimeError), db.write() as conn:
        conn.execute(sa.text("INSERT INTO t VALUES (2)"))
        raise RuntimeError("the work fails half-way")
    assert not held_elsewhere(path)
    with db.read() as conn:
        assert conn.execute(sa.text("SELECT x FROM t")).scalars().all() == [1]  # the failed write rolled back
    db.dispose()


def test_a_writer_waits_for_the_lock_and_says_so_when_it_stays_taken(tmp_path):
    path = str(tmp_path / "w.db")
    db = Database(f"sqlite:///{path}", busy_timeout=0.3)
    other = multiprocessing.get_context("spawn")
    ready, done = other.Event(), other.Event()
    holder = other.Process(target=_hold, args=(path, ready, done))
    holder.start()
    try:
        assert ready.wait(60)
        with pytest.raises(Unavailable, match="busy with another process's writes"), db.write():
            pass
    finally:
        done.set()
        holder.join(60)
    with db.write() as conn:  # taken the moment the other process let go
        conn.execute(sa.text("SELECT 1"))
    db.dispose()


def _hold(path: str, ready, done) -> None:
    lock = WriterLock(path)
    assert lock.acquire(timeout=10)
    ready.set()
    done.wait(60)
    lock.release()


def test_a_database_in_a_directory_without_write_access_still_writes_without_the_lock(tmp_path):
    lock = WriterLock(str(tmp_path / "missing-dir" / "w.db"))
    assert lock.acquire(timeout=0) and lock._file() is None
    lock.release()
