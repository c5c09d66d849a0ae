"""/healthz and /v1/whoami."""

from fastapi import APIRouter

from .. import schemas
from ..deps import Deps


def router(deps: Deps) -> APIRouter:
    r = APIRouter(tags=["service"])

    @r.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @r.get("/v1/whoami", response_model=schemas.WhoAmIOut)
    def whoami(principal: deps.Caller):
        return {"role": "operator" if principal.is_operator else "account", "account_id": principal.account_id,
                "operator_role": principal.role.value if principal.is_operator else None, "actor": principal.actor}

    return r
