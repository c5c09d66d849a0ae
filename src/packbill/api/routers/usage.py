"""/v1/accounts/{id}/usage: metering sends events (R1, R14); people read daily usage."""

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool

from ... import services
from .. import schemas
from ..deps import Deps, FromDay, ToDay, day
from ..errors import ApiError


def router(deps: Deps) -> APIRouter:
    r = APIRouter(route_class=deps.Route, tags=["usage"])
    ctx = deps.ctx

    def ingest_body(account_id: str, raw: bytes):
        try:
            body = services.decode_json(raw)
        except (ValueError, UnicodeDecodeError, RecursionError):
            raise ApiError("invalid_request", "the body is not valid JSON") from None
        if not isinstance(body, dict) or "events" not in body:
            raise ApiError("invalid_request", "the body must be an object with a list 'events'")
        return services.ingest(ctx, account_id, body["events"])

    @r.post(
        "/v1/accounts/{account_id}/usage",
        status_code=202,
        response_model=schemas.UsageAcceptedOut,
        **deps.action("usage.send", openapi_extra={"requestBody": {"required": True, "content": {"application/json": {
            "schema": {**schemas.inline_schema(schemas.UsageBatchIn), "examples": [{"events": [
                {"event_id": "cam-7-20270601-120000-1", "service": "ai.kitchen", "quantity": 12, "region": "ap-beijing",
                 "timestamp": "2027-06-01T12:00:00+08:00"}]}]}}}}}),
    )
    async def usage(account_id: deps.AccountId, request: Request):
        raw = await request.body()
        # decoding and storing run off the event loop: a 10,000-event body takes milliseconds
        result = await run_in_threadpool(ingest_body, account_id, raw)
        return {"accepted": result.accepted, "duplicates": result.duplicates}

    @r.get("/v1/accounts/{account_id}/usage", response_model=schemas.DailyUsageListOut, **deps.action("read"))
    def daily_usage(account_id: deps.AccountId, from_: FromDay, to: ToDay):
        rows = services.daily_usage(ctx, account_id, day(from_, "from"), day(to, "to"))
        return {"usage": [{"day": u.day.isoformat(), "service": u.service, "mainland": u.mainland, "other": u.other,
                           "settled": u.settled} for u in rows]}

    return r
