"""API v1 on an app: its routers, its error mapping and its body limit."""

from __future__ import annotations

from fastapi import FastAPI, Request

from ..services import Context
from . import errors
from .deps import Deps
from .routers import accounts, advice, bills, books, catalog, money, notify, operators, packages, service, settlements, usage

MAX_BODY = 32 * 1024 * 1024


def install_api(app: FastAPI, ctx: Context, operator_token: str | None) -> None:
    """Add every route of API v1 to ``app``, answering with ``ctx``."""
    errors.install(app)

    @app.middleware("http")
    async def _limit_body(request: Request, call_next):
        if "\x00" in request.scope["path"] or b"%00" in request.scope["query_string"]:
            return errors.error_response("invalid_request", "an address or parameter must not contain NUL characters")
        length = request.headers.get("content-length")
        if length is not None and (not length.isdigit() or int(length) > MAX_BODY):
            return errors.error_response("payload_too_large", f"a request body is at most {MAX_BODY} bytes")
        return await call_next(request)

    deps = Deps(ctx, operator_token)
    for module in (service, catalog, accounts, packages, usage, settlements, bills, money, books, advice, operators, notify):
        app.include_router(module.router(deps))
