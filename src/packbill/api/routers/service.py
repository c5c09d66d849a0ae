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
        return {"role": principal.role, "account_id": principal.account_id}

    return r
