"""R24's audit record, written in the same transaction as the change it records.

A door (the API's route class, the console, the command line, the schedule) opens an ``Intent``
for the change it is about to make; the first write transaction that commits inside it carries
the record with it (``storage.db.commit_hook``), so a change never stands without its record,
and a record never says ``ok`` for a change that rolled back. A use case that creates something
names it with ``created(id)``; a change that wrote nothing (a refusal, a replay) is recorded by
the door afterwards, in a transaction of its own."""

from __future__ import annotations

import json
from collections.abc import Callable
from contextvars import ContextVar
from datetime import datetime
from typing import Any

from sqlalchemy.engine import Connection

from ..domain.limits import storable
from ..storage import operators as operators_store

SECRET_FIELDS = frozenset({"token", "secret", "password", "authorization", "csrf"})
MAX_PARAMETERS = 2000
"""Characters of a record's parameters; a larger body is summarised (a usage batch: its size)."""


def _clean(value: Any) -> Any:
    if isinstance(value, dict):
        return {storable(str(k)): ("<hidden>" if str(k).lower() in SECRET_FIELDS else _clean(v)) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    if isinstance(value, str):
        return storable(value)
    if isinstance(value, (int, float, bool)) or value is None:
        return value
    return storable(str(value))


def parameters_text(parameters: Any) -> str:
    """The parameters as stored: secrets hidden, text that no column can hold replaced, and a
    summary instead when they are large."""
    if parameters is None:
        parameters = {}
    elif not isinstance(parameters, dict):  # a body that is not an object (0, "AAA", [...]): still a record's parameters
        parameters = {"body": parameters}
    text = json.dumps(_clean(parameters), ensure_ascii=False, sort_keys=True, default=str)
    if len(text) <= MAX_PARAMETERS:
        return text
    summary: dict[str, Any] = {"truncated": True, "characters": len(text)}
    if isinstance(parameters, dict) and isinstance(parameters.get("events"), list):
        summary["events"] = len(parameters["events"])
    return json.dumps(summary)


def fit(text: str | None, size: int) -> str | None:
    """A value from the outside as a column takes it: storable, at most ``size`` characters."""
    return storable(text or "")[:size] or None


def insert(conn: Connection, at: datetime, actor: str, role: str, via: str, action: str, *, target: str | None,
           account_id: str | None, parameters: Any, outcome: str, detail: str | None) -> None:
    operators_store.insert_record(conn, at, fit(actor, 80) or "unknown", role, via, action, fit(target, 200), fit(account_id, 40),
                                  parameters_text(parameters), fit(outcome, 40) or "error", fit(detail, 400))


class Intent:
    """A change about to be made, and whether its record has committed with it.

    ``who`` gives (actor, role) once the caller is known (None: nobody to record yet)."""

    def __init__(self, now: Callable[[], datetime], who: Callable[[], tuple[str, str] | None], via: str, action: str, *,
                 target: str | None = None, account_id: str | None = None, parameters: Any = None) -> None:
        self.now, self.who, self.via, self.action = now, who, via, action
        self.target, self.account_id, self.parameters = target, account_id, parameters
        self.outcome = "ok"
        self.detail: str | None = None
        self.written = False

    def before_commit(self, conn: Connection) -> bool:
        if self.written:
            return False
        who = self.who()
        if who is None:
            return False
        account_id = self.account_id or (self.target if self.action == "account.create" else None)  # the account it made
        insert(conn, self.now(), who[0], who[1], self.via, self.action, target=self.target, account_id=account_id,
               parameters=self.parameters, outcome=self.outcome, detail=self.detail)
        return True

    def committed(self) -> None:
        self.written = True


_CURRENT: ContextVar[Intent | None] = ContextVar("packbill_audit_intent", default=None)


def current() -> Intent | None:
    return _CURRENT.get()


def opened(intent: Intent | None):
    """Make ``intent`` the one ``created`` names things for (returns the reset token)."""
    return _CURRENT.set(intent)


def closed(token) -> None:
    _CURRENT.reset(token)


def created(thing_id: str) -> None:
    """Inside a use case: the change being recorded made ``thing_id`` (the record's target)."""
    intent = _CURRENT.get()
    if intent is not None and not intent.written:
        intent.target = thing_id


def replayed(ref: str) -> None:
    """Inside a door: the request replays one already done, which made ``ref`` (R24 records it
    as a replay of that)."""
    intent = _CURRENT.get()
    if intent is not None:
        intent.outcome, intent.target = "replayed", ref


def noted(detail: str) -> None:
    """Inside a use case: what the change did, in a few words, for its record."""
    intent = _CURRENT.get()
    if intent is not None and not intent.written:
        intent.detail = detail
