"""An account's bill lines over a period, with the drawn-vs-pay-as-you-go charts."""

from __future__ import annotations

from calendar import monthrange
from datetime import date, timedelta
from decimal import Decimal

from fastapi import APIRouter, Depends
from fastapi.responses import Response

from ... import present, services
from ...domain.catalog import TRAFFIC_SERVICES
from ...domain.days import shanghai_day
from ...domain.errors import BillingError
from ...present.books import bill_detail_csv, line_region
from ...present.charts import PALETTE, PAYG, drawn_vs_payg, stacked_bars
from ..i18n import t
from ..pages import Pages, Visit, parse_day


def router(pages: Pages) -> APIRouter:
    r = APIRouter(include_in_schema=False)
    ctx = pages.ctx

    @r.get("/console/accounts/{account_id}/bills")
    def bills(account_id: str, v: Visit = Depends(pages.account)) -> Response:
        lang, q = v.lang, v.request.query_params
        today = shanghai_day(ctx.now())
        first = today.replace(day=1)
        last = today.replace(day=monthrange(today.year, today.month)[1])
        problem, lines, hint = None, [], None
        try:
            first = parse_day(q.get("from") or str(first))
            last = parse_day(q.get("to") or str(last))
            if first > last:
                problem = v.t("range_reversed")
            elif (last - first).days > 366:
                problem = v.t("range_too_long")
            else:
                lines = services.bills(ctx, account_id, first, last)
                latest = _latest_month(ctx, account_id, today) if not lines else None
                if latest is not None and not (q.get("from") or q.get("to")):  # opened without a range: the latest month with bills
                    first, last = latest, latest.replace(day=monthrange(latest.year, latest.month)[1])
                    lines = services.bills(ctx, account_id, first, last)
                elif latest is not None:
                    hint = v.t("bills_elsewhere", month=f"{latest:%Y-%m}")
        except ValueError:
            problem = v.t("bad_day")
        except BillingError as exc:
            problem = v.sentence(exc)
        names = present.package_labels(ctx.catalog, (p.package for p in services.list_packages(ctx, account_id)), lang)
        rows = [{"line": x, "service": present.service_name(ctx.catalog, x.service, lang),
                 "quantity": present.quantity(x.service, x.quantity, lang), "payg": present.quantity(x.service, x.payg_quantity, lang),
                 "drawn": [(names.get(d.package_id, d.package_id), d.package_id, present.quantity(x.service, d.quantity, lang))
                           for d in x.drawn],
                 "region": line_region(x, lang), "list": present.money(x.list_amount if x.list_amount is not None else x.amount),
                 "voucher": present.money(x.paid.voucher_total), "cash": present.money(x.paid.cash),
                 "amount": present.money(x.amount)} for x in lines]
        total = present.money(sum((x.amount for x in lines), Decimal(0)))
        return v.page("bills.html", account=v.account, rows=rows, total=total, charts=_charts(lang, lines, first, last, names, ctx.catalog),
                      first=first, last=last, tab="bills", hint=hint, **({"message": problem} if problem else {}))

    @r.get("/console/accounts/{account_id}/bills.csv")
    def bills_csv(account_id: str, v: Visit = Depends(pages.account)) -> Response:
        """The bill detail of the days asked for, as one flat spreadsheet in the page's language."""
        q = v.request.query_params
        try:
            first, last = parse_day(q.get("from") or ""), parse_day(q.get("to") or "")
            lines = services.bills(ctx, account_id, first, last)
        except ValueError:
            return v.error(422, "bad_day")
        except BillingError as exc:
            return v.page("error.html", status=422, error=v.sentence(exc))
        skus = {p.package.id: p.package.sku for p in services.list_packages(ctx, account_id)}
        return Response(bill_detail_csv(lines, ctx.catalog, skus, v.lang).encode("utf-8-sig"), media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": f'attachment; filename="bills-{account_id}-{first}-{last}.csv"'})

    return r


def _latest_month(ctx: services.Context, account_id: str, today: date) -> date | None:
    """The first day of the latest month of the last year that has bill lines (None: none)."""
    found = services.bills(ctx, account_id, today - timedelta(days=366), today)
    return max(x.day for x in found).replace(day=1) if found else None


def _charts(lang: str, lines, first: date, last: date, names: dict[str, str], catalog) -> list[str]:
    days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    colours = {n: PALETTE[i % len(PALETTE)] for i, n in enumerate(names.values())}
    colours[t(lang, "payg")] = PAYG
    return [stacked_bars(t(lang, "chart_title", service=present.service_name(catalog, service, lang)), [d.strftime("%m-%d") for d in days],
                         series, unit="GB" if service in TRAFFIC_SERVICES else t(lang, "calls_unit"), colours=colours)
            for service, series in sorted(drawn_vs_payg(lines, days, names, t(lang, "payg")).items())]
