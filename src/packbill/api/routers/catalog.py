"""/v1/catalog: the packages on sale and the pay-as-you-go prices, and their versions (R31)."""

from typing import Annotated, Any

from fastapi import APIRouter, Path

from ... import present
from ...present.prices import changes_json
from ...services import catalog as catalog_service
from .. import schemas
from ..deps import AsOf, Deps, day, moment

VersionId = Annotated[str, Path(description="a version's id: v2, v3, ... (v1 is the catalog file)",
                                json_schema_extra={"pattern": "^v[0-9]{1,9}$"})]


def version_json(v: catalog_service.VersionView) -> dict[str, Any]:
    return {"id": v.id, "effective_on": v.effective_on.isoformat() if v.effective_on else None,
            "published_at": v.published_at.isoformat() if v.published_at else None, "status": v.status,
            "changes": changes_json(v.changes)}


def router(deps: Deps) -> APIRouter:
    r = APIRouter(route_class=deps.Route, tags=["catalog"])
    ctx = deps.ctx

    @r.get("/v1/catalog", **deps.action("catalog.read"))
    def catalog(principal: deps.Caller, as_of: AsOf = None) -> dict[str, Any]:
        """The catalog in force now, or at ``as_of`` (R31), with its version."""
        return present.catalog_json(catalog_service.as_of(ctx, moment(as_of, "as_of")))

    @r.get("/v1/catalog/versions", response_model=schemas.CatalogVersionsOut, **deps.action("catalog.read"))
    def versions(principal: deps.Caller):
        """R31: every version of the catalog with its effective day and status, and what each changes."""
        return {"versions": [version_json(v) for v in catalog_service.versions(ctx)]}

    @r.post("/v1/catalog/versions", status_code=201, response_model=schemas.CatalogVersionOut, **deps.action("catalog.publish"))
    def publish(principal: deps.Caller, body: schemas.CatalogVersionIn):
        """R31: publish a version in force from ``effective_on`` (after today); it is never edited once
        in force. Purchases are priced by the version in force at their moment, pay-as-you-go by
        its usage day's."""
        prices = catalog_service.checked(ctx, body.catalog.model_dump(exclude_none=True))
        return version_json(catalog_service.publish(ctx, day(body.effective_on, "effective_on"), prices, principal.actor))

    @r.delete("/v1/catalog/versions/{version_id}", response_model=schemas.CatalogVersionOut, **deps.action("catalog.withdraw"))
    def withdraw(principal: deps.Caller, version_id: VersionId):
        """R31: withdraw a version whose day is still ahead; one in force is ``conflict``."""
        return version_json(catalog_service.withdraw(ctx, version_id))

    return r
