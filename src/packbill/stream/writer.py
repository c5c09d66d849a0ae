"""Where a consumer stores its batches: in a thread of its own process, or in a process of its own.

Fetching and acknowledging a thousand messages is Python work under the interpreter lock (the
NATS client parses and answers each one), and so is checking and storing them. In one process
the two take turns; with a writer process they run on two cores: the consumer fetches the next
batch while the writer decodes, checks and stores the last one, and the consumer acknowledges a
batch only once the writer has committed it. ``packbill consume`` uses a writer process.
"""

from __future__ import annotations

import asyncio
import ctypes
import multiprocessing
import os
import signal
import sys
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from typing import Any

from ..services import Context, StreamResult, decode_json, ingest_records, note_consumer


def decoded(data: bytes) -> Any:
    """A message's record, or None when it is not JSON (refused as not an event), nested past
    what the decoder follows included: the API refuses that body too, and here, raised, it would
    stop the consumer at the same message every time the stream delivered it again."""
    try:
        return decode_json(data)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return None


def store_batch(ctx: Context, datas: list[bytes], stream: str, durable: str, pending: int) -> StreamResult:
    """Decode, check and store one batch in one transaction (``services.ingest_records``), then
    note what the durable consumer has left to read (the lag gauge)."""
    result = ingest_records(ctx, [decoded(d) for d in datas])
    note_consumer(ctx, stream, durable, pending)
    return result


class ThreadWriter:
    """Stores in a thread of the consumer's process, with the consumer's own context (the
    library's default: a test's fixed clock applies)."""

    parallel = False
    """Storing runs under the same interpreter lock as fetching: no gain in overlapping them."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    async def start(self) -> None:
        return None

    async def store(self, datas: list[bytes], stream: str, durable: str, pending: int) -> StreamResult:
        return await asyncio.to_thread(store_batch, self.ctx, datas, stream, durable, pending)

    def close(self) -> None:
        return None


_OPENED: dict[str, Context] = {}
"""The writer process's services (under "ctx"), opened once when it starts."""


def _open(opener: Callable[[], Context]) -> None:
    _die_with_the_consumer()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the consumer, which finishes the batch in flight
    _OPENED["ctx"] = opener()


def _die_with_the_consumer() -> None:
    """A consumer killed (SIGKILL) takes its writer with it: a writer left behind would commit a
    batch nobody acknowledges, while the consumers started after it read what is stored. Its
    transaction rolls back; the stream delivers the batch again."""
    if not sys.platform.startswith("linux"):
        return
    PR_SET_PDEATHSIG = 1
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    parent = multiprocessing.parent_process()
    if parent is not None and os.getppid() != parent.pid:  # it died before the line above
        os._exit(1)


def _ready() -> bool:
    return "ctx" in _OPENED


def _store(datas: list[bytes], stream: str, durable: str, pending: int) -> StreamResult:
    return store_batch(_OPENED["ctx"], datas, stream, durable, pending)


class ProcessWriter:
    """Stores in a process of its own, which opens its services with ``opener`` (a callable that
    can be pickled: a module's function, or a ``functools.partial`` of one). If that process
    dies, the consumer's next store raises and the consumer stops; what it had not acknowledged
    is delivered again, and the store counts it once (R14)."""

    parallel = True
    """The consumer fetches the next batch while this process stores the last."""

    def __init__(self, opener: Callable[[], Context]) -> None:
        self._pool = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"), initializer=_open, initargs=(opener,))

    async def start(self) -> None:
        """Wait until the process has started and opened the database (start-up is not a batch's)."""
        await asyncio.get_running_loop().run_in_executor(self._pool, _ready)

    async def store(self, datas: list[bytes], stream: str, durable: str, pending: int) -> StreamResult:
        return await asyncio.get_running_loop().run_in_executor(self._pool, _store, datas, stream, durable, pending)

    def close(self) -> None:
        self._pool.shutdown(wait=True)
