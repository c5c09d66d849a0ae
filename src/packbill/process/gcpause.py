"""Bulk work without the cyclic garbage collector.

Settling a chunk of accounts or storing a batch of usage makes hundreds of thousands of small
acyclic objects (lines, draws, rows); CPython's collector would walk them again and again while
they are alive (about a sixth of a settlement's time). ``paused`` stops it for the length of
such work, in whichever thread, and starts it again when the last of them ends; reference
counting still frees everything as usual, and anything cyclic is collected then.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager


class _Pause:
    """The collector is one per process, and so is what holds it paused."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.holders = 0
        self.was_enabled = True

    def enter(self) -> None:
        with self.lock:
            if self.holders == 0:
                self.was_enabled = gc.isenabled()
                gc.disable()
            self.holders += 1

    def leave(self) -> None:
        with self.lock:
            self.holders -= 1
            if self.holders == 0 and self.was_enabled:
                gc.enable()


_PAUSE = _Pause()


@contextmanager
def paused() -> Iterator[None]:
    """No cyclic collection until the last ``paused`` block ends, in any thread."""
    _PAUSE.enter()
    try:
        yield
    finally:
        _PAUSE.leave()
