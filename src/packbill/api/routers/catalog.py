"""/v1/catalog: the packages on sale and the pay-as-you-go prices."""

from typing import Any

from fastapi import APIRouter

from ... import present
from ..deps import Deps


def router(deps: Deps) -> APIRouter:
    r = APIRouter(route_class=deps.Route, tags=["catalog"])

    @r.get("/v1/catalog", **deps.action("catalog.read"))
    def catalog(principal: deps.Caller) -> dict[str, Any]:
        return present.catalog_json(deps.ctx.catalog)

    return r
