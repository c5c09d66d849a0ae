"""The customer's controls: auto-rebuy (R28), the monthly budget and the pay-as-you-go caps (R30)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field, StrictStr

from ...domain.auto_rebuy import MAX_DAYS_BEFORE
from .base import In, Whole
from .formats import PositiveMoney


class RebuyRuleIn(In):
    sku: StrictStr = Field(max_length=64, description="the package to buy, a SKU of the service")
    trigger: Literal["exhausted", "expiring"] = Field(description="exhausted: when the service's last package with something left is "
                                                      "used up at a settlement; expiring: days_before its last day")
    days_before: Whole | None = Field(default=None, ge=1, le=MAX_DAYS_BEFORE,
                                          description="for expiring: how many days before the last package's last day")
    monthly_cap: PositiveMoney = Field(description="CNY: the most auto-rebuy may spend (contracted) in a calendar month")


class RebuyRuleOut(BaseModel):
    service: str
    sku: str
    trigger: Literal["exhausted", "expiring"]
    days_before: int | None
    monthly_cap: str
    spent_this_month: str = Field(description="what this service's rebuys cost this calendar month (Beijing time)")


class RebuyRulesOut(BaseModel):
    rules: list[RebuyRuleOut]


class LimitIn(In):
    monthly: PositiveMoney | None = Field(description="CNY a calendar month, above 0.00; null removes it")


class CapOut(BaseModel):
    monthly: str | None
    spent_this_month: str = Field(description="the service's pay-as-you-go this month, unsettled usage estimated")
    capped: bool = Field(description="the cap is reached and no active package covers the service: its service_status is capped")


class BudgetOut(BaseModel):
    month: str = Field(description="YYYY-MM, the calendar month in Beijing time")
    monthly: str | None = Field(description="the monthly budget (purchases and pay-as-you-go); null: none")
    spent_this_month: str = Field(description="purchases (contracted, less refunds) and pay-as-you-go so far, unsettled usage estimated")
    forecast_this_month: str = Field(description="spent before today plus the last 30 days' daily pay-as-you-go for each day left")
    caps: dict[str, CapOut]
