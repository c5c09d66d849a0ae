"""The operator's price versions (R31): every version with its effective day and status, and what
each changes against the version before it; a scheduled one can be withdrawn."""

from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import Response

from ...domain.errors import BillingError
from ...present.prices import change_words
from ...services import catalog as catalog_service
from ..pages import Pages, Visit, redirect


def router(pages: Pages) -> APIRouter:
    r = APIRouter(include_in_schema=False)
    ctx = pages.ctx

    @r.get("/console/catalog/versions")
    def versions(*, v: Annotated[Visit, Depends(pages.signed_in("read.all"))]) -> Response:
        found = catalog_service.versions(ctx)
        rows = [{"v": x, "changes": [change_words(c, x.catalog, v.lang) for c in x.changes]} for x in reversed(found)]
        return v.page("versions.html", rows=rows)

    @r.post("/console/catalog/versions/{version_id}/withdraw")
    def withdraw(version_id: str, *, v: Annotated[Visit, Depends(pages.permitted("catalog.withdraw"))]) -> Response:
        try:
            with v.recorded("catalog.withdraw", target=version_id[:16]):
                found = catalog_service.withdraw(ctx, version_id[:16])
        except BillingError as exc:
            return redirect("/console/catalog/versions", v.sentence(exc))
        return redirect("/console/catalog/versions", v.t("version_withdrawn_done", version=found.id, day=found.effective_on))

    return r
