"""Request and response bodies of API v1 (never database rows), one module per resource. This
face is the way in: the routers and the composition root import the bodies from here, never from
a module inside (a lint rule keeps it so)."""

from .accounts import (
    AccountCreatedOut,
    AccountDetailOut,
    AccountIn,
    AccountListOut,
    AccountOut,
    MemberOut,
    MembersOut,
    PayerIn,
    PayerOut,
    PendingSwitchOut,
    TrafficBillingIn,
    TrafficBillingOut,
    WhoAmIOut,
)
from .base import ErrorBody, ErrorOut, In, Money, inline_schema
from .books import (
    AmountsOut,
    CloseOut,
    CloseServiceOut,
    InvoiceIn,
    InvoiceListItem,
    InvoiceOut,
    InvoicesOut,
    RevenueDayOut,
    RevenueOut,
    RevenueServiceOut,
    StatementDayOut,
    StatementLateOut,
    StatementOut,
    StatementPackageOut,
    StatementPaygOut,
    StatementUsageOut,
)
from .catalog import CatalogIn, CatalogVersionIn, CatalogVersionOut, CatalogVersionsOut
from .controls import BudgetOut, CapOut, LimitIn, RebuyRuleIn, RebuyRuleOut, RebuyRulesOut
from .examples import REQUESTS as EXAMPLES
from .formats import DAY_OR_EMPTY_SCHEMA, DAY_SCHEMA, MOMENT_SCHEMA, DayText, MomentText
from .invoicing import InvoiceRequestIn, InvoiceRequestOut, InvoiceRequestsOut, IssueIn, RejectIn, TitleIn, TitleOut, TitlesOut
from .money import (
    AdjustmentIn,
    AdjustmentOut,
    BalanceAlertIn,
    CreditLimitIn,
    DiscountIn,
    EntryOut,
    JournalOut,
    PaymentTermsIn,
    PostingOut,
    TopUpIn,
    TopUpOut,
    VoucherIn,
    VoucherOut,
    WalletOut,
)
from .operators import (
    AttemptOut,
    AuditOut,
    AuditRecordOut,
    DeliveriesOut,
    DeliveryOut,
    KeyCreatedOut,
    KeyIn,
    KeyOut,
    KeysOut,
    MarkReadIn,
    MessageOut,
    MessagesOut,
    TokenOut,
    WebhookCreatedOut,
    WebhookIn,
    WebhookOut,
    WebhooksOut,
)
from .packages import (
    PackageAlertIn,
    PackageAlertListOut,
    PackageAlertOut,
    PackageListOut,
    PackageOut,
    PaidOut,
    PurchaseIn,
    PurchaseOut,
    RefundIn,
    RefundOut,
    ReminderListOut,
    ReminderOut,
)
from .usage import (
    BillLineOut,
    BillOut,
    DailyUsageListOut,
    DailyUsageOut,
    DrawOut,
    FailedAccountOut,
    RunListOut,
    RunOut,
    SettlementIn,
    SettlementOut,
    UsageAcceptedOut,
    UsageBatchIn,
    UsageEventIn,
)

__all__ = [
    "inline_schema",
    "EXAMPLES",
    "DAY_OR_EMPTY_SCHEMA", "DAY_SCHEMA", "MOMENT_SCHEMA", "DayText", "MomentText",
    "CatalogIn", "CatalogVersionIn", "CatalogVersionOut", "CatalogVersionsOut",
    "CloseOut", "CloseServiceOut", "MemberOut", "MembersOut", "PayerIn", "PayerOut",
    "AccountCreatedOut", "AccountDetailOut", "AccountIn", "AccountListOut", "AccountOut", "AdjustmentIn", "AdjustmentOut", "AmountsOut", "AttemptOut",
    "AuditOut", "AuditRecordOut", "BalanceAlertIn", "BillLineOut", "BillOut", "CreditLimitIn", "DailyUsageListOut", "DailyUsageOut", "DeliveriesOut",
    "DeliveryOut", "DiscountIn", "DrawOut", "EntryOut", "ErrorBody", "ErrorOut", "FailedAccountOut", "In", "InvoiceIn", "InvoiceListItem",
    "InvoiceOut", "InvoicesOut", "JournalOut", "KeyCreatedOut", "KeyIn", "KeyOut", "KeysOut", "MarkReadIn", "MessageOut", "MessagesOut", "Money",
    "PackageAlertIn", "PackageAlertListOut", "PackageAlertOut", "BudgetOut", "CapOut", "LimitIn", "RebuyRuleIn", "RebuyRuleOut", "RebuyRulesOut",
    "InvoiceRequestIn", "InvoiceRequestOut", "InvoiceRequestsOut", "IssueIn", "RejectIn", "TitleIn", "TitleOut", "TitlesOut",
    "PackageListOut", "PackageOut", "PaidOut", "PaymentTermsIn", "PendingSwitchOut", "PostingOut", "PurchaseIn", "PurchaseOut", "RefundIn",
    "RefundOut", "ReminderListOut", "ReminderOut", "RevenueDayOut", "RevenueOut", "RevenueServiceOut", "RunListOut", "RunOut", "SettlementIn",
    "SettlementOut", "StatementDayOut", "StatementLateOut", "StatementOut", "StatementPackageOut", "StatementPaygOut", "StatementUsageOut",
    "TokenOut", "TopUpIn", "TopUpOut", "TrafficBillingIn", "TrafficBillingOut", "UsageAcceptedOut", "UsageBatchIn", "UsageEventIn", "VoucherIn",
    "VoucherOut", "WalletOut", "WebhookCreatedOut", "WebhookIn", "WebhookOut", "WebhooksOut", "WhoAmIOut",
]
