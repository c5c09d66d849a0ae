"""An account's money terms (R16, R18 to R20): its discount rate, credit limit, low-balance alert
and payment terms."""


from fastapi import APIRouter

from ... import present, services
from .. import schemas
from ..deps import Deps, day
from .money import money


def router(deps: Deps) -> APIRouter:
    r = APIRouter(route_class=deps.Route, tags=["money"])
    ctx = deps.ctx

    @r.put("/v1/accounts/{account_id}/discount", **deps.action("discount.set"))
    def discount(account_id: deps.AccountId, body: schemas.DiscountIn) -> dict[str, str]:
        effective = day(body.effective_day, "effective_day")
        services.set_discount(ctx, account_id, money(body.rate, "rate"), effective)
        return {"rate": str(money(body.rate, "rate")), "effective_day": effective.isoformat()}

    @r.put("/v1/accounts/{account_id}/credit-limit", **deps.action("credit_limit.set"))
    def credit_limit(account_id: deps.AccountId, body: schemas.CreditLimitIn) -> dict[str, str]:
        purse = services.set_credit_limit(ctx, account_id, money(body.amount, "amount"))
        return {"credit_limit": present.money_json(purse.credit_limit)}

    @r.put("/v1/accounts/{account_id}/balance-alert", **deps.action("balance_alert.set"))
    def balance_alert(account_id: deps.AccountId, body: schemas.BalanceAlertIn) -> dict[str, str | None]:
        threshold = None if body.threshold is None else money(body.threshold, "threshold")
        purse = services.set_balance_alert(ctx, account_id, threshold)
        return {"threshold": present.money_json(purse.threshold) if purse.threshold is not None else None}

    @r.put("/v1/accounts/{account_id}/payment", **deps.action("account.payment.set"))
    def payment(account_id: deps.AccountId, body: schemas.PaymentTermsIn) -> dict[str, str]:
        return {"payment": services.set_payment_terms(ctx, account_id, body.payment).terms.value}

    return r
