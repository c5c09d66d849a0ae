"""/v1/accounts/{id}/packages: buy, list, refund (R2, R4, R5, R10); the package alerts (R29)."""

from fastapi import APIRouter, Request

from ... import present, services
from .. import schemas
from ..deps import AsOf, Deps, PackageStatusFilter, UsageService, moment, override_at
from ..idempotent import key_of, respond


def router(deps: Deps) -> APIRouter:
    r = APIRouter(route_class=deps.Route, tags=["packages"])
    ctx = deps.ctx

    def purchase_out(account_id: str, result: services.Purchase) -> tuple[int, dict]:
        views = services.list_packages(ctx, account_id, as_of=max(ctx.now(), result.packages[0].purchased_at))
        ids = {p.id for p in result.packages}
        return 201, {"packages": [present.package_json(v) for v in views if v.package.id in ids],
                     "amount": present.money_json(result.amount), "list_amount": present.money_json(result.list_amount),
                     "paid": present.paid_json(result.paid)}

    @r.post("/v1/accounts/{account_id}/packages", status_code=201, response_model=schemas.PurchaseOut, **deps.action("package.buy"))
    def buy(account_id: deps.AccountId, body: schemas.PurchaseIn, principal: deps.Caller, request: Request):
        idem = key_of(request, account_id, body.model_dump())
        return respond(ctx, idem,
                       lambda: purchase_out(account_id, services.buy(ctx, account_id, body.sku, body.count, override_at(body.at, principal),
                                                                     idem)),
                       lambda ref: purchase_out(account_id, services.order(ctx, account_id, ref)))

    @r.get("/v1/accounts/{account_id}/packages", response_model=schemas.PackageListOut, **deps.action("read"))
    def list_packages(account_id: deps.AccountId, status: PackageStatusFilter = None, as_of: AsOf = None):
        views = services.list_packages(ctx, account_id, moment(as_of, "as_of"), status)
        now = services.remaining_now(ctx, account_id) if as_of is None else {}
        ahead = services.package_forecasts(ctx, account_id, now) if as_of is None else {}
        return {"packages": [present.package_json(v, now.get(v.package.id), ahead.get(v.package.id)) for v in views]}

    def refund_out(account_id: str, result: services.Refund) -> tuple[int, dict]:
        package_id = result.package.id
        (view,) = [v for v in services.list_packages(ctx, account_id, as_of=max(ctx.now(), result.package.refunded_at))
                   if v.package.id == package_id]
        return 200, {"package": present.package_json(view), "amount": present.money_json(result.amount),
                     "paid_back": present.paid_json(result.paid_back)}

    @r.post("/v1/accounts/{account_id}/packages/{package_id}/refund", response_model=schemas.RefundOut, **deps.action("package.refund"))
    def refund(account_id: deps.AccountId, package_id: str, principal: deps.Caller, request: Request,
               body: schemas.RefundIn | None = None):
        idem = key_of(request, account_id, body.model_dump() if body else None)
        return respond(ctx, idem,
                       lambda: refund_out(account_id, services.refund(ctx, account_id, package_id,
                                                                      override_at(body.at if body else None, principal), idem)),
                       lambda ref: refund_out(account_id, services.refund_of(ctx, account_id, ref)))

    def alert_json(a: services.PackageAlert) -> dict:
        return {"service": a.service, "threshold_percent": a.threshold_percent, "default": a.default,
                "left_percent": None if a.left_percent is None else str(a.left_percent)}

    @r.get("/v1/accounts/{account_id}/package-alerts", response_model=schemas.PackageAlertListOut, **deps.action("read"))
    def package_alerts(account_id: deps.AccountId):
        """R29: every usage service's package alert threshold and what its active packages have left now."""
        return {"alerts": [alert_json(a) for a in services.package_alerts(ctx, account_id)]}

    @r.put("/v1/accounts/{account_id}/package-alerts/{service}", response_model=schemas.PackageAlertOut,
           **deps.action("package_alert.set"))
    def set_package_alert(account_id: deps.AccountId, service: UsageService, body: schemas.PackageAlertIn):
        """R29: remind the customer once when what the service's active packages have left falls below
        ``threshold_percent`` of what they held (default 20); a purchase re-arms it; null: off."""
        return alert_json(services.set_package_alert(ctx, account_id, service, body.threshold_percent))

    return r
