"""/v1/accounts: create, list, show, the traffic billing switch (R7) and group accounts (R32)."""

from fastapi import APIRouter

from ... import present, services
from .. import schemas
from ..deps import AsOf, Deps, moment, override_at


def router(deps: Deps) -> APIRouter:
    r = APIRouter(route_class=deps.Route, tags=["accounts"])
    ctx = deps.ctx

    @r.post("/v1/accounts", status_code=201, response_model=schemas.AccountCreatedOut, **deps.action("account.create"))
    def create_account(body: schemas.AccountIn):
        account, token = services.create_account(ctx, body.name, body.site, payment=body.payment)
        return {**present.account_json(services.account_view(ctx, account.id)), "token": token}

    @r.get("/v1/accounts", response_model=schemas.AccountListOut, **deps.action("read.all"))
    def list_accounts(as_of: AsOf = None):
        return {"accounts": [present.account_json(v) for v in services.account_views(ctx, moment(as_of, "as_of"))]}

    @r.get("/v1/accounts/{account_id}", response_model=schemas.AccountDetailOut, **deps.action("read"))
    def get_account(account_id: deps.AccountId, as_of: AsOf = None):
        return present.account_json(services.account_view(ctx, account_id, moment(as_of, "as_of")))

    @r.put("/v1/accounts/{account_id}/traffic-billing", response_model=schemas.TrafficBillingOut, **deps.action("traffic_billing.switch"))
    def traffic_billing(account_id: deps.AccountId, body: schemas.TrafficBillingIn, principal: deps.Caller):
        mode, effective = services.switch_traffic_billing(ctx, account_id, body.mode, override_at(body.at, principal))
        return {"mode": mode.value, "effective_day": effective.isoformat()}

    @r.put("/v1/accounts/{account_id}/payer", response_model=schemas.PayerOut, **deps.action("account.payer.set"))
    def set_payer(account_id: deps.AccountId, body: schemas.PayerIn, principal: deps.Caller):
        done = services.set_payer(ctx, account_id, body.payer, override_at(body.at, principal))
        return {"account_id": done.account_id, "payer": done.payer, "effective_day": done.effective_day.isoformat()}

    @r.get("/v1/accounts/{account_id}/members", response_model=schemas.MembersOut, **deps.action("read"))
    def members(account_id: deps.AccountId):
        return {"members": [{"id": m.id, "name": m.name, "since": m.since.isoformat()} for m in services.members(ctx, account_id)]}

    return r
