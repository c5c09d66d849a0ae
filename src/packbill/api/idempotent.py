"""The ``Idempotency-Key`` header on requests that create or move money."""

from collections.abc import Callable
from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse

from .. import services
from ..services import IdempotencyKey, Replayed, trail


def key_of(request: Request, scope: str, body: Any) -> IdempotencyKey | None:
    return IdempotencyKey.of(scope, request.headers.get("idempotency-key"), request.method, request.url.path, body)


def respond(ctx: services.Context, idem: IdempotencyKey | None, produce: Callable[[], tuple[int, dict]],
            rebuild: Callable[[str], tuple[int, dict]]) -> JSONResponse:
    """Run ``produce`` once per key: a replay answers the first response (or, if the server died
    before keeping it, the same resource rebuilt from what the first request did)."""
    try:
        status, body = produce()
    except Replayed as replay:
        trail.replayed(replay.ref)
        if replay.response is not None:
            return JSONResponse(replay.response["body"], status_code=replay.response["status"])
        status, body = rebuild(replay.ref)
        return JSONResponse(body, status_code=status)
    services.idempotency.remember(ctx, idem, {"status": status, "body": body})
    return JSONResponse(body, status_code=status)
