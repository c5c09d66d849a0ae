"""R27: what to buy, and which traffic billing type is cheaper."""

from typing import Annotated, Any, Literal

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from ...domain.catalog import USAGE_SERVICES
from ...domain.limits import MAX_DAY_TOTAL
from ...present.advice import advice_json
from ...services import advice as service
from ..deps import Deps, whole


class AdviceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    forecast: Any = Field(description="{\"<service>\": [quantity per month, ...]}: plan for this instead of the past window; "
                                      "every service the same number of months", json_schema_extra={
        "type": "object", "minProperties": 1, "propertyNames": {"enum": list(USAGE_SERVICES)},
        "additionalProperties": {"type": "array", "minItems": 1, "maxItems": service.MAX_HORIZON_MONTHS,
                                 "items": {"type": "integer", "minimum": 0, "maximum": MAX_DAY_TOTAL}}})
    what_if_days: Any = Field(30, json_schema_extra={"type": "integer", "minimum": 1, "maximum": service.MAX_WHAT_IF_DAYS})


def router(deps: Deps) -> APIRouter:
    r = APIRouter(route_class=deps.Route, tags=["advice"])
    ctx = deps.ctx

    @r.get("/v1/accounts/{account_id}/advice", **deps.action("read"))
    def advice(account_id: deps.AccountId, window_days: Annotated[int, whole(7, service.MAX_WINDOW_DAYS, "days of usage to project from")] = 90,
               horizon_months: Annotated[int, whole(1, service.MAX_HORIZON_MONTHS, "months to plan for")] = 12,
               what_if_days: Annotated[int, whole(1, service.MAX_WHAT_IF_DAYS, "days of traffic for the what-if")] = 30,
               lang: Literal["en", "zh"] = "en", method: Literal["flat", "trend"] = "flat") -> dict:
        """The cheapest packages to buy, and when, for the next ``horizon_months`` (from today to
        the day before the same date that many months later; each month starts on today's date),
        projected from the last ``window_days`` of usage; the cost with and without the plan, the
        forfeiture it expects, the plan's cost with usage 20 % lower or higher, every figure as
        the settlement engine would bill it day by day (tiers restart on each calendar month's
        1st); and the last ``what_if_days`` under each traffic billing type with the break-even in
        hours of steady push a day. The forecast is flat (the window's daily average times each
        month's days) unless ``method=trend``; with fewer than 7 days of usage in the window,
        ``enough_usage`` is false and there is no plan."""
        return advice_json(service.advise(ctx, account_id, window_days, horizon_months, None, what_if_days, method), ctx.catalog, lang)

    @r.post("/v1/accounts/{account_id}/advice", **deps.action("read"))
    def advice_for(account_id: deps.AccountId, body: AdviceIn, lang: Literal["en", "zh"] = "en") -> dict:
        """The same for a forecast the customer gives: ``{"forecast": {"<service>": [quantity per month, ...]}}``."""
        if body.forecast is None:
            from ...domain.errors import InvalidRequest

            raise InvalidRequest("'forecast' is required: {\"<service>\": [quantity per month, ...]}")
        return advice_json(service.advise(ctx, account_id, forecast=body.forecast, what_if_days=body.what_if_days), ctx.catalog, lang)

    return r
