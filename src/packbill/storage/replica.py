"""A streaming replica of the PostgreSQL database: an optional read-only URL for the reads that
may come from a copy (the console's pages, exports, statements and reports).

A read goes to the replica only when the replica has replayed everything the primary had
written when the read began (it waits a little for it), so what it shows is what the primary
would show; otherwise, or when the replica does not answer, the read goes to the primary.
Nothing ever writes to it: writes take the primary's engine alone.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from .failures import describe

log = logging.getLogger("packbill.replica")

WAIT_SECONDS = 0.2
"""How long a read waits for the replica to replay what the primary has before it reads the primary."""

_POLL = 0.01


def lsn_value(text: str) -> int:
    """A write-ahead log position (``16/B374D848``) as a number of bytes."""
    high, low = text.split("/")
    return (int(high, 16) << 32) | int(low, 16)


def _written(primary: Engine) -> int:
    """How far the primary has written its write-ahead log, now."""
    with primary.connect() as conn:
        return lsn_value(conn.execute(sa.text("SELECT pg_current_wal_lsn()")).scalar_one())


@dataclass(frozen=True, slots=True)
class Lag:
    """How far the replica is behind the primary, now."""

    reachable: bool
    behind_bytes: int = 0
    """Write-ahead log the primary has written and the replica has not replayed."""
    behind_seconds: float = 0.0
    """Since the replica replayed its last transaction, when it is behind (0 when caught up)."""

    @property
    def caught_up(self) -> bool:
        return self.reachable and self.behind_bytes == 0


@dataclass(slots=True)
class Tally:
    """Reads of this process that could have gone to the replica, by where they went."""

    replica: int = 0
    primary: int = 0


TALLY = Tally()


class _Choice:
    """Where the reads of one request go, decided at its first read."""

    __slots__ = ("engine",)

    def __init__(self) -> None:
        self.engine: Engine | None = None


_REPORTING: ContextVar[_Choice | None] = ContextVar("packbill_replica_reporting", default=None)


class Replica:
    """The replica's engine and the rule that decides whether a read may use it."""

    def __init__(self, engine: Engine, wait: float = WAIT_SECONDS) -> None:
        self.engine = engine
        self.wait = wait

    @contextmanager
    def reporting(self) -> Iterator[None]:
        """Reads within the block (this thread, or the threads it hands work to) may come from the replica."""
        token = _REPORTING.set(_Choice())
        try:
            yield
        finally:
            _REPORTING.reset(token)

    def engine_for_read(self, primary: Engine) -> Engine:
        """The engine a read transaction starts on: the primary outside a ``reporting`` block;
        inside one, the replica when it has caught up with the primary's position of this moment."""
        choice = _REPORTING.get()
        if choice is None:
            return primary
        if choice.engine is None:
            choice.engine = self.engine if self._caught_up(primary) else primary
            if choice.engine is self.engine:
                TALLY.replica += 1
            else:
                TALLY.primary += 1
        return choice.engine

    def wrote(self, primary: Engine) -> None:
        """A write committed within a ``reporting`` block: the block's later reads go to the
        primary, so that they see it (read your own writes)."""
        choice = _REPORTING.get()
        if choice is not None:
            choice.engine = primary

    def _caught_up(self, primary: Engine) -> bool:
        try:
            target = _written(primary)
            deadline = time.monotonic() + self.wait
            with self.engine.connect() as conn:
                while True:
                    replayed = conn.execute(sa.text("SELECT pg_last_wal_replay_lsn()")).scalar_one()
                    if replayed is not None and lsn_value(replayed) >= target:
                        return True
                    if time.monotonic() >= deadline:
                        return False
                    time.sleep(_POLL)
                    conn.rollback()
        except Exception as exc:  # noqa: BLE001 - a replica that cannot answer: the primary serves the read
            log.warning("the read replica did not answer; reading the primary: %s", describe(exc))
            return False

    def lag(self, primary: Engine) -> Lag:
        """How far behind the replica is now (``reachable`` False when it does not answer)."""
        try:
            written = _written(primary)
            with self.engine.connect() as conn:
                replayed, age = conn.execute(sa.text(
                    "SELECT pg_last_wal_replay_lsn(), extract(epoch FROM now() - pg_last_xact_replay_timestamp())")).one()
        except Exception:  # noqa: BLE001 - said as unreachable
            return Lag(False)
        if replayed is None:
            return Lag(False)
        behind = max(0, written - lsn_value(replayed))
        return Lag(True, behind, max(0.0, float(age or 0)) if behind else 0.0)

    def standing(self) -> str | None:
        """None when the replica answers and is a standby in recovery; otherwise what is wrong, in words."""
        try:
            with self.engine.connect() as conn:
                recovering = conn.execute(sa.text("SELECT pg_is_in_recovery()")).scalar_one()
        except Exception as exc:  # noqa: BLE001 - said in words
            return f"the read replica does not answer ({describe(exc, 160)})"
        if not recovering:
            return "the read replica is not a standby (pg_is_in_recovery() is false): name a streaming replica, not a primary"
        return None

    def dispose(self) -> None:
        self.engine.dispose()
