"""Operators' keys, the audit trail, webhooks and messages."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field, StrictStr

from ...domain.limits import MAX_NAME
from .base import In, Whole
from .formats import Name


class KeyIn(In):
    name: Name = Field(min_length=1, max_length=MAX_NAME, description="who holds it, e.g. 'billing-team-alice'")
    role: Literal["admin", "finance", "support", "metering"]


class KeyOut(BaseModel):
    id: str
    name: str
    role: str
    created_at: str
    created_by: str
    revoked_at: str | None


class KeyCreatedOut(KeyOut):
    token: str = Field(description="shown this once; only its hash is kept")


class KeysOut(BaseModel):
    keys: list[KeyOut]


class TokenOut(BaseModel):
    token: str = Field(description="the account's new token, shown this once; the old one no longer works")


class AuditRecordOut(BaseModel):
    id: int
    at: str
    actor: str
    role: str
    via: Literal["api", "console", "cli", "schedule"]
    action: str
    target: str | None
    account_id: str | None
    parameters: dict
    outcome: str = Field(description="'ok', 'replayed', or the error code of the refusal")
    detail: str | None


class AuditOut(BaseModel):
    records: list[AuditRecordOut]
    next: int | None = Field(description="pass as ?before= for the next (older) page; null at the end")


class WebhookIn(In):
    url: StrictStr = Field(min_length=1, max_length=2000, json_schema_extra={"pattern": "^https?://[^\\s/?#@]+(:[0-9]{1,5})?([/?#][^\\s]*)?$"})
    events: list[StrictStr] | None = Field(None, description="event types to receive; default all")
    account_id: StrictStr | None = Field(None, max_length=40, description="an operator's endpoint for one account; "
                                         "default all accounts (an account's token always registers for its own)")


class WebhookOut(BaseModel):
    id: str
    url: str
    events: list[str] | None
    account_id: str | None
    created_at: str
    status: Literal["active", "failing", "disabled"]
    failing_since: str | None


class WebhookCreatedOut(WebhookOut):
    secret: str = Field(description="signs every delivery (Standard Webhooks, whsec_...); shown this once")


class WebhooksOut(BaseModel):
    webhooks: list[WebhookOut]


class AttemptOut(BaseModel):
    at: str
    code: int | None
    error: str | None
    ms: int


class DeliveryOut(BaseModel):
    id: int
    event_id: str
    type: str
    status: Literal["pending", "delivered", "failed", "cancelled"]
    attempts: int
    next_at: str | None
    last_at: str | None
    last_code: int | None
    last_error: str | None
    log: list[AttemptOut]


class DeliveriesOut(BaseModel):
    deliveries: list[DeliveryOut]
    next: int | None


class MessageOut(BaseModel):
    seq: int
    id: str
    type: str
    category: str = Field(description="packages, bills or money: what the message is about")
    at: str
    text: str
    unread: bool
    data: dict


class MessagesOut(BaseModel):
    messages: list[MessageOut]
    unread: int
    next: int | None


class MarkReadIn(In):
    through: Whole = Field(ge=0, description="the seq of the newest message read")
