"""The route class of API v1. Before anything else it authenticates the caller (a request with no
valid token is answered 401 before its body is read) and refuses a body holding text no column
can store; then it runs the route with R24's audit record opened, so that a change commits with
its record (``services.trail``), and records a refusal or a replay afterwards."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable
from typing import Any

from fastapi import Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException

from ..domain.access import CHANGES
from ..domain.limits import first_unstorable
from ..services import Context, Unavailable, operators, outcome_of, trail
from .errors import TOO_LARGE, ApiError

log = logging.getLogger("packbill.audit")

TARGET_PARAMS = ("delivery_id", "webhook_id", "key_id", "package_id", "account_id")
"""The most specific path parameter names what was acted on."""

_ESCAPE = re.compile(rb"\\u(?:0000|[dD][89abcdefABCDEF])")
"""A JSON escape that may stand for a NUL or a surrogate: only then is the body walked."""


def _parameters(body: bytes) -> Any:
    if not body:
        return {}
    if len(body) > 2 * trail.MAX_PARAMETERS:  # a usage batch: its size, not its events again
        return {"bytes": len(body)}
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return {"body": f"{len(body)} bytes, not JSON"}


def refuse_nul_in_address(request: Request) -> None:
    if "\x00" in request.scope["path"] or b"%00" in request.scope["query_string"]:
        raise ApiError("invalid_request", "an address or parameter must not contain NUL characters")


def refuse_too_large(request: Request) -> None:
    if TOO_LARGE in request.scope:
        raise ApiError("payload_too_large", f"a request body is at most {request.scope[TOO_LARGE]} bytes")


def refuse_unstorable(body: bytes) -> None:
    """A JSON body with a NUL or a lone UTF-16 surrogate anywhere (even in a field the route
    ignores) is refused as invalid, before anything is done with it."""
    if not body or not _ESCAPE.search(body):
        return
    try:
        value = json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return  # not JSON: the route refuses it as malformed
    where = first_unstorable(value)
    if where:
        raise ApiError("invalid_request", f"{where} holds a character that cannot be stored (a NUL or a lone UTF-16 "
                                          "surrogate); send well-formed Unicode text", {"field": where})


def _refusal(exc: BaseException) -> tuple[str, str]:
    if isinstance(exc, RequestValidationError):
        return "invalid_request", "the request is malformed"
    if isinstance(exc, HTTPException):
        return "invalid_request", str(exc.detail)
    return outcome_of(exc)


def _answer(response: Response) -> tuple[str, str | None]:
    """The outcome and detail an answer is recorded with."""
    outcome, detail = "ok", None
    if response.status_code >= 400 or response.media_type == "application/json":
        try:
            answer = json.loads(bytes(response.body))
        except (ValueError, AttributeError):
            answer = None
        if isinstance(answer, dict):
            if response.status_code >= 400 and isinstance(answer.get("error"), dict):
                outcome, detail = str(answer["error"].get("code")), str(answer["error"].get("message"))
            if "accepted" in answer:
                detail = f"accepted {answer['accepted']}, duplicates {answer.get('duplicates')}"
    return outcome, detail


def audited_route(ctx: Context, authenticate: Callable[[Request], object]) -> type[APIRoute]:
    """``authenticate(request)`` sets ``request.state.principal`` or raises ``unauthorized``."""

    class AuditedRoute(APIRoute):
        def get_route_handler(self) -> Callable:
            handler = super().get_route_handler()
            action = (self.openapi_extra or {}).get("x-action")
            if action is None:
                return handler
            door = _Door(ctx, authenticate, action)
            return door.audited(handler) if action in CHANGES else door.guarded(handler)

    return AuditedRoute


class _Door:
    """How a request to a route with an action comes in: authenticated before its body is read,
    its body refused when it cannot be stored, and a change recorded (R24) with its outcome."""

    def __init__(self, ctx: Context, authenticate: Callable[[Request], object], action: str) -> None:
        self.ctx, self.authenticate, self.action = ctx, authenticate, action

    async def opened(self, request: Request) -> bytes:
        """The caller authenticated (401 before a byte of the body is read), then the body."""
        await run_in_threadpool(self.authenticate, request)
        refuse_nul_in_address(request)
        body = await request.body()
        refuse_too_large(request)
        return body

    def guarded(self, handler: Callable) -> Callable:
        async def guarded(request: Request) -> Response:
            refuse_unstorable(await self.opened(request))
            return await handler(request)

        return guarded

    async def write(self, request: Request, intent: trail.Intent, outcome: str, detail: str | None) -> None:
        principal = getattr(request.state, "principal", None)
        if principal is None:  # no valid token: nobody to record (401)
            return
        try:
            await run_in_threadpool(operators.record, self.ctx, principal, "api", self.action, target=intent.target,
                                    account_id=intent.account_id, parameters=intent.parameters, outcome=outcome, detail=detail)
        except Unavailable as exc:  # nothing changed (or the change has its record): say so in the log
            log.error("audit record not written (%s): %s %s by %s, %s", exc.message, self.action, intent.target,
                      principal.actor, outcome)

    def audited(self, handler: Callable) -> Callable:
        async def audited(request: Request) -> Response:
            params = request.path_params
            intent = operators.intent(self.ctx, lambda: getattr(request.state, "principal", None), "api", self.action,
                                      target=next((params[n] for n in TARGET_PARAMS if n in params), None),
                                      account_id=params.get("account_id"))
            try:
                with operators.recording(intent):
                    body = await self.opened(request)
                    intent.parameters = _parameters(body)
                    refuse_unstorable(body)
                    response = await handler(request)
            except Exception as exc:
                code, sentence = _refusal(exc)
                await self.write(request, intent, code, sentence)
                raise
            outcome, detail = _answer(response)
            if outcome == "ok" and intent.outcome != "ok":
                outcome, detail = intent.outcome, "the same request again: its first answer was given"
            if not intent.written or outcome != "ok":
                await self.write(request, intent, outcome, detail)
            return response

        return audited
