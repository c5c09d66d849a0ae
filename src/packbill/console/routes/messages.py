"""A customer's messages (the inbox of its notifications, R25) and marking them read."""

from typing import Annotated

from fastapi import APIRouter, Depends, Form
from fastapi.responses import Response

from ...domain.notify import CATEGORIES
from ...present.notify import event_time, sentence
from ...services import inbox, operators
from ..pages import Pages, Visit, redirect


def router(pages: Pages) -> APIRouter:
    r = APIRouter(include_in_schema=False)
    ctx = pages.ctx

    @r.get("/console/accounts/{account_id}/messages")
    def messages(account_id: str, v: Visit = Depends(pages.account)) -> Response:
        q = v.request.query_params
        before = q.get("before")
        category = q.get("category") if q.get("category") in CATEGORIES else None  # a typo shows them all
        found = inbox.messages(ctx, account_id, 50, int(before) if before and before.isdigit() and len(before) < 18 else None, category)
        items = [{"seq": e.seq, "type": e.type, "unread": e.seq > found.read_seq, "when": event_time(e.at),
                  "text": sentence(e.type, e.data, ctx.catalog, v.lang)} for e in found.events]
        return v.page("messages.html", account=v.account, tab="messages", items=items, unread=found.unread, category=category,
                      categories=list(CATEGORIES), can_mark=v.viewer.account_id == account_id,
                      newest=max((i["seq"] for i in items), default=0), next=items[-1]["seq"] if len(items) == 50 else None)

    @r.post("/console/accounts/{account_id}/messages/read")
    def messages_read(account_id: str, through: str = Form("0"), *, v: Annotated[Visit, Depends(pages.permitted("messages.mark_read"))]) -> Response:
        if v.viewer.account_id != account_id:  # only the customer marks its own messages read
            operators.record(ctx, v.viewer, "console", "messages.mark_read", target=account_id, outcome="forbidden",
                             detail="only the account itself marks its messages read")
            return v.error(403, "forbidden")
        if through.isdigit() and len(through) < 18:
            with v.recorded("messages.mark_read", account_id, through=through):
                inbox.mark_read(ctx, account_id, int(through))
        return redirect(f"/console/accounts/{account_id}/messages")

    return r
