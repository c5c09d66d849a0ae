"""/v1/webhooks and /v1/accounts/{id}/messages: where events go, their deliveries, the 站内信 (R25)."""


from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query

from ...domain.notify import category_of
from ...present import moment_json
from ...present.notify import sentence
from ...present.operators import delivery_json, webhook_json
from ...services import inbox, webhooks
from .. import schemas
from ..deps import Deps
from ..errors import ApiError

Before = Annotated[int | None, Query(ge=1, le=2**62)]


def router(deps: Deps) -> APIRouter:
    r = APIRouter(route_class=deps.Route, tags=["notifications"])
    ctx = deps.ctx

    @r.post("/v1/webhooks", status_code=201, response_model=schemas.WebhookCreatedOut, **deps.action("webhook.create"))
    def create(body: schemas.WebhookIn, principal: deps.Caller):
        e = webhooks.create_endpoint(ctx, principal, body.url, body.events, body.account_id)
        return {**webhook_json(e, webhooks.endpoint_status(e)), "secret": e.secret}

    @r.get("/v1/webhooks", response_model=schemas.WebhooksOut, **deps.action("read"))
    def list_(principal: deps.Caller):
        return {"webhooks": [webhook_json(e, webhooks.endpoint_status(e)) for e in webhooks.endpoints(ctx, principal)]}

    @r.delete("/v1/webhooks/{webhook_id}", response_model=schemas.WebhookOut, **deps.action("webhook.delete"))
    def delete(webhook_id: str, principal: deps.Caller):
        gone = webhooks.delete_endpoint(ctx, principal, webhook_id)
        return webhook_json(gone, webhooks.endpoint_status(gone))

    @r.get("/v1/webhooks/{webhook_id}/deliveries", response_model=schemas.DeliveriesOut, **deps.action("read"))
    def deliveries(webhook_id: str, principal: deps.Caller, before: Before = None,
                   limit: Annotated[int, Query(ge=1, le=200)] = 50):
        found = webhooks.deliveries(ctx, principal, webhook_id, limit, before)
        return {"deliveries": [delivery_json(d) for d in found], "next": found[-1].id if len(found) == limit else None}

    @r.post("/v1/webhooks/{webhook_id}/deliveries/{delivery_id}/resend", status_code=202, response_model=schemas.DeliveryOut,
            **deps.action("webhook.resend"))
    def resend(webhook_id: str, delivery_id: Annotated[int, Path(ge=1, le=2**62)], principal: deps.Caller):
        return delivery_json(webhooks.resend(ctx, principal, webhook_id, delivery_id))

    @r.get("/v1/accounts/{account_id}/messages", response_model=schemas.MessagesOut, **deps.action("read"))
    def messages(account_id: deps.AccountId, lang: Literal["zh", "en"] = "zh", before: Before = None,
                 limit: Annotated[int, Query(ge=1, le=500)] = 50, category: Literal["packages", "bills", "money"] | None = None):
        found = inbox.messages(ctx, account_id, limit, before, category)
        return {"messages": [{"seq": e.seq, "id": e.id, "type": e.type, "category": category_of(e.type), "at": moment_json(e.at),
                              "unread": e.seq > found.read_seq,
                              "text": sentence(e.type, e.data, ctx.catalog, lang), "data": e.data} for e in found.events],
                "unread": found.unread, "next": found.events[-1].seq if len(found.events) == limit else None}

    @r.post("/v1/accounts/{account_id}/messages/read", response_model=schemas.MessagesOut, **deps.action("messages.mark_read"))
    def mark_read(account_id: deps.AccountId, body: schemas.MarkReadIn, principal: deps.Caller):
        if principal.account_id is None:
            raise ApiError("forbidden", "only the customer marks its own messages read")
        inbox.mark_read(ctx, account_id, min(body.through, 2**62))
        found = inbox.messages(ctx, account_id, 1)
        return {"messages": [], "unread": found.unread, "next": None}

    return r
