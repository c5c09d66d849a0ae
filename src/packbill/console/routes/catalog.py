"""The catalog with the customer's own prices and the advisor's plan; buying a package, or the plan."""

from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Depends, Form
from fastapi.responses import Response

from ... import present, services
from ...domain.advice import SolverUnavailable
from ...domain.catalog import UnknownSku
from ...domain.errors import BillingError
from ...domain.wallet import contracted
from ...present.advice import cost_chart, reason
from ...services import advice as advice_service
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
        return v.page("catalog.html", account=v.account, items=items, payg=payg, tab="catalog", idem=pages.new_form_key(),
                      advice=_advice_block(ctx, account_id, lang))

    @r.post("/console/accounts/{account_id}/buy-plan")
    def buy_plan(account_id: str, idem: str = Form(""), sku: list[str] = Form([]), count: list[str] = Form([]),
                 *, v: Annotated[Visit, Depends(pages.permitted("package.buy", load=True))]) -> Response:
        """Buy what the plan says to buy today (``services.buy_plan``); says what was bought."""
        wanted = [(s, int(c)) for s, c in zip(sku, count, strict=False) if c.isdigit() and 0 < int(c) <= 100]
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

    @r.get("/console/accounts/{account_id}/buy")
    def confirm(account_id: str, sku: str = "", count: str = "1",
                *, v: Annotated[Visit, Depends(pages.permitted("package.buy", load=True))]) -> Response:
        """What buying would mean, before buying: the package, its validity, list price,
        discount, voucher and cash parts and the balance after; money short, or a traffic
        package that would stay frozen, said before the button."""
        try:
            n = int(count) if count.strip().isdigit() else 0
            found = services.confirmation(ctx, account_id, sku, n)
        except (BillingError, UnknownSku) as exc:
            return redirect(f"/console/accounts/{account_id}/catalog", v.sentence(exc))
        return v.page("buy.html", account=v.account, tab="catalog", c=found, q=found.quote, idem=pages.new_form_key(),
                      name=present.package_name(ctx.catalog, sku, v.lang), summary=_summary(found.quote, ctx, v),
                      costs=_costs(found, v), topup_help=ctx.topup_instructions)

    @r.post("/console/accounts/{account_id}/buy")
    def buy(account_id: str, sku: str = Form(""), count: int = Form(1), idem: str = Form(""), understood: str = Form(""),
            *, v: Annotated[Visit, Depends(pages.permitted("package.buy", load=True))]) -> Response:
        try:
            found = services.confirmation(ctx, account_id, sku, count)
            if found.frozen and understood != "frozen":  # R13: bought only after the warning
                return redirect(f"/console/accounts/{account_id}/buy?sku={sku}&count={count}", v.t("frozen_confirm_first"))
            with v.recorded("package.buy", account_id, sku=sku, count=count):
                result = services.buy(ctx, account_id, sku, count, idem=v.form_key(account_id, idem, "buy", sku, count))
        except services.Replayed:
            return redirect(f"/console/accounts/{account_id}", v.t("already_done"))
        except (BillingError, UnknownSku) as exc:
            return redirect(f"/console/accounts/{account_id}/catalog", v.sentence(exc))
        bought = services.wallet(ctx, account_id).purse.cash
        return redirect(f"/console/accounts/{account_id}", v.t("bought_summary", **_said(ctx, v, sku, count, result, bought)))

    return r


def _advice_block(ctx: services.Context, account_id: str, lang: str) -> dict | None:
    """R27 above the catalog: the plan, its reasons, a chart of the cost with and without it."""
    try:
        found = advice_service.advise(ctx, account_id)
    except (BillingError, SolverUnavailable):
        return None
    a = found.advice
    if not a.services and found.what_if is None:
        return None
    now_buys = [p for p in found.plan if p.buy_on == found.today]
    return {"plan": [{"p": p, "reason": reason(p, ctx.catalog, lang)} for p in found.plan], "now": now_buys,
            "now_total": present.money(sum((p.cost for p in now_buys), Decimal(0))),
            "with": present.money(a.total("with_plan")), "without": present.money(a.total("without_plan")),
            "saving": present.money(a.total("without_plan") - a.total("with_plan")), "forfeited": present.money(a.forfeited),
            "lower": present.money(a.total("lower")), "higher": present.money(a.total("higher")), "chart": cost_chart(found, lang),
            "what_if": found.what_if, "mode": found.traffic_billing.value,
            "what_if_traffic": present.money(found.what_if.traffic) if found.what_if else None,
            "what_if_bandwidth": present.money(found.what_if.bandwidth) if found.what_if else None}


def _summary(q, ctx: services.Context, v: Visit) -> list[tuple[str, str]]:
    """The confirmation's rows: what the buyer reads before the button."""
    name = present.package_name(ctx.catalog, q.sku, v.lang)
    return [(v.t("package"), f"{name} × {q.count}"), (v.t("validity"), v.t("day_range", first=q.first_day, last=q.last_day)),
            (v.t("list_price"), present.money(q.list_amount)), (v.t("discount"), present.money(q.discount)),
            (v.t("amount_due"), present.money(q.amount)), (v.t("voucher_part"), present.money(q.voucher)),
            (v.t("cash_part"), present.money(q.cash)), (v.t("balance_after"), present.money(q.balance_after))]


def _costs(found: services.Confirmation, v: Visit) -> dict | None:
    if found.costs is None:
        return None
    return {"days": found.costs.days, "traffic": present.money(found.costs.traffic), "bandwidth": present.money(found.costs.bandwidth)}


def _said(ctx: services.Context, v: Visit, sku: str, count: int, result: services.Purchase, balance: Decimal) -> dict[str, str]:
    """The figures of the sentence after buying: the same as the confirmation's."""
    first = result.packages[0]
    return {"name": present.package_name(ctx.catalog, sku, v.lang), "count": str(count),
            "range": v.t("day_range", first=first.first_day, last=first.last_day), "list": present.money(result.list_amount),
            "discount": present.money(result.list_amount - result.amount), "voucher": present.money(result.paid.voucher_total),
            "cash": present.money(result.paid.cash), "balance": present.money(balance)}
