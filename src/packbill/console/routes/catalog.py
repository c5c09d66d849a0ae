"""The catalog with the customer's own prices and the advisor's plan; buying a package, or the plan."""

from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Depends, Form
from fastapi.responses import Response

from ... import present, services
from ...domain.advice import SolverUnavailable
from ...domain.errors import BillingError
from ...domain.wallet import contracted
from ...present.advice import cost_chart, reason
from ...present.prices import change_words
from ...services import advice as advice_service
from ...services import catalog as catalog_service
from ..pages import Pages, Visit, redirect


def router(pages: Pages) -> APIRouter:
    r = APIRouter(include_in_schema=False)
    ctx = pages.ctx

    @r.get("/console/accounts/{account_id}/catalog")
    def catalog(account_id: str, v: Visit = Depends(pages.account)) -> Response:
        cat, lang = ctx.catalog, v.lang
        rate = services.wallet_rate(ctx, account_id)
        items = [{"sku": p, "name": present.package_name(cat, p.sku, lang), "size": present.size(p.service, p.size, lang),
                  "price": present.money(p.price),
                  "yours": present.money(contracted(p.price, rate)[1]) if rate != 1 else None,
                  "service": present.service_name(cat, p.service, lang), "validity": present.validity(p.validity, lang)}
                 for p in cat.packages.values()]
        payg = [{"s": s, "per": present.price_unit(cat, s.service, lang)} for s in cat.services.values()]
        since = v.t("price_version_since", day=cat.effective_on) if cat.effective_on else ""
        ahead = catalog_service.upcoming(ctx)
        change = None if ahead is None else {"day": ahead[0].effective_on, "lines": [change_words(c, ahead[0], lang) for c in ahead[1]]}
        return v.page("catalog.html", account=v.account, items=items, payg=payg, tab="catalog", idem=pages.new_form_key(),
                      advice=_advice_block(ctx, account_id, lang), version=v.t("price_version_now", version=cat.version, since=since),
                      change=change)

    @r.post("/console/accounts/{account_id}/buy-plan")
    def buy_plan(account_id: str, idem: str = Form(""), sku: list[str] = Form([]), count: list[str] = Form([]),
                 *, v: Annotated[Visit, Depends(pages.permitted("package.buy", load=True))]) -> Response:
        """Buy what the plan says to buy today (``services.buy_plan``); says what was bought."""
        wanted = [(s, int(c)) for s, c in zip(sku, count, strict=False) if c.isdigit() and len(c) <= 9 and int(c) > 0]
        if not wanted:
            return redirect(f"/console/accounts/{account_id}/catalog", v.t("plan_empty"))
        bought = services.buy_plan(ctx, v.viewer, "console", account_id, wanted,
                                   lambda one, n: v.form_key(account_id, idem, "plan", one, n))
        if bought.refused is not None:
            message = v.sentence(bought.refused)
            if bought.spent:
                message = v.t("plan_partly", amount=present.money(bought.spent)) + " " + message
            return redirect(f"/console/accounts/{account_id}/catalog", message)
        return redirect(f"/console/accounts/{account_id}", v.t("bought", amount=present.money(bought.spent)))

    return r


def _advice_block(ctx: services.Context, account_id: str, lang: str) -> dict | None:
    """R27 above the catalog: the plan, its reasons, a chart of the cost with and without it."""
    try:
        found = advice_service.advise(ctx, account_id)
    except (BillingError, SolverUnavailable):
        return None
    a = found.advice
    if not a.services and found.what_if is None and found.enough_usage:
        return None
    months = [start.isoformat() for start in found.horizon.starts[:-1]]  # each month of the horizon from its first day
    forecast = [(present.service_name(ctx.catalog, service, lang), [present.quantity(service, q, lang) for q in per_month])
                for service, per_month in found.forecast.items()]
    now_buys = [p for p in found.plan if p.buy_on == found.today]
    return {"plan": [{"p": p, "reason": reason(p, ctx.catalog, lang)} for p in found.plan], "now": now_buys,
            "now_total": present.money(sum((p.cost for p in now_buys), Decimal(0))),
            "with": present.money(a.total("with_plan")), "without": present.money(a.total("without_plan")),
            "saving": present.money(a.total("without_plan") - a.total("with_plan")), "forfeited": present.money(a.forfeited),
            "lower": present.money(a.total("lower")), "higher": present.money(a.total("higher")), "chart": cost_chart(found, lang),
            "enough": found.enough_usage, "method": found.method, "months": months, "forecast": forecast,
            "switch_first": found.switch_first,
            "what_if": found.what_if, "mode": found.traffic_billing.value, "owes": services.wallet(ctx, account_id).state.value != "normal",
            "what_if_traffic": present.money(found.what_if.traffic) if found.what_if else None,
            "what_if_bandwidth": present.money(found.what_if.bandwidth) if found.what_if else None}

