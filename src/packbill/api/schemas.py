"""Request and response bodies of API v1 (never database rows)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, StrictInt, StrictStr


class _In(BaseModel):
    model_config = ConfigDict(extra="ignore")


class AccountIn(_In):
    name: StrictStr = Field(min_length=1, max_length=200)
    site: Literal["cn", "intl"]


class PurchaseIn(_In):
    sku: StrictStr = Field(max_length=64)
    count: StrictInt = Field(1, ge=1, le=100)
    at: StrictStr | None = Field(None, description="operator only: when the purchase happened (ISO 8601 with offset)")


class RefundIn(_In):
    at: StrictStr | None = None


class TrafficBillingIn(_In):
    mode: Literal["traffic", "daily_peak_bandwidth"]
    at: StrictStr | None = None


class SettlementIn(_In):
    through: StrictStr = Field(pattern=r"^\d{4}-\d{2}-\d{2}$", description="YYYY-MM-DD, a day that has ended")
    at: StrictStr | None = Field(None, description="operator override of the server's clock (backfills)")


class UsageEventIn(BaseModel):
    event_id: StrictStr = Field(min_length=1, max_length=128)
    service: StrictStr
    quantity: StrictInt = Field(ge=1, le=10**15)
    region: StrictStr
    timestamp: StrictStr


class UsageBatchIn(BaseModel):
    events: list[UsageEventIn] = Field(max_length=10_000)


class ErrorBody(BaseModel):
    code: str
    message: str
    details: object | None = None


class ErrorOut(BaseModel):
    error: ErrorBody


class AccountOut(BaseModel):
    id: str
    name: str
    site: str
    traffic_billing: str


class AccountCreatedOut(AccountOut):
    token: str


class PendingSwitchOut(BaseModel):
    mode: str
    effective_day: str


class AccountDetailOut(AccountOut):
    traffic_billing_next: PendingSwitchOut | None


class AccountListOut(BaseModel):
    accounts: list[AccountDetailOut]


class PackageOut(BaseModel):
    id: str
    sku: str
    service: str
    size: int
    remaining: int
    price: str
    purchased_at: str
    first_day: str
    last_day: str
    status: str


class PurchaseOut(BaseModel):
    packages: list[PackageOut]
    amount: str


class PackageListOut(BaseModel):
    packages: list[PackageOut]


class RefundOut(BaseModel):
    package: PackageOut
    amount: str


class TrafficBillingOut(BaseModel):
    mode: str
    effective_day: str


class UsageAcceptedOut(BaseModel):
    accepted: int
    duplicates: int


class SettlementOut(BaseModel):
    days: int
    lines: int


class DrawOut(BaseModel):
    package_id: str
    quantity: int


class BillLineOut(BaseModel):
    day: str
    service: str
    quantity: int | str
    drawn: list[DrawOut]
    payg_quantity: int | str
    amount: str
    supplement: bool


class BillOut(BaseModel):
    lines: list[BillLineOut]
    total: str


class ReminderOut(BaseModel):
    kind: str
    package_id: str
    day: str
    message: str
    message_zh: str


class ReminderListOut(BaseModel):
    reminders: list[ReminderOut]


class DailyUsageOut(BaseModel):
    day: str
    service: str
    mainland: int
    other: int
    settled: int


class DailyUsageListOut(BaseModel):
    usage: list[DailyUsageOut]


class WhoAmIOut(BaseModel):
    role: Literal["operator", "account"]
    account_id: str | None
