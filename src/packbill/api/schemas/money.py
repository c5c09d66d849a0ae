"""The wallet: top-ups, adjustments, vouchers, the account's money terms, the journal."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field, StrictStr

from ...domain.catalog import BANDWIDTH_SERVICES, USAGE_SERVICES
from .base import In
from .formats import DayText, Line, MomentText, NonNegativeMoney, NonZeroMoney, PositiveMoney, Rate

VOUCHER_SERVICES = USAGE_SERVICES + BANDWIDTH_SERVICES


class PaymentTermsIn(In):
    payment: Literal["balance", "invoice"]


class TopUpIn(In):
    amount: PositiveMoney = Field(description="CNY, a decimal string with at most two decimals, greater than zero")
    reference: Line = Field(min_length=1, max_length=128, description="the payment's own reference, unique within the account")
    at: MomentText | None = None


class AdjustmentIn(In):
    amount: NonZeroMoney = Field(description="CNY, may be negative, never 0.00")
    reason: Line = Field(min_length=1, max_length=400)
    at: MomentText | None = None


class VoucherIn(In):
    amount: PositiveMoney = Field(description="CNY")
    expires_on: DayText = Field(description="the last day it pays on, YYYY-MM-DD, today or later")
    services: list[StrictStr] | None = Field(None, description="the services it may pay for; default all",
                                             json_schema_extra={"minItems": 1, "items": {"type": "string", "enum": list(VOUCHER_SERVICES)}})


class DiscountIn(In):
    rate: Rate = Field(description="0 < rate <= 1, e.g. \"0.85\" (15 % off), at most four decimals")
    effective_day: DayText = Field(description="YYYY-MM-DD: purchases and usage days from this day")


class CreditLimitIn(In):
    amount: NonNegativeMoney = Field(description="CNY, at least 0")


class BalanceAlertIn(In):
    threshold: NonNegativeMoney | None = Field(description="CNY, at least 0; null switches the alert off")


class VoucherOut(BaseModel):
    id: str
    amount: str
    remaining: str
    expires_on: str
    services: list[str] | None
    status: Literal["active", "used", "expired"]


class WalletOut(BaseModel):
    balance: str = Field(description="the cash balance, CNY (may be below zero)")
    credit_limit: str
    payment: str
    state: Literal["normal", "arrears", "suspended", "reclaim_due"]
    arrears_since: str | None
    low_balance_threshold: str | None
    vouchers: list[VoucherOut]
    service_status: dict[str, Literal["active", "suspended", "capped"]] = Field(
        description="per service: suspended (R19), capped (its pay-as-you-go cap reached this month, R30) or active")
    estimated_balance: str = Field(description="the balance with the usage not settled yet, estimated by the settlement rules")
    paid_by: str | None = Field(None, description="the payer account whose wallet pays this account's charges today (R32); "
                                                  "null: the account pays for itself")


class TopUpOut(BaseModel):
    id: str
    amount: str
    reference: str
    balance: str


class AdjustmentOut(BaseModel):
    id: str
    amount: str
    balance: str


class PostingOut(BaseModel):
    ledger_account: str
    amount: str


class EntryOut(BaseModel):
    id: int
    at: str
    kind: str
    ref: str
    memo: str | None
    member: str | None = Field(None, description="the member account this entry's charge or refund served, when the entry is in "
                                                 "its payer's books (R32); null otherwise")
    postings: list[PostingOut]


class JournalOut(BaseModel):
    entries: list[EntryOut]
