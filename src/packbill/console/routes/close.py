"""The operator's month close (R21, R22): a month's statements against its revenue, per service."""

from datetime import timedelta
from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import Response

from ... import present
from ...domain.days import shanghai_day
from ...domain.errors import BillingError
from ...present.words import in_language
from ...services import books
from ..pages import Pages, Visit


def router(pages: Pages) -> APIRouter:
    r = APIRouter(include_in_schema=False)
    ctx = pages.ctx

    @r.get("/console/close")
    def close(*, v: Annotated[Visit, Depends(pages.signed_in("read.all"))]) -> Response:
        """A month's close: its statements against its revenue, per service (default: last month)."""
        today = shanghai_day(ctx.now())
        wanted = v.request.query_params.get("month") or f"{(today.replace(day=1) - timedelta(days=1)):%Y-%m}"
        words = in_language("revenue", v.lang)
        try:
            found = books.month_close(ctx, books.parse_month(wanted))
        except BillingError as exc:
            return v.page("close.html", w=words, close=None, month_label=wanted, month_value=wanted, message=v.sentence(exc))
        rows = [{"name": present.service_name(ctx.catalog, x.service, v.lang) if x.service != "vouchers" else words["vouchers"],
                 **{k: present.money(getattr(x, k)) for k in ("statements_payg", "revenue_payg", "difference", "recognised", "breakage")}}
                for x in found.rows]
        totals = {k: present.money(sum((getattr(x, k) for x in found.rows), Decimal(0)))
                  for k in ("statements_payg", "revenue_payg", "difference", "recognised", "breakage")}
        label = f"{found.month.year} 年 {found.month.month}" if v.lang == "zh" else f"{found.month:%B %Y}"
        return v.page("close.html", w=words, close=found, rows=rows, totals=totals, month_label=label, month_value=f"{found.month:%Y-%m}")

    return r
