"""Usage, settlement runs and bills."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field, StrictStr

from ...domain.catalog import USAGE_SERVICES
from ...domain.limits import MAX_EVENT_ID, MAX_EVENTS_PER_BATCH, MAX_QUANTITY
from .base import In, Whole
from .formats import DayText, MomentText
from .packages import PaidOut


class UsageEventIn(BaseModel):
    event_id: StrictStr = Field(min_length=1, max_length=MAX_EVENT_ID, description="unique within the account; a repeat counts once")
    service: StrictStr = Field(json_schema_extra={"enum": list(USAGE_SERVICES)})
    quantity: Whole = Field(ge=1, le=MAX_QUANTITY, description="calls (ai.*) or bytes (traffic.*)")
    region: StrictStr = Field(description="a region of the catalog (mainland China or not, R1)", min_length=1, max_length=64)
    timestamp: MomentText = Field(description="when it happened, with its offset; not ahead of the server's clock, nor older than "
                                  "the operator's lateness limit")


class UsageBatchIn(BaseModel):
    events: list[UsageEventIn] = Field(max_length=MAX_EVENTS_PER_BATCH)


class UsageAcceptedOut(BaseModel):
    accepted: int
    duplicates: int


class SettlementIn(In):
    through: DayText = Field(description="YYYY-MM-DD, a day that has ended")
    at: MomentText | None = Field(None, description="operator override of the server's clock (backfills)")


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
    list_amount: str = Field(description="the list amount, CNY (amount is the contracted one)")
    paid: PaidOut
    paid_by: str | None = Field(None, description="the payer account whose wallet paid the line (R32); null: the account's own")


class BillOut(BaseModel):
    lines: list[BillLineOut]
    total: str


class DailyUsageOut(BaseModel):
    day: str
    service: str
    mainland: int
    other: int
    settled: int


class DailyUsageListOut(BaseModel):
    usage: list[DailyUsageOut]
