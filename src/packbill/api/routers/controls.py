"""The customer's controls: /auto-rebuy (R28), /budget and /caps (R30)."""

from decimal import Decimal

from fastapi import APIRouter

from ... import present
from ...services import auto_rebuy, budget
from .. import schemas
from ..deps import AnyService, Deps, UsageService
from .money import money


def rule_json(v: auto_rebuy.RuleView) -> dict:
    r = v.rule
    return {"service": r.service, "sku": r.sku, "trigger": r.trigger.value, "days_before": r.days_before,
            "monthly_cap": present.money_json(r.monthly_cap), "spent_this_month": present.money_json(v.spent_this_month)}


def budget_json(view: budget.BudgetView) -> dict:
    capped = view.capped
    return {"month": f"{view.spend.month:%Y-%m}",
            "monthly": None if view.monthly is None else present.money_json(view.monthly),
            "spent_this_month": present.money_json(view.spend.total),
            "forecast_this_month": present.money_json(view.spend.forecast),
            "caps": {s: {"monthly": None if s not in view.caps else present.money_json(view.caps[s]),
                         "spent_this_month": present.money_json(view.spend.payg.get(s, Decimal("0.00"))), "capped": s in capped}
                     for s in budget.SERVICES}}


def router(deps: Deps) -> APIRouter:
    r = APIRouter(route_class=deps.Route, tags=["controls"])
    ctx = deps.ctx

    @r.get("/v1/accounts/{account_id}/auto-rebuy", response_model=schemas.RebuyRulesOut, **deps.action("read"))
    def rules(account_id: deps.AccountId):
        """R28: the account's auto-rebuy rules, each with what its rebuys spent this month."""
        return {"rules": [rule_json(v) for v in auto_rebuy.rules(ctx, account_id)]}

    @r.put("/v1/accounts/{account_id}/auto-rebuy/{service}", response_model=schemas.RebuyRuleOut, **deps.action("auto_rebuy.set"))
    def set_rule(account_id: deps.AccountId, service: UsageService, body: schemas.RebuyRuleIn):
        """R28: buy one ``sku`` when the trigger happens at a settlement, as a normal purchase, at most
        ``monthly_cap`` a calendar month; a refusal for funds is a rebuy_failed message, tried again
        at the next settlement."""
        return rule_json(auto_rebuy.set_rule(ctx, account_id, service, body.sku, body.trigger, body.days_before,
                                             money(body.monthly_cap, "monthly_cap")))

    @r.delete("/v1/accounts/{account_id}/auto-rebuy/{service}", response_model=schemas.RebuyRulesOut, **deps.action("auto_rebuy.delete"))
    def remove_rule(account_id: deps.AccountId, service: UsageService):
        """R28: turn the service's auto-rebuy off (off already changes nothing); the rules left."""
        auto_rebuy.remove_rule(ctx, account_id, service)
        return {"rules": [rule_json(v) for v in auto_rebuy.rules(ctx, account_id)]}

    @r.get("/v1/accounts/{account_id}/budget", response_model=schemas.BudgetOut, **deps.action("read"))
    def get_budget(account_id: deps.AccountId):
        """R30: the monthly budget and the caps, with this month's spending and forecast."""
        return budget_json(budget.view(ctx, account_id))

    @r.put("/v1/accounts/{account_id}/budget", response_model=schemas.BudgetOut, **deps.action("budget.set"))
    def set_budget(account_id: deps.AccountId, body: schemas.LimitIn):
        """R30: alerts at 50 %, 80 % and 100 % of it and when the month's forecast passes it, each once a month."""
        return budget_json(budget.set_budget(ctx, account_id, None if body.monthly is None else money(body.monthly, "monthly")))

    @r.put("/v1/accounts/{account_id}/caps/{service}", response_model=schemas.BudgetOut, **deps.action("cap.set"))
    def set_cap(account_id: deps.AccountId, service: AnyService, body: schemas.LimitIn):
        """R30: once the service's pay-as-you-go this month reaches it, its service_status is capped
        (until the month ends or the cap is raised; usage still arriving is billed)."""
        return budget_json(budget.set_cap(ctx, account_id, service, None if body.monthly is None else money(body.monthly, "monthly")))

    return r
