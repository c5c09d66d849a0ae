"""Packages: buying, listing, refunding, and the reminders about them."""

from __future__ import annotations

from pydantic import BaseModel, Field, StrictStr

from ...domain.limits import MAX_COUNT
from .base import In, Whole
from .formats import MomentText


class PurchaseIn(In):
    sku: StrictStr = Field(max_length=64)
    count: Whole = Field(1, ge=1, le=MAX_COUNT, description="packages of this SKU to buy at once")
    at: MomentText | None = Field(None, description="operator only: when the purchase happened (ISO 8601 with offset)")


class RefundIn(In):
    at: MomentText | None = None


class PackageForecastOut(BaseModel):
    runs_out_on: str | None = Field(description="R29: the day it runs out at the last 30 days' rate, YYYY-MM-DD; null when it lasts "
                                    "to its last day")
    forfeit_quantity: int = Field(description="what will be left at its last day and forfeited, in the package's unit")
    forfeit_value: str = Field(description="the contracted value of that, CNY")


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
    list_price: str = Field(description="the catalog price it was bought at, CNY; price is its contracted share")
    remaining_now: int | None = Field(None, description="R26: what is left now, counting usage not settled yet, estimated "
                                      "by the settlement rules (an estimate; settlement is the truth); null when as_of is given")
    forecast: PackageForecastOut | None = Field(None, description="R29: at the last 30 days' mainland usage rate, when it runs out "
                                                "or what it forfeits; null without recent usage, for a package no longer active, "
                                                "and when as_of is given")


class PaidOut(BaseModel):
    voucher: str = Field(description="CNY paid by vouchers")
    cash: str = Field(description="CNY paid from the cash balance")


class PurchaseOut(BaseModel):
    packages: list[PackageOut]
    amount: str = Field(description="the contracted total, CNY")
    list_amount: str = Field(description="the list total, CNY")
    paid: PaidOut


class PackageListOut(BaseModel):
    packages: list[PackageOut]


class RefundOut(BaseModel):
    package: PackageOut
    amount: str
    paid_back: PaidOut


class ReminderOut(BaseModel):
    kind: str = Field(description="expiring, low, exhausted, frozen (packages, R11); forfeit_expected, package_low (R29); "
                      "low_balance, arrears, suspended, reclaim_due (the wallet, R19, R20); anomaly (R30)")
    package_id: str | None = Field(description="the package a package reminder is about; null for wallet reminders")
    day: str
    message: str
    message_zh: str


class ReminderListOut(BaseModel):
    reminders: list[ReminderOut]


class PackageAlertIn(In):
    threshold_percent: Whole | None = Field(description="R29: a whole percent from 1 to 99 of what the service's active "
                                                "packages held; null switches the alert off",
                                                json_schema_extra={"anyOf": [{"type": "integer", "minimum": 1, "maximum": 99}, {"type": "null"}]})


class PackageAlertOut(BaseModel):
    service: str
    threshold_percent: int | None = Field(description="the threshold in percent; null: off")
    default: bool = Field(description="true while the customer has not set it (20 %)")
    left_percent: str | None = Field(description="what the service's active packages have left now, as a percent of what "
                                     "they held (one decimal); null without an active package")


class PackageAlertListOut(BaseModel):
    alerts: list[PackageAlertOut]

