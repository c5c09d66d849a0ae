"""R24: who is calling (principals and their roles), operator keys, account token rotation, and
the audit trail of every change of state, whichever door it came through (API, console, CLI)."""

from __future__ import annotations

import getpass
import hmac
import json
import secrets
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Iterator

from ..domain import access
from ..domain.days import day_start
from ..domain.access import Role
from ..domain.catalog import UnknownSku
from ..domain.errors import BillingError, InvalidRequest
from ..domain.limits import MAX_TOKEN
from ..storage import accounts as accounts_store
from ..storage import operators as store
from ..storage.db import Unavailable
from ..storage.operators import AuditRecord, KeyRecord
from .accounts import ACCOUNT_PREFIX, check_name, hash_token
from .context import Context
from .idempotency import Replayed

BOOTSTRAP = "bootstrap"
"""The actor name of the bootstrap operator token (PACKBILL_OPERATOR_TOKEN), an admin."""
KEY_PREFIX = "pbk_"


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is acting: an operator (the bootstrap token, a key, the command line's OS user, the
    built-in schedule) with a role, or one account with its own token."""

    role: Role
    actor: str
    """What the audit trail records as "who": 'bootstrap', a key id, an account id, 'os:<user>', 'schedule'."""
    account_id: str | None = None
    name: str | None = None

    @property
    def is_operator(self) -> bool:
        return access.is_operator(self.role)

    def may(self, action: str) -> bool:
        return access.may(self.role, action)

    def may_see(self, account_id: str) -> bool:
        """Whether this principal may act on ``account_id`` at all (its action is checked apart)."""
        return self.is_operator or self.account_id == account_id

    @classmethod
    def account(cls, account_id: str) -> "Principal":
        return cls(Role.ACCOUNT, account_id, account_id)

    @classmethod
    def os_user(cls) -> "Principal":
        """The command line with direct database access: an admin, recorded as its OS user."""
        try:
            user = getpass.getuser()
        except Exception:  # no user name in this environment
            user = "unknown"
        return cls(Role.ADMIN, f"os:{user}"[:80], name=user)


SCHEDULE = Principal(Role.ADMIN, "schedule", name="built-in schedule")
BOOTSTRAP_PRINCIPAL = Principal(Role.ADMIN, BOOTSTRAP, name=BOOTSTRAP)


def authenticate(ctx: Context, token: str | None, operator_token: str | None) -> Principal | None:
    """The principal a bearer token stands for, or None. A revoked key, or an account's token
    that was rotated, stands for nobody from that moment on."""
    token = (token or "").strip()
    if not token or len(token) > MAX_TOKEN:
        return None
    if operator_token and hmac.compare_digest(token.encode(), operator_token.encode()):
        return BOOTSTRAP_PRINCIPAL
    with ctx.db.read() as conn:
        if token.startswith(KEY_PREFIX):
            key = store.key_by_token_hash(conn, hash_token(token))
            return Principal(key.role, key.id, name=key.name) if key else None
        account = accounts_store.account_by_token_hash(conn, hash_token(token))
    return Principal.account(account.id) if account else None


def create_key(ctx: Context, name: str, role: str, by: Principal) -> tuple[KeyRecord, str]:
    """A named operator key with a role; the token is returned this once and stored hashed."""
    name = check_name(name)
    try:
        role_value = Role(role)
    except ValueError:
        raise InvalidRequest(f"role is one of {', '.join(r.value for r in access.OPERATOR_ROLES)}") from None
    if role_value is Role.ACCOUNT:
        raise InvalidRequest(f"role is one of {', '.join(r.value for r in access.OPERATOR_ROLES)}")
    token = KEY_PREFIX + secrets.token_urlsafe(32)
    with ctx.db.write() as conn:
        key = store.insert_key(conn, "key_" + uuid.uuid4().hex[:16], name, role_value, hash_token(token), ctx.now(), by.actor)
    return key, token


def list_keys(ctx: Context) -> list[KeyRecord]:
    with ctx.db.read() as conn:
        return store.list_keys(conn)


def revoke_key(ctx: Context, key_id: str) -> KeyRecord:
    """Revoke a key: it stops working with the next request. Revoking it again changes nothing."""
    with ctx.db.write() as conn:
        return store.revoke_key(conn, key_id, ctx.now())


def rotate_token(ctx: Context, account_id: str) -> str:
    """A new token for an account; the old one stops working at once."""
    token = ACCOUNT_PREFIX + secrets.token_urlsafe(32)
    with ctx.db.write() as conn:
        store.set_account_token(conn, account_id, hash_token(token))
    return token


# --- the audit trail -------------------------------------------------------------------------

SECRET_FIELDS = frozenset({"token", "secret", "password", "authorization"})
MAX_PARAMETERS = 2000
"""Characters of a record's parameters; a larger body is summarised (a usage batch: its size)."""


def _clean(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): ("<hidden>" if str(k).lower() in SECRET_FIELDS else _clean(v)) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return str(value)


def parameters_text(parameters: Any) -> str:
    """The parameters as stored: secrets hidden, and a summary instead when they are large."""
    text = json.dumps(_clean(parameters if parameters is not None else {}), ensure_ascii=False, sort_keys=True, default=str)
    if len(text) <= MAX_PARAMETERS:
        return text
    summary: dict[str, Any] = {"truncated": True, "characters": len(text)}
    if isinstance(parameters, dict) and isinstance(parameters.get("events"), list):
        summary["events"] = len(parameters["events"])
    return json.dumps(summary)


def record(ctx: Context, principal: Principal, via: str, action: str, *, target: str | None = None, account_id: str | None = None,
           parameters: Any = None, outcome: str = "ok", detail: str | None = None) -> None:
    """Append one record to the audit trail (R24). ``outcome``: 'ok' or the refusal's error code."""
    if action not in access.CHANGES:
        raise KeyError(f"{action!r} is not a change of state")
    if action == "account.create" and account_id is None and outcome == "ok":
        account_id = target  # the account it made
    with ctx.db.write() as conn:
        store.insert_record(conn, ctx.now(), principal.actor, principal.role.value, via, action, _fit(target, 200),
                            _fit(account_id, 40), parameters_text(parameters), _fit(outcome, 40) or "error", _fit(detail, 400))


def _fit(text: str | None, size: int) -> str | None:
    """A value from the outside as a column takes it: no NUL (PostgreSQL refuses it), at most ``size``."""
    return (text or "").replace("\x00", "\ufffd")[:size] or None


def outcome_of(exc: BaseException) -> tuple[str, str]:
    """The code and sentence an exception is recorded with."""
    if isinstance(exc, Replayed):
        return "replayed", "the same request again: its first answer was given"
    if isinstance(exc, BillingError):
        return exc.code, exc.message
    if isinstance(exc, UnknownSku):
        return "unknown_sku", str(exc)
    code = getattr(exc, "code", None)
    if isinstance(code, str):
        return code, getattr(exc, "message", str(exc))
    if isinstance(exc, Unavailable):
        return "service_unavailable", exc.message
    if isinstance(exc, ValueError):
        return "invalid_request", str(exc)
    return "error", type(exc).__name__


@contextmanager
def recorded(ctx: Context, principal: Principal, via: str, action: str, *, target: str | None = None,
             account_id: str | None = None, parameters: Any = None) -> Iterator[dict]:
    """Run a change and record it: 'ok' when the block ends, else the refusal's code (and the
    exception goes on). The block may set ``found["target"]`` (an id it created) and
    ``found["outcome"]`` (say 'replayed')."""
    found: dict[str, Any] = {}
    try:
        yield found
    except BaseException as exc:
        if not isinstance(exc, (KeyboardInterrupt, SystemExit, GeneratorExit)):
            code, sentence = outcome_of(exc)
            record(ctx, principal, via, action, target=target, account_id=account_id, parameters=parameters, outcome=code,
                   detail=sentence)
        raise
    record(ctx, principal, via, action, target=found.get("target", target), account_id=account_id, parameters=parameters,
           outcome=found.get("outcome", "ok"))


MAX_RECORDS = 500


def records(ctx: Context, *, first: date | None = None, last: date | None = None, actor: str | None = None,
            account_id: str | None = None, action: str | None = None, before: int | None = None, limit: int = 100
            ) -> list[AuditRecord]:
    """The audit trail, newest first, filtered; days are Shanghai days, both included."""
    if not 1 <= limit <= MAX_RECORDS:
        raise InvalidRequest(f"limit is 1 to {MAX_RECORDS}")
    if first and last and first > last:
        raise InvalidRequest("'from' is after 'to'")
    with ctx.db.read() as conn:
        return store.select_records(conn, start=day_start(first) if first else None,
                                    end=day_start(last + timedelta(days=1)) if last else None, actor=actor or None,
                                    account_id=account_id or None, action=action or None, before=before, limit=limit)


__all__ = ["AuditRecord", "KeyRecord", "Principal", "authenticate", "create_key", "list_keys", "records", "recorded", "revoke_key",
           "rotate_token"]
