"""The route class that writes R24's audit record for every change of state made through the
API, accepted or refused, once the caller is known."""

from __future__ import annotations

import json
from typing import Any, Callable

from fastapi import Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException

from ..domain.access import CHANGES
import logging

from ..services import Context, Unavailable
from ..services import operators
from ..services.operators import outcome_of

log = logging.getLogger("packbill.audit")

TARGET_PARAMS = ("delivery_id", "webhook_id", "key_id", "package_id", "account_id")
"""The most specific path parameter names what was acted on."""


def _parameters(body: bytes) -> Any:
    if not body:
        return {}
    if len(body) > 2 * operators.MAX_PARAMETERS:  # a usage batch: its size, not its events again
        return {"bytes": len(body)}
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return {"body": f"{len(body)} bytes, not JSON"}


def _refusal(exc: BaseException) -> tuple[str, str]:
    if isinstance(exc, RequestValidationError):
        return "invalid_request", "the request is malformed"
    if isinstance(exc, HTTPException):
        return "invalid_request", str(exc.detail)
    return outcome_of(exc)


def audited_route(ctx: Context) -> type[APIRoute]:
    class AuditedRoute(APIRoute):
        def get_route_handler(self) -> Callable:
            handler = super().get_route_handler()
            action = (self.openapi_extra or {}).get("x-action")
            if action not in CHANGES:
                return handler

            async def write(request: Request, outcome: str, detail: str | None, created: str | None) -> None:
                principal = getattr(request.state, "principal", None)
                if principal is None:  # no valid token: nobody to record (401)
                    return
                params = request.path_params
                target = created or next((params[n] for n in TARGET_PARAMS if n in params), None)
                body = await request.body()
                try:
                    await run_in_threadpool(operators.record, ctx, principal, "api", action, target=target,
                                            account_id=params.get("account_id"), parameters=_parameters(body), outcome=outcome,
                                            detail=detail)
                except Unavailable as exc:  # the change stands (or was refused) either way; say so in the log
                    log.error("audit record not written (%s): %s %s by %s, %s", exc.message, action, target, principal.actor, outcome)

            async def audited(request: Request) -> Response:
                try:
                    response = await handler(request)
                except Exception as exc:
                    code, sentence = _refusal(exc)
                    await write(request, code, sentence, None)
                    raise
                created = None
                outcome, detail = "ok", None
                if response.status_code >= 400 or response.media_type == "application/json":
                    try:
                        answer = json.loads(bytes(response.body))
                    except (ValueError, AttributeError):
                        answer = None
                    if isinstance(answer, dict):
                        if response.status_code >= 400 and isinstance(answer.get("error"), dict):
                            outcome, detail = str(answer["error"].get("code")), str(answer["error"].get("message"))
                        elif isinstance(answer.get("id"), (str, int)):
                            created = str(answer["id"])
                        if "accepted" in answer:
                            detail = f"accepted {answer['accepted']}, duplicates {answer.get('duplicates')}"
                await write(request, outcome, detail, created)
                return response

            return audited

    return AuditedRoute
