"""Failed sign-ins and bad tokens, counted per client address: past ``limit`` failures within
``window``, the address is locked out for ``lock`` (answered 429 with Retry-After, without even
looking its token up). Kept in each server process's memory: with N processes an address gets at
most N times the limit before every process has locked it."""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable

LIMIT = 20
"""Failures an address may make within WINDOW seconds."""
WINDOW = 60.0
LOCK = 300.0
"""Seconds an address stays locked out."""
MAX_ADDRESSES = 100_000
"""Addresses remembered at once (the oldest are forgotten first)."""


class Lockout:
    def __init__(self, limit: int = LIMIT, window: float = WINDOW, lock: float = LOCK,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.limit, self.window, self.lock, self.clock = limit, window, lock, clock
        self._failures: dict[str, deque[float]] = {}
        self._locked: dict[str, float] = {}
        self._mutex = threading.Lock()

    def retry_after(self, address: str) -> int | None:
        """Seconds until ``address`` may try again, or None when it is not locked out."""
        with self._mutex:
            until = self._locked.get(address)
            if until is None:
                return None
            left = until - self.clock()
            if left <= 0:
                del self._locked[address]
                return None
            return max(1, int(left + 0.999))

    def failed(self, address: str) -> bool:
        """Count a failure; True when it locks the address out."""
        now = self.clock()
        with self._mutex:
            seen = self._failures.pop(address, None) or deque()
            seen.append(now)
            while seen and seen[0] <= now - self.window:
                seen.popleft()
            if len(seen) >= self.limit:
                self._locked[address] = now + self.lock
                return True
            self._failures[address] = seen  # re-inserted: the dict keeps the most recent last
            while len(self._failures) > MAX_ADDRESSES:
                del self._failures[next(iter(self._failures))]
            while len(self._locked) > MAX_ADDRESSES:
                del self._locked[next(iter(self._locked))]
            return False

    def succeeded(self, address: str) -> None:
        with self._mutex:
            self._failures.pop(address, None)
