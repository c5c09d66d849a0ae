"""SQLite's one writer, queued across processes.

SQLite lets one connection write at a time. A writer that finds the database locked waits in its
busy handler, which sleeps 1, 2, 5, 10, 15, 20, 25 ... 100 ms between tries: with two server
processes storing usage batches of tens of milliseconds each, the one that waits often sleeps
well past the moment the other lets go. So a process takes this lock (``flock`` on a file beside
the database) before it begins a write transaction, polling at most every 2 ms, and lets go
after the commit. SQLite's own lock stays what keeps writes apart; this only shortens the wait,
and a process that does not take it (an older packbill, the ``sqlite3`` shell) is still kept
apart by SQLite itself.
"""

from __future__ import annotations

import fcntl
import os
import time

SUFFIX = ".writer-lock"
_LONGEST_PAUSE = 0.002


class WriterLock:
    """The lock file of one SQLite database, for this process."""

    def __init__(self, database_file: str) -> None:
        self.path = database_file + SUFFIX
        self._fd: int | None = None
        self._pid = 0

    def _file(self) -> int | None:
        if self._pid != os.getpid():  # a forked child has its own lock, not its parent's (flock is per open file)
            try:
                self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
            except OSError:
                self._fd = None  # a directory we cannot write to: SQLite's own wait decides
            self._pid = os.getpid()
        return self._fd

    def acquire(self, timeout: float) -> bool:
        """Take the lock within ``timeout`` seconds; False if another process held it all along."""
        fd = self._file()
        if fd is None:
            return True
        deadline = time.monotonic() + timeout
        pause = 0.0002
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return True
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    return False
                time.sleep(pause)
                pause = min(pause * 2, _LONGEST_PAUSE)

    def release(self) -> None:
        if self._fd is not None and self._pid == os.getpid():
            fcntl.flock(self._fd, fcntl.LOCK_UN)

    def close(self) -> None:
        if self._fd is not None and self._pid == os.getpid():
            os.close(self._fd)
        self._fd, self._pid = None, 0
