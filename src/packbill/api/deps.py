"""Who is calling, and parsing of times and days in requests."""

from __future__ import annotations

import hmac
import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated

from fastapi import Depends, Request

from ..domain.usage import parse_timestamp
from ..services import Context, authenticate
from .errors import ApiError


@dataclass(frozen=True)
class Principal:
    role: str
    """'operator' or 'account'."""
    account_id: str | None = None

    @property
    def is_operator(self) -> bool:
        return self.role == "operator"


def get_ctx(request: Request) -> Context:
    return request.app.state.ctx


def get_principal(request: Request) -> Principal:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token or len(token) > 512:
        raise ApiError("unauthorized", "send 'Authorization: Bearer <token>'")
    operator_token = request.app.state.operator_token
    if operator_token and hmac.compare_digest(token.encode(), operator_token.encode()):
        return Principal("operator")
    account = authenticate(request.app.state.ctx, token)
    if account is None:
        raise ApiError("unauthorized", "this token is not valid")
    return Principal("account", account.id)


CtxDep = Annotated[Context, Depends(get_ctx)]
PrincipalDep = Annotated[Principal, Depends(get_principal)]


def operator_only(principal: PrincipalDep) -> Principal:
    if not principal.is_operator:
        raise ApiError("forbidden", "only the operator can do this")
    return principal


OperatorDep = Annotated[Principal, Depends(operator_only)]


def account_access(account_id: str, principal: PrincipalDep) -> str:
    """An account token reaches its own account only; others look like they do not exist."""
    if not principal.is_operator and principal.account_id != account_id:
        raise ApiError("not_found", f"there is no account {account_id}")
    return account_id


AccountIdDep = Annotated[str, Depends(account_access)]


def moment(value: str | None, name: str) -> datetime | None:
    if value is None:
        return None
    try:
        return parse_timestamp(value)
    except ValueError as exc:
        raise ApiError("invalid_request", f"'{name}' {exc}") from None


def override_at(value: str | None, principal: Principal) -> datetime | None:
    """R: the ``at`` override is honoured for the operator only; a customer acts now."""
    return moment(value, "at") if principal.is_operator else None


_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def day(value: str, name: str) -> date:
    try:
        if not _DAY.match(value):
            raise ValueError
        return date.fromisoformat(value)
    except ValueError:
        raise ApiError("invalid_request", f"'{name}' must be a day written YYYY-MM-DD") from None
