"""Who is calling, and the parsing of times and days in requests.

``Deps`` is built once per app from its context and operator token; each router takes its
dependencies from it (no global state, no ``app.state``)."""


import re
from datetime import date, datetime
from typing import Annotated

from fastapi import Depends, Request

from ..domain.usage import parse_timestamp
from ..services import Context, Principal, authenticate
from .errors import ApiError


class Deps:
    """The dependencies of the API's routes: ``Deps.ctx``, and three annotated types:
    ``Caller`` (any valid token), ``Operator`` (the operator only) and ``AccountId`` (a path
    account id the caller may reach; another account's id looks like one that does not exist)."""

    def __init__(self, ctx: Context, operator_token: str | None) -> None:
        self.ctx = ctx

        def caller(request: Request) -> Principal:
            header = request.headers.get("authorization", "")
            scheme, _, token = header.partition(" ")
            if scheme.lower() != "bearer" or not token.strip():
                raise ApiError("unauthorized", "send 'Authorization: Bearer <token>'")
            principal = authenticate(ctx, token, operator_token)
            if principal is None:
                raise ApiError("unauthorized", "this token is not valid")
            return principal

        def operator(principal: Annotated[Principal, Depends(caller)]) -> Principal:
            if not principal.is_operator:
                raise ApiError("forbidden", "only the operator can do this")
            return principal

        def account_id(account_id: str, principal: Annotated[Principal, Depends(caller)]) -> str:
            if not principal.may_see(account_id):
                raise ApiError("not_found", f"there is no account {account_id}")
            return account_id

        self.Caller = Annotated[Principal, Depends(caller)]
        self.Operator = Annotated[Principal, Depends(operator)]
        self.AccountId = Annotated[str, Depends(account_id)]


def moment(value: str | None, name: str) -> datetime | None:
    if value is None:
        return None
    try:
        return parse_timestamp(value)
    except ValueError as exc:
        raise ApiError("invalid_request", f"'{name}' {exc}") from None


def override_at(value: str | None, principal: Principal) -> datetime | None:
    """The ``at`` override is honoured for the operator only; a customer acts now."""
    return moment(value, "at") if principal.is_operator else None


_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def day(value: str, name: str) -> date:
    try:
        if not _DAY.match(value):
            raise ValueError
        return date.fromisoformat(value)
    except ValueError:
        raise ApiError("invalid_request", f"'{name}' must be a day written YYYY-MM-DD") from None
