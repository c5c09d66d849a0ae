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
    payment: Literal["balance", "invoice"] | None = Field(None, description="payment terms; default invoice")


Money = StrictStr | StrictInt


class PaymentTermsIn(_In):
    payment: Literal["balance", "invoice"]


class TopUpIn(_In):
    amount: Money = Field(description="CNY, a decimal string with at most two decimals, greater than zero")
    reference: StrictStr = Field(min_length=1, max_length=128, description="the payment's own reference, unique within the account")
    at: StrictStr | None = None


class AdjustmentIn(_In):
    amount: Money = Field(description="CNY, may be negative")
    reason: StrictStr = Field(min_length=1, max_length=400)
    at: StrictStr | None = None


class VoucherIn(_In):
    amount: Money = Field(description="CNY")
    expires_on: StrictStr = Field(description="the last day it pays on, YYYY-MM-DD")
    services: list[StrictStr] | None = Field(None, description="the services it may pay for; default all")


class DiscountIn(_In):
    rate: Money = Field(description="0 < rate <= 1, e.g. \"0.85\" (15 % off), at most four decimals")
    effective_day: StrictStr = Field(description="YYYY-MM-DD: purchases and usage days from this day")


class CreditLimitIn(_In):
    amount: Money = Field(description="CNY, at least 0")


class BalanceAlertIn(_In):
    threshold: Money | None = Field(description="CNY, at least 0; null switches the alert off")


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
    payment: str = Field(description="balance (prepaid) or invoice (monthly billing)")
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
    list_price: str = Field(description="the catalog price it was bought at, CNY; price is its contracted share")
    remaining_now: int | None = Field(None, description="R26: what is left now, counting usage not settled yet, estimated "
                                      "by the settlement rules (an estimate; settlement is the truth); null when as_of is given")


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
    list_amount: str = Field(description="the list amount, CNY (amount is the contracted one)")
    paid: PaidOut


class BillOut(BaseModel):
    lines: list[BillLineOut]
    total: str


class ReminderOut(BaseModel):
    kind: str = Field(description="expiring, low, exhausted, frozen (packages, R11); low_balance, arrears, suspended, reclaim_due (the wallet, R19, R20)")
    package_id: str | None = Field(description="the package a package reminder is about; null for wallet reminders")
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
    operator_role: Literal["admin", "finance", "support", "metering"] | None = Field(
        default=None, description="an operator's role (R24); null for an account's token")
    actor: str = Field(description="who the audit trail records: 'bootstrap', a key id, or the account id")


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
    service_status: dict[str, Literal["active", "suspended"]]
    estimated_balance: str = Field(description="the balance with the usage not settled yet, estimated by the settlement rules")


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
    postings: list[PostingOut]


class JournalOut(BaseModel):
    entries: list[EntryOut]


class AmountsOut(BaseModel):
    list_amount: str
    amount: str
    voucher: str
    cash: str


class StatementPaygOut(AmountsOut):
    service: str
    quantity: int = Field(description="billed pay-as-you-go quantity: calls, bytes, or for bandwidth.* whole bit/s")


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
    daily: list[StatementDayOut]
    late: list[StatementLateOut] = Field(default_factory=list, description="money stated in earlier months that were already "
                                         "final when it was recorded, counted in this statement, each with its own day")


class InvoiceIn(_In):
    amount: Money = Field(description="CNY, greater than zero, at most the invoiceable amount")
    number: StrictStr = Field(min_length=1, max_length=64, description="the invoice's own number, unique")


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


# --- wave 2: operators, audit, webhooks, messages (R24, R25) -----------------------------------

class KeyIn(_In):
    name: StrictStr = Field(min_length=1, max_length=MAX_NAME, description="who holds it, e.g. 'billing-team-alice'")
    role: Literal["admin", "finance", "support", "metering"]


class KeyOut(BaseModel):
    id: str
    name: str
    role: str
    created_at: str
    created_by: str
    revoked_at: str | None


class KeyCreatedOut(KeyOut):
    token: str = Field(description="shown this once; only its hash is kept")


class KeysOut(BaseModel):
    keys: list[KeyOut]


class TokenOut(BaseModel):
    token: str = Field(description="the account's new token, shown this once; the old one no longer works")


class AuditRecordOut(BaseModel):
    id: int
    at: str
    actor: str
    role: str
    via: Literal["api", "console", "cli", "schedule"]
    action: str
    target: str | None
    account_id: str | None
    parameters: dict
    outcome: str = Field(description="'ok', 'replayed', or the error code of the refusal")
    detail: str | None


class AuditOut(BaseModel):
    records: list[AuditRecordOut]
    next: int | None = Field(description="pass as ?before= for the next (older) page; null at the end")


class WebhookIn(_In):
    url: StrictStr = Field(min_length=1, max_length=2000)
    events: list[StrictStr] | None = Field(None, description="event types to receive; default all")
    account_id: StrictStr | None = Field(None, max_length=40, description="an operator's endpoint for one account; "
                                         "default all accounts (an account's token always registers for its own)")


class WebhookOut(BaseModel):
    id: str
    url: str
    events: list[str] | None
    account_id: str | None
    created_at: str
    status: Literal["active", "failing", "disabled"]
    failing_since: str | None


class WebhookCreatedOut(WebhookOut):
    secret: str = Field(description="signs every delivery (Standard Webhooks, whsec_...); shown this once")


class WebhooksOut(BaseModel):
    webhooks: list[WebhookOut]


class AttemptOut(BaseModel):
    at: str
    code: int | None
    error: str | None
    ms: int


class DeliveryOut(BaseModel):
    id: int
    event_id: str
    type: str
    status: Literal["pending", "delivered", "failed", "cancelled"]
    attempts: int
    next_at: str | None
    last_at: str | None
    last_code: int | None
    last_error: str | None
    log: list[AttemptOut]


class DeliveriesOut(BaseModel):
    deliveries: list[DeliveryOut]
    next: int | None


class MessageOut(BaseModel):
    seq: int
    id: str
    type: str
    at: str
    text: str
    unread: bool
    data: dict


class MessagesOut(BaseModel):
    messages: list[MessageOut]
    unread: int
    next: int | None


class MarkReadIn(_In):
    through: StrictInt = Field(ge=0, description="the seq of the newest message read")
