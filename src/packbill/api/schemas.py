"""Request and response bodies of API v1 (never database rows)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, StrictInt, StrictStr

from ..domain.limits import MAX_COUNT, MAX_EVENT_ID, MAX_EVENTS_PER_BATCH, MAX_NAME, MAX_QUANTITY


class _In(BaseModel):
    model_config = ConfigDict(extra="ignore")


class AccountIn(_In):
    name: StrictStr = Field(min_length=1, max_length=MAX_NAME, description="the customer's name as people read it")
    site: Literal["cn", "intl"]


class PurchaseIn(_In):
    sku: StrictStr = Field(max_length=64)
    count: StrictInt = Field(1, ge=1, le=MAX_COUNT, description="packages of this SKU to buy at once")
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
    event_id: StrictStr = Field(min_length=1, max_length=MAX_EVENT_ID, description="unique within the account; a repeat counts once")
    service: StrictStr
    quantity: StrictInt = Field(ge=1, le=MAX_QUANTITY, description="calls (ai.*) or bytes (traffic.*)")
    region: StrictStr
    timestamp: StrictStr


class UsageBatchIn(BaseModel):
    events: list[UsageEventIn] = Field(max_length=MAX_EVENTS_PER_BATCH)


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
    sku: str = Field(description="<service>.<size label>, e.g. ai.face.100k")
    service: str
    size: int = Field(description="the package's quantity: calls (ai.*) or bytes (traffic.*)")
    remaining: int = Field(description="what is left after every day settled up to as_of, in the same unit")
    price: str = Field(description="CNY, decimal string")
    purchased_at: str = Field(description="ISO 8601, Asia/Shanghai")
    first_day: str = Field(description="first usage day covered, YYYY-MM-DD")
    last_day: str = Field(description="last usage day covered, YYYY-MM-DD; the remainder is forfeited after it")
    status: str = Field(description="refunded, expired, exhausted, frozen or active (the first that applies)")


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


class FailedAccountOut(BaseModel):
    account_id: str
    reason: str


class SettlementOut(BaseModel):
    days: int = Field(description="account-days settled")
    lines: int = Field(description="bill lines written")
    run_id: int
    failed: list[FailedAccountOut] = Field(description="accounts that could not be settled; their days stay unsettled")


class RunOut(BaseModel):
    id: int
    through: str
    status: Literal["finished", "running", "abandoned"]
    started_at: str
    finished_at: str | None
    days: int
    lines: int
    failed: list[FailedAccountOut]


class RunListOut(BaseModel):
    runs: list[RunOut]


class DrawOut(BaseModel):
    package_id: str
    quantity: int


class BillLineOut(BaseModel):
    day: str
    service: str
    quantity: int | str = Field(description="calls or bytes; for bandwidth.* the peak in Mbps, a decimal string (6 decimals)")
    drawn: list[DrawOut] = Field(description="the packages that paid, in draw order, with the quantity each paid")
    payg_quantity: int | str = Field(description="what was billed pay-as-you-go, in the unit of quantity")
    amount: str = Field(description="CNY, rounded half up to 0.01")
    supplement: bool = Field(description="late usage of a day already settled: only what it added")


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
