"""The books: statements, invoices, revenue."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field, model_serializer

from .base import In
from .formats import Line, PositiveMoney


class AmountsOut(BaseModel):
    list_amount: str
    amount: str
    voucher: str
    cash: str


class StatementPaygOut(AmountsOut):
    service: str
    quantity: int = Field(description="billed pay-as-you-go quantity: calls, bytes, or for bandwidth.* whole bit/s")
    peak: str | None = Field(default=None, description="bandwidth.*: the month's highest billed daily peak, Mbps")
    days: int | None = Field(default=None, description="bandwidth.*: the days billed")

    @model_serializer(mode="wrap")
    def _only_bandwidth_has_a_peak(self, handler):
        """``peak`` and ``days`` are written for daily peak bandwidth only, as the contract says."""
        out = handler(self)
        if self.peak is None and self.days is None:
            out.pop("peak", None)
            out.pop("days", None)
        return out


class StatementOrderOut(AmountsOut):
    day: str
    sku: str
    count: int
    discount: str


class StatementRefundOut(BaseModel):
    day: str
    package_id: str
    sku: str
    voucher: str
    cash: str


class StatementVouchersOut(BaseModel):
    granted: str
    used: str
    expired: str


class StatementUsageOut(BaseModel):
    service: str
    drawn: int = Field(description="drawn from packages")
    payg_quantity: int
    mainland: int = Field(description="used in mainland China")
    other: int = Field(description="used in other regions (always pay-as-you-go)")


class StatementPackageOut(BaseModel):
    id: str
    sku: str
    service: str
    size: int
    remaining: int = Field(description="left at the end of the month")
    first_day: str
    last_day: str
    status: str


class StatementDayOut(BaseModel):
    day: str
    amount: str = Field(description="pay-as-you-go of the day settled on time, CNY")
    supplements: str = Field(description="late usage of the day settled after its statement, CNY")


class StatementLateOut(BaseModel):
    day: str
    kind: Literal["topup", "adjustment", "purchase", "refund"]
    amount: str


class GroupPartOut(BaseModel):
    voucher: str
    cash: str


class StatementGroupOut(BaseModel):
    account_id: str
    name: str
    role: Literal["payer", "member"] = Field(description="payer: this account paid for the statement's account; member: the "
                                                         "statement's account paid for this one (R32)")
    purchases: GroupPartOut
    payg: GroupPartOut
    total: str


class StatementOut(BaseModel):
    account_id: str
    account_name: str
    month: str = Field(description="YYYY-MM")
    status: Literal["provisional", "final"]
    number: str | None
    opening_balance: str
    closing_balance: str
    topups: str
    adjustments: str
    purchases: AmountsOut
    refunds: AmountsOut
    payg: list[StatementPaygOut]
    usage: list[StatementUsageOut]
    packages: list[StatementPackageOut]
    invoiceable: str
    invoiced: str = Field(default="0.00", description="R33: the invoices issued in the month, tax included")
    red_letter: str = Field(default="0.00", description="R33: the red-letter invoices issued in the month (below zero)")
    daily: list[StatementDayOut]
    late: list[StatementLateOut] = Field(default_factory=list, description="money stated in earlier months that were already "
                                         "final when it was recorded, counted in this statement, each with its own day")
    orders: list[StatementOrderOut] = Field(default_factory=list)
    refund_rows: list[StatementRefundOut] = Field(default_factory=list)
    vouchers: StatementVouchersOut | None = None
    payg_cash: str = Field(default="0.00", description="what the month's pay-as-you-go took from cash (vouchers paid the rest)")
    group: list[StatementGroupOut] = Field(default_factory=list, description="R32: on a member's statement what its payer paid for "
                                           "it; on a payer's, a row per member with what it paid for each")
    group_cash: str = Field(default="0.00", description="R32: what group accounts moved the balance by; opening + top-ups + "
                            "adjustments - purchases (cash) + refunds (cash) - payg_cash + group_cash = closing")


class InvoiceIn(In):
    amount: PositiveMoney = Field(description="CNY, greater than zero, at most the invoiceable amount")
    number: Line = Field(min_length=1, max_length=64, description="the invoice's own number, unique")


class InvoiceOut(BaseModel):
    id: int
    number: str
    amount: str
    at: str | None
    invoiceable: str = Field(description="what is still invoiceable after it")


class InvoiceListItem(BaseModel):
    id: int
    number: str
    amount: str
    at: str


class InvoicesOut(BaseModel):
    invoices: list[InvoiceListItem]
    invoiceable: str


class RevenueServiceOut(BaseModel):
    service: str
    recognised: str = Field(description="package revenue recognised as drawn, CNY")
    breakage: str = Field(description="forfeited at expiry, CNY")
    payg: str = Field(description="pay-as-you-go settled, CNY")


class RevenueDayOut(BaseModel):
    day: str
    deferred: str = Field(description="deferred revenue held at the end of the day, CNY")
    services: list[RevenueServiceOut]


class RevenueOut(BaseModel):
    days: list[RevenueDayOut]


class CloseServiceOut(BaseModel):
    service: str
    statements_payg: str = Field(description="pay-as-you-go billed on the month's statements, CNY")
    revenue_payg: str = Field(description="pay-as-you-go revenue of the month (by the usage day it serves), CNY")
    recognised: str = Field(description="package revenue recognised in the month, CNY")
    breakage: str = Field(description="forfeited in the month, CNY")
    difference: str = Field(description="statements_payg - revenue_payg: 0.00 when the books agree")


class CloseOut(BaseModel):
    month: str = Field(description="YYYY-MM")
    final: bool = Field(description="whether the month's statements are final")
    services: list[CloseServiceOut]
    deferred_opening: str = Field(description="deferred revenue held when the month began, CNY")
    deferred_closing: str = Field(description="deferred revenue held when it ended (so far, while it runs), CNY")
    balanced: bool = Field(description="every difference is 0.00")
