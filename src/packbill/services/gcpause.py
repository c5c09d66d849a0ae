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

_lock = threading.Lock()
_holders = 0
_was_enabled = True


@contextmanager
def paused() -> Iterator[None]:
    global _holders, _was_enabled
    with _lock:
        if _holders == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _holders += 1
    try:
        yield
    finally:
        with _lock:
            _holders -= 1
            if _holders == 0 and _was_enabled:
                gc.enable()
