"""R24: who is calling (principals and their roles), operator keys, account token rotation, and
the audit trail of every change of state, whichever door it came through (API, console, CLI)."""

from __future__ import annotations

import getpass
import hmac
import secrets
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from ..domain import access
from ..domain.access import Role
from ..domain.catalog import UnknownSku
from ..domain.days import day_start
from ..domain.errors import BillingError, InvalidRequest
from ..domain.limits import MAX_TOKEN
from ..storage import accounts as accounts_store
from ..storage import operators as operators_store
from ..storage import sessions as sessions_store
from ..storage.db import Unavailable, commit_hook
from ..storage.operators import AuditRecord, KeyRecord
from . import trail
from .accounts import ACCOUNT_PREFIX, check_name, hash_token
from .context import Context, utc_now
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
    def account(cls, account_id: str, name: str | None = None) -> Principal:
        """An account's own token; ``name``: the account's, which the console shows for who is there."""
        return cls(Role.ACCOUNT, account_id, account_id, name=name)

    @classmethod
    def os_user(cls) -> Principal:
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
    return _by_hash(ctx, hash_token(token), token.startswith(KEY_PREFIX))


def _by_hash(ctx: Context, token_hash: str, key: bool | None = None) -> Principal | None:
    """The key or account whose token has this hash (``key``: which to look in; None: both)."""
    with ctx.db.read() as conn:
        if key in (True, None):
            found = operators_store.key_by_token_hash(conn, token_hash)
            if found is not None:
                return Principal(found.role, found.id, name=found.name)
        if key in (False, None):
            account = accounts_store.account_by_token_hash(conn, token_hash)
            if account is not None:
                return Principal.account(account.id, account.name)
    return None


# --- the console's sessions -----------------------------------------------------------------

SESSION_HOURS = 12
"""A console session lasts this long from sign-in, in real time: the service's clock (``ctx.now``)
may stand elsewhere (tests, a backfill), a session's life is a matter of security."""


@dataclass(frozen=True, slots=True)
class Session:
    id: str
    """The random id the cookie holds (only its hash is stored)."""
    csrf: str
    """The token every form of the session carries back."""
    principal: Principal


def open_session(ctx: Context, token: str | None, operator_token: str | None) -> Session | None:
    """Sign in with a token: a new session, or None when the token stands for nobody."""
    principal = authenticate(ctx, token, operator_token)
    if principal is None:
        return None
    session_id, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(24)
    now = utc_now()
    with commit_hook(None), ctx.db.write() as conn:
        sessions_store.insert(conn, hash_token(session_id), hash_token((token or "").strip()), csrf, now,
                              now + timedelta(hours=SESSION_HOURS))
    return Session(session_id, csrf, principal)


def session(ctx: Context, session_id: str | None, operator_token: str | None) -> Session | None:
    """The session a cookie names, while it lasts and its token still stands for someone (a
    revoked key or a rotated account token ends its sessions at once)."""
    if not session_id or len(session_id) > 128:
        return None
    with ctx.db.read() as conn:
        found = sessions_store.find(conn, hash_token(session_id), utc_now())
    if found is None:
        return None
    token_hash, csrf = found
    if operator_token and hmac.compare_digest(token_hash, hash_token(operator_token)):
        return Session(session_id, csrf, BOOTSTRAP_PRINCIPAL)
    principal = _by_hash(ctx, token_hash)
    return Session(session_id, csrf, principal) if principal is not None else None


def close_session(ctx: Context, session_id: str | None) -> None:
    if session_id and len(session_id) <= 128:
        with commit_hook(None), ctx.db.write() as conn:
            sessions_store.delete(conn, hash_token(session_id))


SIGNIN = "session.signin"
"""The audit trail's action of a console sign-in (recorded beside the changes of state)."""


def record_signin(ctx: Context, principal: Principal, client: str | None) -> None:
    """A console sign-in that opened a session (R24: who, from where)."""
    _append(ctx, principal.actor, principal.role.value, "console", SIGNIN, target=None, account_id=principal.account_id,
            parameters={"client": client}, outcome="ok", detail=None)


def record_anonymous(ctx: Context, via: str, action: str, *, client: str | None, outcome: str, detail: str) -> None:
    """A refusal of someone who is nobody yet (a token that stands for no one, a failed sign-in,
    a locked-out address): who is the address it came from."""
    _append(ctx, f"anonymous@{client or 'unknown'}", "none", via, action, target=None, account_id=None, parameters={},
            outcome=outcome, detail=detail)


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
        key = operators_store.insert_key(conn, "key_" + uuid.uuid4().hex[:16], name, role_value, hash_token(token), ctx.now(), by.actor)
        trail.created(key.id)
    return key, token


def list_keys(ctx: Context) -> list[KeyRecord]:
    with ctx.db.read() as conn:
        return operators_store.list_keys(conn)


def revoke_key(ctx: Context, key_id: str) -> KeyRecord:
    """Revoke a key: it stops working with the next request. Revoking it again changes nothing."""
    with ctx.db.write() as conn:
        return operators_store.revoke_key(conn, key_id, ctx.now())


def rotate_token(ctx: Context, account_id: str) -> str:
    """A new token for an account; the old one stops working at once."""
    token = ACCOUNT_PREFIX + secrets.token_urlsafe(32)
    with ctx.db.write() as conn:
        operators_store.set_account_token(conn, account_id, hash_token(token))
    return token


# --- the audit trail -------------------------------------------------------------------------

def _check_action(action: str) -> None:
    if action not in access.CHANGES:
        raise KeyError(f"{action!r} is not a change of state")


def record(ctx: Context, principal: Principal, via: str, action: str, *, target: str | None = None, account_id: str | None = None,
           parameters: Any = None, outcome: str = "ok", detail: str | None = None) -> None:
    """Append one record to the audit trail (R24), in a transaction of its own: for what changed
    nothing (a refusal, a replay). ``outcome``: 'ok' or the refusal's error code."""
    _check_action(action)
    if action == "account.create" and account_id is None and outcome == "ok":
        account_id = target  # the account it made
    _append(ctx, principal.actor, principal.role.value, via, action, target=target, account_id=account_id, parameters=parameters,
            outcome=outcome, detail=detail)


def _append(ctx: Context, actor: str, role: str, via: str, action: str, **record: Any) -> None:
    """One record in a transaction of its own (no change's intent rides along)."""
    with commit_hook(None), ctx.db.write() as conn:
        trail.insert(conn, ctx.now(), actor, role, via, action, **record)


def intent(ctx: Context, who, via: str, action: str, *, target: str | None = None, account_id: str | None = None,
           parameters: Any = None) -> trail.Intent:
    """The record of a change about to be made; ``who`` is a principal, or a function that gives
    one once the caller is known (None: nobody to record)."""
    _check_action(action)

    def actor() -> tuple[str, str] | None:
        principal = who() if callable(who) else who
        return None if principal is None else (principal.actor, principal.role.value)

    return trail.Intent(ctx.now, actor, via, action, target=target, account_id=account_id, parameters=parameters)


@contextmanager
def recording(the_intent: trail.Intent) -> Iterator[trail.Intent]:
    """Within the block, the first write transaction that commits carries ``the_intent``'s record."""
    token = trail.opened(the_intent)
    try:
        with commit_hook(the_intent):
            yield the_intent
    finally:
        trail.closed(token)


@contextmanager
def recorded(ctx: Context, principal: Principal, via: str, action: str, *, target: str | None = None,
             account_id: str | None = None, parameters: Any = None) -> Iterator[dict]:
    """Run a change and record it: 'ok' with the change's own transaction, else the refusal's
    code (and the exception goes on). The block may set ``found["target"]`` (an id it created)
    and ``found["outcome"]`` (say 'replayed')."""
    found: dict[str, Any] = {}
    planned = intent(ctx, principal, via, action, target=target, account_id=account_id, parameters=parameters)
    try:
        with recording(planned):
            yield found
    except BaseException as exc:
        if not isinstance(exc, (KeyboardInterrupt, SystemExit, GeneratorExit)):
            code, sentence = outcome_of(exc)
            record(ctx, principal, via, action, target=planned.target, account_id=planned.account_id, parameters=parameters,
                   outcome=code, detail=sentence)
        raise
    if not planned.written:
        record(ctx, principal, via, action, target=found.get("target", planned.target), account_id=planned.account_id,
               parameters=parameters, outcome=found.get("outcome", planned.outcome))


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
        return operators_store.select_records(conn, start=day_start(first) if first else None,
                                    end=day_start(last + timedelta(days=1)) if last else None, actor=actor or None,
                                    account_id=account_id or None, action=action or None, before=before, limit=limit)


__all__ = ["AuditRecord", "KeyRecord", "Principal", "authenticate", "create_key", "list_keys", "records", "recorded", "revoke_key",
           "rotate_token"]
