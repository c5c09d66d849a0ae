"""Revenue (R21), dated by the usage day it serves, and a month's close against its statements (R22)."""

from typing import Literal

from fastapi import APIRouter
from fastapi.responses import Response

from ...domain.days import shanghai_day
from ...present.books import close_json, revenue_csv, revenue_json
from ...services import books
from .. import schemas
from ..deps import Deps, FromDayOpt, Month, ToDayOpt, day


def router(deps: Deps) -> APIRouter:
    r = APIRouter(route_class=deps.Route, tags=["books"])
    ctx = deps.ctx

    @r.get("/v1/revenue", response_model=schemas.RevenueOut, responses={200: {"content": {"text/csv": {}}}}, **deps.action("read.all"))
    def revenue(from_: FromDayOpt = None, to: ToDayOpt = None,
                format: Literal["json", "csv"] = "json", lang: Literal["zh", "en"] = "zh"):
        """Per day (Asia/Shanghai) and service: revenue recognised from packages, breakage and
        pay-as-you-go, dated by the usage day it serves, and the deferred revenue held at each
        day's end. Default: the last 30 days. ``format=csv`` gives it as a spreadsheet (headers
        and service names in ``lang``)."""
        today = shanghai_day(ctx.now())
        last = day(to, "to") if to else today
        first = day(from_, "from") if from_ else last.fromordinal(last.toordinal() - 29)
        days = books.revenue(ctx, first, last)
        if format == "csv":
            return Response(revenue_csv(days, ctx.catalog, lang).encode("utf-8-sig"), media_type="text/csv; charset=utf-8",
                            headers={"Content-Disposition": f'attachment; filename="revenue-{first}-{last}.csv"'})
        return revenue_json(days)

    @r.get("/v1/close/{month}", response_model=schemas.CloseOut, **deps.action("read.all"))
    def close(month: Month):
        """A month's close (YYYY-MM): its statements' pay-as-you-go against its revenue, per
        service, with the deferred revenue at both ends; ``difference`` is 0.00 everywhere when
        the books agree."""
        return close_json(books.month_close(ctx, books.parse_month(month)))

    return r
