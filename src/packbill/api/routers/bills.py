"""/v1/accounts/{id}/bills and /reminders: what was drawn and billed, and what to watch (R11)."""

from datetime import timedelta
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response

from ... import present, services
from ...domain.days import shanghai_day
from ...present.books import bill_detail_csv
from ...services import auto_rebuy, budget
from .. import schemas
from ..deps import Deps, day, moment


def router(deps: Deps) -> APIRouter:
    r = APIRouter(route_class=deps.Route, tags=["bills"])
    ctx = deps.ctx

    @r.get("/v1/accounts/{account_id}/bills", response_model=schemas.BillOut, responses={200: {"content": {"text/csv": {}}}},
           **deps.action("read"))
    def bills(account_id: deps.AccountId, from_: Annotated[str, Query(alias="from")], to: str,
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
    def reminders(account_id: deps.AccountId, as_of: str | None = None):
        at = moment(as_of, "as_of")
        found = [present.reminder_json(x, ctx.catalog) for x in services.reminders(ctx, account_id, at)]
        found += [present.wallet_reminder_json(x) for x in services.wallet_reminders(ctx, account_id, at)]
        found += [present.anomaly_json(x, ctx.catalog) for x in services.recent_anomalies(ctx, account_id, at)]
        found += [present.event_reminder_json("rebuy_failed", x.day, x.data, ctx.catalog) for x in auto_rebuy.refusals(ctx, account_id, at)]
        if at is None or at >= ctx.now() - timedelta(minutes=1):  # the budget's alerts of the month now (R30)
            found += [present.event_reminder_json("budget", shanghai_day(ctx.now()), budget.budget_data(a), ctx.catalog)
                      for a in budget.alerts_now(ctx, account_id)]
        return {"reminders": found}

    return r
