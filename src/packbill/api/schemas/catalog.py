"""The catalog and its versions (R31)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field, StrictStr

from .base import In, Whole
from .formats import DayText

Price = StrictStr | Whole
"""A price as a decimal string ("0.0025", "200.00"), or a whole number."""


class TierIn(In):
    up_to: Whole | None = Field(default=None, ge=1, description="quantities below it (price units a month); the last tier has none")
    price: Price


class PaygIn(In):
    service: StrictStr = Field(max_length=32, description="a billable service: every one needs a price")
    unit: StrictStr = Field(max_length=16, description="call, byte (priced per GB) or mbps_day")
    price: Price | None = Field(default=None, description="a flat price per price unit; or tiers")
    tiers: list[TierIn] | None = Field(default=None, max_length=20, description="graduated monthly tiers, rising")
    name_zh: StrictStr | None = Field(default=None, max_length=100)
    name_en: StrictStr | None = Field(default=None, max_length=100)
    price_unit: StrictStr | None = Field(default=None, max_length=16, description="as GET /v1/catalog writes it (call, GB, Mbps/day); "
                                         "not read: the unit decides")


class PackageIn(In):
    sku: StrictStr = Field(max_length=64)
    service: StrictStr = Field(max_length=32, description="an ai.* or traffic.* service")
    size: Whole = Field(ge=1, description="calls, or bytes")
    price: Price = Field(description="CNY, at most two decimal places")
    validity: StrictStr | None = Field(default=None, max_length=16, description="ISO 8601 duration, P1Y by default")
    label_zh: StrictStr | None = Field(default=None, max_length=100)
    unit: StrictStr | None = Field(default=None, max_length=16, description="as GET /v1/catalog writes it; not read: the service's unit")


class CatalogIn(In):
    payg: list[PaygIn] = Field(max_length=100)
    packages: list[PackageIn] = Field(max_length=1000)
    version: StrictStr | None = Field(default=None, max_length=16, description="as GET /v1/catalog writes it; not read")
    effective_on: StrictStr | None = Field(default=None, max_length=10, description="as GET /v1/catalog writes it; not read: the "
                                           "version's day is the request's effective_on")


class CatalogVersionIn(In):
    effective_on: DayText = Field(description="YYYY-MM-DD (Beijing), after today")
    catalog: CatalogIn = Field(description="every price, in the shape GET /v1/catalog answers")


class CatalogVersionOut(BaseModel):
    id: str = Field(description="v1 is the catalog file, in force from the beginning; then v2, v3, ...")
    effective_on: str | None
    published_at: str | None
    status: Literal["in_force", "scheduled", "past", "withdrawn"]
    changes: list[dict] = Field(description="what it changes against the version before it")


class CatalogVersionsOut(BaseModel):
    versions: list[CatalogVersionOut]
