"""The customer's controls page: auto-rebuy (R28), the monthly budget and the pay-as-you-go caps
(R30), each with its state now; the customer sets them, and so may the operator (its account page's tab)."""

from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Depends, Form
from fastapi.responses import Response

from ... import present
from ...domain.auto_rebuy import MAX_DAYS_BEFORE
from ...domain.budget import STEPS
from ...domain.errors import InvalidRequest
from ...domain.money import parse_typed
from ...services import auto_rebuy, budget
from ..pages import Pages, Visit
from .money import run_form

PAGE = "/controls"
"""Where the page's forms return to."""


def _amount(text: str, name: str) -> Decimal | None:
    """A monthly amount from a form: empty means none."""
    text = text.strip()
    if not text:
        return None
    try:
        return parse_typed(text)
    except ValueError:
        raise InvalidRequest(f"{name} must be an amount in CNY with at most two decimals") from None


def _days(text: str) -> int | None:
    text = text.strip()
    if not text:
        return None
    if not text.isdigit():
        raise InvalidRequest(f"'days_before' is a whole number of days from 1 to {MAX_DAYS_BEFORE} for an 'expiring' rule")
    return int(text)


def router(pages: Pages) -> APIRouter:
    r = APIRouter(include_in_schema=False)
    ctx = pages.ctx

    @r.get("/console/accounts/{account_id}/controls")
    def controls(account_id: str, v: Visit = Depends(pages.account)) -> Response:
        view = budget.view(ctx, account_id)
        rules = {x.rule.service: x for x in auto_rebuy.rules(ctx, account_id)}
        capped = view.capped
        spent = view.spend.total
        limit = view.monthly
        chart = None if not limit else {
            "spent": min(100.0, float(100 * spent / limit)), "forecast": min(100.0, float(100 * view.spend.forecast / limit)),
            "over": view.spend.forecast > limit, "steps": STEPS}
        caps = [{"service": s, "spent": view.spend.payg.get(s, Decimal("0.00")), "cap": view.caps.get(s), "capped": s in capped}
                for s in budget.SERVICES]
        skus = [(p.service, p.sku) for p in ctx.catalog.packages.values()]
        refusals = auto_rebuy.refusals(ctx, account_id)
        return v.page("controls.html", account=v.account, tab="controls", view=view, rules=rules, chart=chart, caps=caps, skus=skus,
                      refusals=[present.rebuy_refusal_message(x.data, ctx.catalog, v.lang) for x in refusals], max_days=MAX_DAYS_BEFORE)

    @r.post("/console/accounts/{account_id}/auto-rebuy")
    def set_rule(account_id: str, sku: str = Form(""), trigger: str = Form("exhausted"), days_before: str = Form(""),
                 monthly_cap: str = Form(""), *, v: Annotated[Visit, Depends(pages.permitted("auto_rebuy.set"))]) -> Response:
        service = sku.rsplit(".", 1)[0] if sku else ""

        def change() -> object:
            cap = _amount(monthly_cap, "monthly_cap")
            if cap is None:
                raise InvalidRequest("'monthly_cap' is the most auto-rebuy may spend in a month, in CNY")
            return auto_rebuy.set_rule(ctx, account_id, service, sku, trigger, _days(days_before) if trigger == "expiring" else None, cap)

        return run_form(v, account_id, "auto_rebuy.set", {"service": service, "sku": sku, "trigger": trigger,
                                                      "days_before": days_before or None, "monthly_cap": monthly_cap}, change, page=PAGE)

    @r.post("/console/accounts/{account_id}/auto-rebuy/{service}/off")
    def rule_off(account_id: str, service: str, *, v: Annotated[Visit, Depends(pages.permitted("auto_rebuy.delete"))]) -> Response:
        return run_form(v, account_id, "auto_rebuy.delete", {"service": service},
                        lambda: auto_rebuy.remove_rule(ctx, account_id, service), page=PAGE)

    @r.post("/console/accounts/{account_id}/budget")
    def set_budget(account_id: str, monthly: str = Form(""), *, v: Annotated[Visit, Depends(pages.permitted("budget.set"))]) -> Response:
        return run_form(v, account_id, "budget.set", {"monthly": monthly or None},
                        lambda: budget.set_budget(ctx, account_id, _amount(monthly, "monthly")), page=PAGE)

    @r.post("/console/accounts/{account_id}/caps/{service}")
    def set_cap(account_id: str, service: str, monthly: str = Form(""),
                *, v: Annotated[Visit, Depends(pages.permitted("cap.set"))]) -> Response:
        return run_form(v, account_id, "cap.set", {"service": service, "monthly": monthly or None},
                        lambda: budget.set_cap(ctx, account_id, service, _amount(monthly, "monthly")), page=PAGE)

    return r
