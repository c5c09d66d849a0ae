"""Invoices for China (R33): titles, requests, red-letter reversals."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, StrictStr

from .base import In
from .formats import Line, Name, PositiveMoney

_SPECIAL_NEEDS = ("address", "phone", "bank", "bank_account")


class TitleIn(In):
    model_config = ConfigDict(extra="forbid", json_schema_extra={
        "if": {"properties": {"type": {"const": "special"}}, "required": ["type"]},
        "then": {"required": list(_SPECIAL_NEEDS),
                 "properties": {k: {"type": "string", "pattern": "^[^\\x00]*[^\\s\\x00][^\\x00]*$"} for k in _SPECIAL_NEEDS}}})
    type: Literal["normal", "special"] = Field(description="normal: 增值税普通发票; special: 增值税专用发票")
    name: Name = Field(max_length=100, description="the buyer's registered name")
    tax_id: StrictStr = Field(max_length=40, json_schema_extra={"pattern": "^[0-9A-HJ-NPQRTUWXY]{18}$"},
                               description="the unified social credit code, 18 characters (GB 32100, check character verified)")
    address: StrictStr | None = Field(default=None, max_length=200, description="special invoices: the registered address")
    phone: StrictStr | None = Field(default=None, max_length=40, description="special invoices: the telephone")
    bank: StrictStr | None = Field(default=None, max_length=100, description="special invoices: the bank")
    bank_account: StrictStr | None = Field(default=None, max_length=64, description="special invoices: the bank account")


class TitleOut(BaseModel):
    id: str
    type: Literal["normal", "special"]
    name: str
    tax_id: str
    address: str
    phone: str
    bank: str
    bank_account: str


class TitlesOut(BaseModel):
    titles: list[TitleOut]


class InvoiceRequestIn(In):
    title_id: StrictStr = Field(max_length=40, json_schema_extra={"minLength": 1})
    amount: PositiveMoney = Field(description="CNY including tax, up to what is invoiceable now less pending requests")


class InvoiceRequestOut(BaseModel):
    id: str
    account_id: str
    kind: Literal["blue", "red"] = Field(description="blue: an invoice; red: a red-letter reversal (amounts below zero)")
    title_id: str | None
    amount: str = Field(description="including tax")
    net: str = Field(description="amount ÷ (1 + rate), rounded half up")
    tax: str = Field(description="amount − net")
    rate: str
    status: Literal["pending", "issued", "rejected"]
    number: str | None
    reason: str | None
    reverses: list[str] = Field(description="red: the numbers of the invoices it reverses")
    requested_at: str
    decided_at: str | None


class InvoiceRequestsOut(BaseModel):
    requests: list[InvoiceRequestOut]


class IssueIn(In):
    number: StrictStr = Field(max_length=64, description="the all-electronic invoice's 20 digits", json_schema_extra={"pattern": "^[0-9]{20}$"})


class RejectIn(In):
    reason: Line = Field(max_length=400, json_schema_extra={"minLength": 1})
