"""R27: what to buy, and which traffic billing type is cheaper."""

from typing import Any, Literal

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict

from ...present.advice import advice_json
from ...services import advice as service
from ..deps import Deps


class AdviceIn(BaseModel):
    model_config = ConfigDict(extra="ignore")
    forecast: Any = None
    """{"<service>": [quantity per month, ...]}: plan for this instead of the past window."""
    what_if_days: Any = 30


def router(deps: Deps) -> APIRouter:
    r = APIRouter(route_class=deps.Route, tags=["advice"])
    ctx = deps.ctx

    @r.get("/v1/accounts/{account_id}/advice", **deps.action("read"))
    def advice(account_id: deps.AccountId, window_days: int = 90, horizon_months: int = 12, what_if_days: int = 30,
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
