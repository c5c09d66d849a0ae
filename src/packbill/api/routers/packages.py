"""/v1/accounts/{id}/packages: buy, list, refund (R2, R4, R5, R10)."""

from fastapi import APIRouter

from ... import present, services
from .. import schemas
from ..deps import Deps, moment, override_at


def router(deps: Deps) -> APIRouter:
    r = APIRouter(tags=["packages"])
    ctx = deps.ctx

    @r.post("/v1/accounts/{account_id}/packages", status_code=201, response_model=schemas.PurchaseOut)
    def buy(account_id: deps.AccountId, body: schemas.PurchaseIn, principal: deps.Caller):
        result = services.buy(ctx, account_id, body.sku, body.count, override_at(body.at, principal))
        views = services.list_packages(ctx, account_id, as_of=max(ctx.now(), result.packages[0].purchased_at))
        ids = {p.id for p in result.packages}
        return {"packages": [present.package_json(v) for v in views if v.package.id in ids], "amount": present.money_json(result.amount)}

    @r.get("/v1/accounts/{account_id}/packages", response_model=schemas.PackageListOut)
    def list_packages(account_id: deps.AccountId, status: str | None = None, as_of: str | None = None):
        return {"packages": [present.package_json(v) for v in services.list_packages(ctx, account_id, moment(as_of, "as_of"), status)]}

    @r.post("/v1/accounts/{account_id}/packages/{package_id}/refund", response_model=schemas.RefundOut)
    def refund(account_id: deps.AccountId, package_id: str, principal: deps.Caller, body: schemas.RefundIn | None = None):
        package, amount = services.refund(ctx, account_id, package_id, override_at(body.at if body else None, principal))
        (view,) = [v for v in services.list_packages(ctx, account_id, as_of=max(ctx.now(), package.refunded_at)) if v.package.id == package_id]
        return {"package": present.package_json(view), "amount": present.money_json(amount)}

    return r
