"""Idempotency-Key for requests that create or move money: the same key with the same body
replays the first response; with another body it is a conflict. The key is stored in the same
transaction as the movement, so a retry after a lost reply (or a server killed mid-request) can
never pay twice."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from ..domain.errors import Conflict, InvalidRequest
from ..storage import wallet as wallet_store
from . import trail
from .context import Context

T = TypeVar("T")
KEEP_FOR = timedelta(days=30)
"""Keys are kept at least this long."""


@dataclass(frozen=True, slots=True)
class IdempotencyKey:
    scope: str
    """The account the request is for, or "operator" for requests not about one account."""
    key: str
    fingerprint: str

    @classmethod
    def of(cls, scope: str, key: str | None, method: str, path: str, body: Any) -> IdempotencyKey | None:
        if key is None:
            return None
        if not (1 <= len(key) <= 255) or not key.isprintable():
            raise InvalidRequest("the Idempotency-Key header must be 1 to 255 printable characters")
        canonical = json.dumps({"method": method, "path": path, "body": body}, sort_keys=True, default=str)
        return cls(scope, key, hashlib.sha256(canonical.encode()).hexdigest())


class Replayed(Exception):
    """This key was used before with the same request: here is what it did."""

    def __init__(self, ref: str, response: dict | None) -> None:
        super().__init__(ref)
        self.ref, self.response = ref, response


def check(conn: Connection, idem: IdempotencyKey | None) -> None:
    """At the start of the unit of work: raise Replayed or Conflict if the key was used."""
    if idem is None:
        return
    found = wallet_store.find_key(conn, idem.scope, idem.key)
    if found is None:
        return
    fingerprint, ref, response = found
    if fingerprint != idem.fingerprint:
        raise Conflict("this Idempotency-Key was already used for another request", {"key": idem.key})
    raise Replayed(ref, json.loads(response) if response else None)


def claim(conn: Connection, idem: IdempotencyKey | None, ref: str, at: datetime) -> None:
    """In the same transaction as the movement: the key is used, for ``ref`` (which is also what
    the movement's audit record names, R24)."""
    trail.created(ref)
    if idem is not None:
        wallet_store.claim_key(conn, idem.scope, idem.key, idem.fingerprint, ref, at)


def run(ctx: Context, idem: IdempotencyKey | None, work: Callable[[Connection], T]) -> T:
    """``work`` in a retried write transaction; a concurrent request with the same key that
    committed first turns this one into a replay."""
    for attempt in range(2):
        try:
            return ctx.db.write_retrying(work)
        except IntegrityError as exc:
            if idem is None or "idempotency_keys" not in str(exc) or attempt:
                raise
    raise AssertionError("unreachable")


def remember(ctx: Context, idem: IdempotencyKey | None, response: dict) -> None:
    """After the movement committed: keep the response to replay it."""
    if idem is not None:
        with ctx.db.write() as conn:
            wallet_store.store_response(conn, idem.scope, idem.key, response)
