"""/v1/keys, /v1/accounts/{id}/token, /v1/audit: operators' keys, token rotation, the audit trail (R24)."""


from typing import Annotated

from fastapi import APIRouter, Query

from ...present.operators import key_json, record_json
from ...services import operators
from .. import schemas
from ..deps import Deps, FromDayOpt, ToDayOpt, day

Filter = Annotated[str | None, Query(max_length=80, pattern=r"^[^\x00-\x1f]*$")]


def router(deps: Deps) -> APIRouter:
    r = APIRouter(route_class=deps.Route, tags=["operators"])
    ctx = deps.ctx

    @r.post("/v1/keys", status_code=201, response_model=schemas.KeyCreatedOut, **deps.action("key.create"))
    def create_key(body: schemas.KeyIn, principal: deps.Caller):
        key, token = operators.create_key(ctx, body.name, body.role, principal)
        return {**key_json(key), "token": token}

    @r.get("/v1/keys", response_model=schemas.KeysOut, **deps.action("keys.read"))
    def list_keys():
        return {"keys": [key_json(k) for k in operators.list_keys(ctx)]}

    @r.delete("/v1/keys/{key_id}", response_model=schemas.KeyOut, **deps.action("key.revoke"))
    def revoke_key(key_id: str):
        return key_json(operators.revoke_key(ctx, key_id))

    @r.post("/v1/accounts/{account_id}/token", status_code=201, response_model=schemas.TokenOut, **deps.action("account.token.rotate"))
    def rotate(account_id: deps.AccountId):
        return {"token": operators.rotate_token(ctx, account_id)}

    @r.get("/v1/audit", response_model=schemas.AuditOut, **deps.action("audit.read"))
    def audit(from_: FromDayOpt = None, to: ToDayOpt = None, actor: Filter = None,
              account_id: Filter = None, action: Filter = None, before: Annotated[int | None, Query(ge=1, le=2**62)] = None,
              limit: Annotated[int, Query(ge=1, le=operators.MAX_RECORDS)] = 100):
        found = operators.records(ctx, first=day(from_, "from") if from_ else None, last=day(to, "to") if to else None, actor=actor,
                                  account_id=account_id, action=action, before=before, limit=limit)
        return {"records": [record_json(x) for x in found], "next": found[-1].id if len(found) == limit else None}

    return r
