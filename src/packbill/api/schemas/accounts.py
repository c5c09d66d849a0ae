"""Accounts, their traffic billing, and who is calling."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from ...domain.limits import MAX_NAME
from .base import In
from .formats import MomentText, Name


class AccountIn(In):
    name: Name = Field(min_length=1, max_length=MAX_NAME, description="the customer's name as people read it")
    site: Literal["cn", "intl"]
    payment: Literal["balance", "invoice"] | None = Field(None, description="payment terms; default invoice")


class TrafficBillingIn(In):
    mode: Literal["traffic", "daily_peak_bandwidth"]
    at: MomentText | None = None


class AccountOut(BaseModel):
    id: str
    name: str
    site: str
    payment: str = Field(description="balance (prepaid) or invoice (monthly billing)")
    traffic_billing: str
    created_at: str = Field(description="when the account was created (ISO 8601, Beijing time)")


class AccountCreatedOut(AccountOut):
    token: str


class PendingSwitchOut(BaseModel):
    mode: str
    effective_day: str


class AccountDetailOut(AccountOut):
    traffic_billing_next: PendingSwitchOut | None


class AccountListOut(BaseModel):
    accounts: list[AccountDetailOut]


class PayerIn(In):
    payer: str | None = Field(description="the account whose wallet pays from the day after 'at'; null: the account pays for itself",
                              max_length=40)
    at: MomentText | None = None


class PayerOut(BaseModel):
    account_id: str
    payer: str | None
    effective_day: str


class MemberOut(BaseModel):
    id: str
    name: str
    since: str = Field(description="the first day the payer pays for it, YYYY-MM-DD")


class MembersOut(BaseModel):
    members: list[MemberOut]


class TrafficBillingOut(BaseModel):
    mode: str
    effective_day: str


class WhoAmIOut(BaseModel):
    role: Literal["operator", "account"]
    account_id: str | None
    operator_role: Literal["admin", "finance", "support", "metering"] | None = Field(
        default=None, description="an operator's role (R24); null for an account's token")
    actor: str = Field(description="who the audit trail records: 'bootstrap', a key id, or the account id")
