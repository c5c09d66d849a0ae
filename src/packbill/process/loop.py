"""A background loop: one thread doing one round of work at an interval."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

log = logging.getLogger("packbill.loop")


class Loop:
    """A background thread running ``work`` every ``interval`` seconds until ``stop()``; an
    error is logged and the loop goes on (the database may come back)."""

    def __init__(self, name: str, work: Callable[[], object], interval: float) -> None:
        self.name, self.work, self.interval = name, work, interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.work()
            except Exception:
                log.exception("%s: one round failed; trying again", self.name)
            self._stop.wait(self.interval)

    def start(self) -> Loop:
        self._thread.start()
        return self

    def stop(self, timeout: float = 30) -> None:
        self._stop.set()
        self._thread.join(timeout)
