"""/v1/accounts/{id}/bills and /reminders: what was drawn and billed, and what to watch (R11)."""

from typing import Literal

from fastapi import APIRouter, Response

from ... import present, services
from ...present.books import bill_detail_csv
from .. import schemas
from ..deps import AsOf, Deps, FromDay, ToDay, day, moment


def router(deps: Deps) -> APIRouter:
    r = APIRouter(route_class=deps.Route, tags=["bills"])
    ctx = deps.ctx

    @r.get("/v1/accounts/{account_id}/bills", response_model=schemas.BillOut, responses={200: {"content": {"text/csv": {}}}},
           **deps.action("read"))
    def bills(account_id: deps.AccountId, from_: FromDay, to: ToDay,
              format: Literal["json", "csv"] = "json", lang: Literal["zh", "en"] = "zh"):
        """The bill lines of days ``from`` to ``to``, with the packages that paid; ``format=csv``
        gives the bill detail as one flat spreadsheet, headers and names in ``lang``."""
        first, last = day(from_, "from"), day(to, "to")
        lines = services.bills(ctx, account_id, first, last)
        if format == "csv":
            skus = {v.package.id: v.package.sku for v in services.list_packages(ctx, account_id)}
            return Response(bill_detail_csv(lines, ctx.catalog, skus, lang).encode("utf-8-sig"), media_type="text/csv; charset=utf-8",
                            headers={"Content-Disposition": f'attachment; filename="bills-{account_id}-{first}-{last}.csv"'})
        return present.bill_json(lines)

    @r.get("/v1/accounts/{account_id}/reminders", response_model=schemas.ReminderListOut, tags=["reminders"], **deps.action("read"))
    def reminders(account_id: deps.AccountId, as_of: AsOf = None):
        """Packages expiring, running low, used up, frozen or lapsing (R11, R29); the wallet (R19, R20);
        unusual spend (R30); rebuys refused (R28); the month's budget alerts (R30, asked about now)."""
        return {"reminders": present.reminders_json(services.every_reminder(ctx, account_id, moment(as_of, "as_of")), ctx.catalog)}

    return r
