"""Every error leaves as ``{"error": {"code", "message", "details"}}`` with the contract's status."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from ..domain.catalog import UnknownSku
from ..domain.errors import BillingError
from ..domain.limits import BODY_TOO_LARGE
from ..services import Unavailable

STATUS = {
    "unauthorized": 401,
    "forbidden": 403,
    "not_found": 404,
    "site_not_eligible": 403,
    "unknown_sku": 422,
    "invalid_usage": 422,
    "refund_not_allowed": 409,
    "invalid_request": 422,
    "method_not_allowed": 405,
    "payload_too_large": 413,
    "service_unavailable": 503,
    "insufficient_funds": 402,
    "conflict": 409,
    "rate_limited": 429,
}
RETRY_AFTER_SECONDS = 5
log = logging.getLogger("packbill.api")


TOO_LARGE = BODY_TOO_LARGE


class ApiError(Exception):
    def __init__(self, code: str, message: str, details=None) -> None:
        super().__init__(message)
        self.code, self.message, self.details = code, message, details


def error_response(code: str, message: str, details=None, status: int | None = None) -> JSONResponse:
    return JSONResponse(
        {"error": {"code": code, "message": message, "details": details}}, status_code=status or STATUS[code]
    )


def _plain(value):
    """Pydantic's error context as JSON-safe values."""
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return str(value)


def install(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def _api(_: Request, exc: ApiError):
        response = error_response(exc.code, exc.message, exc.details)
        if isinstance(exc.details, dict) and "retry_after" in exc.details:
            response.headers["Retry-After"] = str(exc.details["retry_after"])
        return response

    @app.exception_handler(BillingError)
    async def _billing(_: Request, exc: BillingError):
        return error_response(exc.code, exc.message, exc.details)

    @app.exception_handler(Unavailable)
    async def _unavailable(_: Request, exc: Unavailable):
        # a failing database is not the request's fault: 503 with a time to come back; the
        # response is an ordinary one, so the client's keep-alive connection stays usable
        log.warning("database unavailable: %s", exc.message)
        response = error_response("service_unavailable", "the service cannot reach its database right now; nothing was "
                                  "stored, try again shortly", {"retry_after": RETRY_AFTER_SECONDS})
        response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response

    @app.exception_handler(UnknownSku)
    async def _sku(_: Request, exc: UnknownSku):
        return error_response("unknown_sku", str(exc), {"sku": exc.sku})

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, exc: RequestValidationError):
        details = [{"loc": _plain(e.get("loc")), "message": e.get("msg"), "type": e.get("type")} for e in exc.errors()]
        where = ", ".join(".".join(str(p) for p in d["loc"] or ()) for d in details[:3])
        unknown = [d["loc"][-1] for d in details if d["type"] == "extra_forbidden" and d["loc"]]
        if unknown:
            names = ", ".join(f"'{n}'" for n in unknown[:3])
            return error_response("invalid_request", f"unknown field {names}: the body has no such field (is it misspelt?)", details)
        return error_response("invalid_request", f"the request is malformed ({where})", details)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException):
        if exc.status_code == 404:
            return error_response("not_found", "there is nothing at this address")
        if exc.status_code == 405:  # with every method the address does take (RFC 9110: Allow)
            response = error_response("method_not_allowed", "this address does not take that method")
            response.headers["Allow"] = ", ".join(allowed_methods(request))
            return response
        code = {401: "unauthorized", 403: "forbidden", 413: "payload_too_large"}.get(exc.status_code, "invalid_request")
        # a body that is not JSON is, by the contract, a malformed request: 422 invalid_request
        status = exc.status_code if code != "invalid_request" else 422
        return error_response(code, str(exc.detail), status=status)

    @app.exception_handler(Exception)
    async def _crash(_: Request, exc: Exception):  # pragma: no cover - a bug if reached
        log.exception("unhandled error")
        return error_response("internal", "an internal error occurred", status=500)


def allowed_methods(request: Request) -> list[str]:
    """The methods the API's document declares at the request's path (HEAD with GET, as the server
    answers it)."""
    import re

    app = request.app
    table = getattr(app.state, "allowed_methods", None)
    if table is None:
        table = [(re.compile("^" + re.sub(r"\\{[^/}]+\\}", "[^/]+", re.escape(path)) + "$"), {m.upper() for m in ops})
                 for path, ops in app.openapi().get("paths", {}).items()]
        app.state.allowed_methods = table
    found: set[str] = set()
    for pattern, methods in table:
        if pattern.match(request.url.path):
            found |= methods
    if "GET" in found:
        found.add("HEAD")
    return sorted(found)
