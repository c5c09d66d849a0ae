"""/v1/accounts/{id}/bills and /reminders: what was drawn and billed, and what to watch (R11)."""

from typing import Annotated

from fastapi import APIRouter, Query

from ... import present, services
from .. import schemas
from ..deps import Deps, day, moment


def router(deps: Deps) -> APIRouter:
    r = APIRouter(route_class=deps.Route, tags=["bills"])
    ctx = deps.ctx

    @r.get("/v1/accounts/{account_id}/bills", response_model=schemas.BillOut, **deps.action("read"))
    def bills(account_id: deps.AccountId, from_: Annotated[str, Query(alias="from")], to: str):
        return present.bill_json(services.bills(ctx, account_id, day(from_, "from"), day(to, "to")))

    @r.get("/v1/accounts/{account_id}/reminders", response_model=schemas.ReminderListOut, tags=["reminders"], **deps.action("read"))
    def reminders(account_id: deps.AccountId, as_of: str | None = None):
        at = moment(as_of, "as_of")
        found = [present.reminder_json(x, ctx.catalog) for x in services.reminders(ctx, account_id, at)]
        found += [present.wallet_reminder_json(x) for x in services.wallet_reminders(ctx, account_id, at)]
        return {"reminders": found}

    return r
