"""Who is calling, and the parsing of times and days in requests.

``Deps`` is built once per app from its context and operator token; each router takes its
dependencies from it (no global state, no ``app.state``)."""


import re
from datetime import date, datetime
from typing import Annotated

from fastapi import Depends, Path, Query, Request

from .. import services
from ..domain import access
from ..domain.access import Role
from ..domain.catalog import BANDWIDTH_SERVICES, USAGE_SERVICES
from ..domain.days import check_supported
from ..domain.model import PackageStatus
from ..domain.usage import parse_moment
from ..services import Context, Lockout, Principal, authenticate, record_anonymous
from .audited import audited_route
from .errors import ApiError
from .schemas import DAY_OR_EMPTY_SCHEMA, DAY_SCHEMA, MOMENT_SCHEMA


class Deps:
    """The dependencies of the API's routes: ``Deps.ctx``; ``Caller`` (any valid token, its
    principal) and ``AccountId`` (a path account id the caller may reach; another account's id
    looks like one that does not exist); ``action(name)``, the keyword arguments that make a
    route check R24's grant for ``name`` first and record it in the audit trail; and ``Route``,
    the route class that writes that record."""

    def __init__(self, ctx: Context, operator_token: str | None, lockout: Lockout) -> None:
        self.ctx = ctx
        self._permits: dict[str, object] = {}

        self.lockout = lockout

        def authenticated(request: Request) -> Principal:
            """The caller's principal, looked up once per request (else ``unauthorized``; an
            address that sent too many bad tokens is ``rate_limited`` for a while, unlooked)."""
            known = getattr(request.state, "principal", None)
            if known is not None:
                return known
            client = request.client.host if request.client else "unknown"
            wait = self.lockout.retry_after(client)
            if wait is not None:
                raise ApiError("rate_limited", f"too many requests with bad tokens from this address; try again in {wait} s",
                               {"retry_after": wait})
            header = request.headers.get("authorization", "")
            scheme, _, token = header.partition(" ")
            principal = authenticate(ctx, token, operator_token) if scheme.lower() == "bearer" and token.strip() else None
            if principal is None:
                self.lockout.failed(client)
                route = request.scope.get("route")
                action = ((getattr(route, "openapi_extra", None) or {}).get("x-action")) or "read"
                sentence = "this token is not valid" if token.strip() else "send 'Authorization: Bearer <token>'"
                record_anonymous(ctx, "api", action, client=client, outcome="unauthorized", detail=f"{sentence} ({request.method} "
                                 f"{request.url.path})"[:400])
                raise ApiError("unauthorized", sentence)
            request.state.principal = principal
            return principal

        caller = authenticated
        def account_id(account_id: str, principal: Annotated[Principal, Depends(caller)], request: Request) -> str:
            if not principal.may_see(account_id) and not _payer_reads(ctx, principal, account_id, request):
                raise ApiError("not_found", f"there is no account {account_id}")
            return account_id

        self._caller = caller
        self.Caller = Annotated[Principal, Depends(caller)]
        self.AccountId = Annotated[str, Depends(account_id)]
        self.Route = audited_route(ctx, authenticated)

    def action(self, name: str, openapi_extra: dict | None = None) -> dict:
        """``@router.post(path, **deps.action("topup.create"))``: the caller must hold the grant
        (else ``forbidden``, before anything else is looked at); OpenAPI shows it as ``x-action``."""
        if name not in access.ACTIONS:
            raise KeyError(f"unknown action {name!r}")
        if name not in self._permits:
            def permit(principal: Annotated[Principal, Depends(self._caller)]) -> None:
                if not principal.may(name):
                    who = "a customer's token" if principal.role is Role.ACCOUNT else f"the {principal.role.value} role"
                    raise ApiError("forbidden", f"{who} may not do this ({name})")

            self._permits[name] = permit
        return {"dependencies": [Depends(self._permits[name])], "openapi_extra": {**(openapi_extra or {}), "x-action": name}}


MEMBER_READS = re.compile(r"^/v1/accounts/[^/]+(/packages|/bills|/statements/[^/]+)?$")
"""R32: what a payer's token may read of its members: the account, its packages, bills and statements."""


def _payer_reads(ctx: Context, principal: Principal, account_id: str, request: Request) -> bool:
    """Whether a customer's token reads what R32 lets a payer read of an account it pays or paid for."""
    return (principal.account_id is not None and request.method == "GET" and MEMBER_READS.match(request.url.path) is not None
            and services.pays_for(ctx, principal.account_id, account_id))


def moment(value: str | None, name: str) -> datetime | None:
    try:
        return parse_moment(value)
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
        found = date.fromisoformat(value)
    except ValueError:
        raise ApiError("invalid_request", f"'{name}' must be a day written YYYY-MM-DD") from None
    try:
        return check_supported(found)
    except ValueError as exc:
        raise ApiError("invalid_request", f"'{name}' {exc}") from None


# -- parameters as the document declares them: what the service accepts, no more and no less (its own
# -- checks keep their sentences; the document says the same so that a generated client knows) ------

def _enum(values) -> dict:
    return {"enum": list(values)}


UsageService = Annotated[str, Path(description="a service usage is reported for", json_schema_extra=_enum(USAGE_SERVICES))]
AnyService = Annotated[str, Path(description="a service with a status", json_schema_extra=_enum(USAGE_SERVICES + BANDWIDTH_SERVICES))]
Month = Annotated[str, Path(description="YYYY-MM, 2000-01 to 2199-12", json_schema_extra={"pattern": "^(20|21)[0-9]{2}-(0[1-9]|1[0-2])$"})]
AsOf = Annotated[str | None, Query(description="a moment, ISO 8601 with its offset (now by default)", json_schema_extra=MOMENT_SCHEMA)]
FromDay = Annotated[str, Query(alias="from", description="the first day, YYYY-MM-DD", json_schema_extra=DAY_SCHEMA)]
ToDay = Annotated[str, Query(description="the last day, YYYY-MM-DD", json_schema_extra=DAY_SCHEMA)]
FromDayOpt = Annotated[str | None, Query(alias="from", description="the first day, YYYY-MM-DD (empty: none)",
                                         json_schema_extra=DAY_OR_EMPTY_SCHEMA)]
ToDayOpt = Annotated[str | None, Query(description="the last day, YYYY-MM-DD (empty: none)", json_schema_extra=DAY_OR_EMPTY_SCHEMA)]


def whole(low: int, high: int, description: str) -> Query:  # type: ignore[valid-type]
    """An integer query parameter the service checks itself (its sentence), documented with its range."""
    return Query(description=description, json_schema_extra={"minimum": low, "maximum": high})


PackageStatusFilter = Annotated[str | None, Query(description="only the packages of this status",
                                                    json_schema_extra=_enum(s.value for s in PackageStatus))]
