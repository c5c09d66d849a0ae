"""The HTTP protocol ``packbill serve`` runs: uvicorn's h11 protocol with a deadline for a
request's head. uvicorn closes an idle connection only once it has answered a request on it, so
a client that opens connections and sends nothing, or half a head, kept each open for ever (the
hostile tester held 3,000). Here a connection that has not sent a whole request head within
``header_timeout`` seconds of opening (or of its last answer) is closed."""

from __future__ import annotations

import asyncio

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol


class HeadDeadlineProtocol(H11Protocol):
    header_timeout: float = 10.0

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm_head_deadline()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        self._arm_head_deadline()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm_head_deadline()
        super().connection_lost(exc)

    def _arm_head_deadline(self) -> None:
        self._disarm_head_deadline()
        if not self.transport.is_closing():
            self._head_deadline = self.loop.call_later(self.header_timeout, self._head_deadline_passed)

    def _disarm_head_deadline(self) -> None:
        handle = getattr(self, "_head_deadline", None)
        if handle is not None:
            handle.cancel()
            self._head_deadline = None

    def _head_deadline_passed(self) -> None:
        self._head_deadline = None
        waiting_for_head = self.conn.their_state is h11.IDLE and (self.cycle is None or self.cycle.response_complete)
        if waiting_for_head and not self.transport.is_closing():
            self.transport.close()


def protocol(header_timeout: float) -> type[H11Protocol]:
    """The protocol class with this deadline, for uvicorn's ``http`` setting."""
    return type("HeadDeadline", (HeadDeadlineProtocol,), {"header_timeout": header_timeout})


__all__ = ["HeadDeadlineProtocol", "protocol"]
