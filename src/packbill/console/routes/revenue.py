"""The operator's revenue by day: recognised, pay-as-you-go, breakage, and what is still deferred."""

from datetime import timedelta
from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import Response

from ... import present
from ...domain.days import shanghai_day
from ...domain.errors import BillingError
from ...present.books import revenue_csv as spreadsheet_of
from ...present.charts import line_chart, stacked_bars
from ...services import books
from ..pages import Pages, Visit, parse_day


def router(pages: Pages) -> APIRouter:
    r = APIRouter(include_in_schema=False)
    ctx = pages.ctx

    @r.get("/console/revenue")
    def revenue(*, v: Annotated[Visit, Depends(pages.signed_in("read.all"))]) -> Response:
        q = v.request.query_params
        today = shanghai_day(ctx.now())
        problem = None
        default = (today - timedelta(days=29), today)
        try:
            last = parse_day(q.get("to") or str(today))
            first = parse_day(q.get("from") or str(last - timedelta(days=29)))
        except ValueError:
            problem, (first, last) = v.t("bad_day"), default
        if first > last:
            problem, (first, last) = v.t("range_reversed"), default
        try:
            days = books.revenue(ctx, first, last)
        except BillingError as exc:  # a period too long
            problem, (first, last) = v.sentence(exc), default
            days = books.revenue(ctx, first, last)
        hint = None
        if not any(d.services for d in days) and (latest := books.latest_revenue_day(ctx)) is not None and latest < first:
            if not (q.get("from") or q.get("to")):  # opened without a period: the month of the latest revenue
                first, last = latest.replace(day=1), latest
                days = books.revenue(ctx, first, last)
            else:
                hint = v.t("revenue_elsewhere", day=latest.isoformat())
        rows = [{"day": d.day, "service": present.service_name(ctx.catalog, s, v.lang) if s != "vouchers" else v.t("vouchers"),
                 "recognised": present.money(f["recognised"]), "breakage": present.money(f["breakage"]), "payg": present.money(f["payg"]),
                 "deferred": present.money(d.deferred)} for d in days for s, f in d.services.items()]
        sums = {k: present.money(sum((f[k] for d in days for f in d.services.values()), Decimal(0))) for k in ("recognised", "breakage", "payg")}
        return v.page("revenue.html", charts=_charts(v, days), rows=rows, sums=sums, first=first, last=last, hint=hint,
                      deferred=present.money(days[-1].deferred) if days else "0.00", **({"message": problem} if problem else {}))

    @r.get("/console/revenue.csv")
    def revenue_csv(*, v: Annotated[Visit, Depends(pages.signed_in("read.all"))]) -> Response:
        q = v.request.query_params
        try:
            first, last = parse_day(q.get("from") or ""), parse_day(q.get("to") or "")
            days = books.revenue(ctx, first, last)
        except ValueError:
            return v.error(422, "bad_day")
        except BillingError as exc:
            return v.page("error.html", status=422, error=v.sentence(exc))
        return Response(spreadsheet_of(days, ctx.catalog, v.lang).encode("utf-8-sig"), media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": f'attachment; filename="revenue-{first}-{last}.csv"'})

    return r


def _charts(v: Visit, days) -> list[str]:
    labels = [d.day.strftime("%m-%d") for d in days]

    def total(d, kind: str) -> float:
        return float(sum((f[kind] for f in d.services.values()), Decimal(0)))

    recognised, payg, breakage, deferred = v.t("recognised"), v.t("payg_revenue"), v.t("breakage"), v.t("deferred")
    return [
        stacked_bars(v.t("revenue_chart"), labels, {recognised: [total(d, "recognised") for d in days],
                                                    payg: [total(d, "payg") for d in days], breakage: [total(d, "breakage") for d in days]},
                     unit=v.t("yuan"), colours={recognised: "#2563eb", payg: "#16a34a", breakage: "#9ca3af"}),
        line_chart(v.t("deferred_chart"), labels, {deferred: [float(d.deferred) for d in days]}, unit=v.t("yuan"), colours={deferred: "#6b4fbb"}),
    ]
