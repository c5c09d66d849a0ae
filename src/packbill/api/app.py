"""API v1 on an app: its routers, its error mapping and its body limit."""

from __future__ import annotations

import logging
import time

from fastapi import FastAPI, Request

from ..domain import limits
from ..domain.access import Role, may
from ..process import logs
from ..services import Context, Lockout
from . import errors
from .deps import Deps
from .routers import (
    accounts,
    advice,
    bills,
    books,
    catalog,
    controls,
    invoicing,
    money,
    notify,
    operators,
    packages,
    revenue,
    service,
    settlements,
    terms,
    usage,
)
from .schemas import EXAMPLES as REQUESTS

access = logging.getLogger("packbill.access")

MAX_BODY = limits.MAX_BODY


class BodyLimit:
    """Counts a body as it arrives, whatever its framing (Content-Length or chunked): past
    MAX_BODY the body ends there, nothing more of it is read, and the scope is marked so that
    the route answers ``payload_too_large`` (routes authenticate before they read a body, so an
    anonymous caller's is never read at all)."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        seen = 0

        async def counted():
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > MAX_BODY:
                    scope[errors.TOO_LARGE] = MAX_BODY
                    return {"type": "http.request", "body": b"", "more_body": False}
            return message

        return await self.app(scope, counted, send)


WHO = {"admin": "admin", "finance": "finance", "support": "support", "metering": "metering", "account": "the account's own token"}


def documented(app: FastAPI) -> None:
    """The document names who may call each operation (R24): a bearer token, and ``x-roles``, the
    roles whose grants hold the operation's action (a customer's on its own account only)."""
    generate = app.openapi

    def openapi() -> dict:
        if app.openapi_schema is not None:
            return app.openapi_schema
        doc = generate()
        doc.setdefault("components", {})["securitySchemes"] = {"bearer": {
            "type": "http", "scheme": "bearer",
            "description": "an operator key's token (admin, finance, support, metering) or an account's token"}}
        for name, example in REQUESTS.items():
            if name in doc["components"].get("schemas", {}):
                doc["components"]["schemas"][name]["examples"] = [example]
        for ops in doc.get("paths", {}).values():
            for op in ops.values():
                action = op.get("x-action")
                if action is None:
                    continue
                roles = [r.value for r in Role if may(r, action)]
                op["security"] = [{"bearer": []}]
                op["x-roles"] = roles
                op["description"] = (op.get("description", "") + "\n\nWho may: " + ", ".join(WHO[r] for r in roles) + ".").strip()
        return doc

    app.openapi = openapi  # type: ignore[method-assign]


def install_api(app: FastAPI, ctx: Context, operator_token: str | None, lockout: Lockout | None = None) -> None:
    """Add every route of API v1 to ``app``, answering with ``ctx``."""
    errors.install(app)
    documented(app)

    @app.middleware("http")
    async def _request_id(request: Request, call_next):
        """Every request gets an id (the caller's X-Request-Id when sane), in its logs and its answer,
        and one access log line with it."""
        rid = logs.request_id(request.headers.get("x-request-id"))
        started = time.perf_counter()
        response = await call_next(request)
        response.headers["X-Request-Id"] = rid
        access.info("request", extra={"method": request.method, "path": request.url.path, "status": response.status_code,
                                      "ms": round((time.perf_counter() - started) * 1000, 1), "request_id": rid,
                                      "client": request.client.host if request.client else None})
        return response

    @app.middleware("http")
    async def _limit_body(request: Request, call_next):
        if not request.scope["path"].startswith("/v1/") and ("\x00" in request.scope["path"] or b"%00" in request.scope["query_string"]):
            # (API v1's own routes refuse it once the caller is known, so that the refusal is recorded)
            return errors.error_response("invalid_request", "an address or parameter must not contain NUL characters")
        length = request.headers.get("content-length")
        if length is not None and (not length.isdigit() or int(length) > MAX_BODY):
            return errors.error_response("payload_too_large", f"a request body is at most {MAX_BODY} bytes")
        return await call_next(request)

    app.add_middleware(BodyLimit)
    deps = Deps(ctx, operator_token, lockout or Lockout())
    for module in (service, catalog, accounts, packages, usage, settlements, bills, money, terms, books, revenue, advice, operators, notify,
                   controls, invoicing):
        app.include_router(module.router(deps))
