"""An example of every request body, as a client would send it: the document shows them, and
schemathesis's examples phase sends them. Each is valid as the document says (the service may
still refuse one by a rule of the moment: a day already passed, money short)."""

from __future__ import annotations

from typing import Any

REQUESTS: dict[str, dict[str, Any]] = {
    "AccountIn": {"name": "金龙餐饮 Golden Dragon Kitchens", "site": "cn", "payment": "balance"},
    "TrafficBillingIn": {"mode": "daily_peak_bandwidth"},
    "PaymentTermsIn": {"payment": "invoice"},
    "PurchaseIn": {"sku": "ai.kitchen.100k", "count": 1},
    "TopUpIn": {"amount": "1000.00", "reference": "bank-20270601-0042"},
    "AdjustmentIn": {"amount": "-20.00", "reason": "退回误充 refund of a mistaken top-up"},
    "VoucherIn": {"amount": "100.00", "expires_on": "2199-12-31", "services": ["ai.kitchen", "ai.face"]},
    "DiscountIn": {"rate": "0.9", "effective_day": "2199-01-01"},
    "CreditLimitIn": {"amount": "500.00"},
    "BalanceAlertIn": {"threshold": "200.00"},
    "PackageAlertIn": {"threshold_percent": 20},
    "RebuyRuleIn": {"sku": "ai.kitchen.100k", "trigger": "exhausted", "monthly_cap": "500.00"},
    "LimitIn": {"monthly": "1800.00"},
    "InvoiceIn": {"amount": "100.00", "number": "EXT-2027-0001"},
    "TitleIn": {"type": "normal", "name": "金龙餐饮管理有限公司", "tax_id": "91350100M000100Y43"},
    "InvoiceRequestIn": {"title_id": "tit_0123456789abcdef0123", "amount": "1000.00"},
    "IssueIn": {"number": "26112000000000000001"},
    "RejectIn": {"reason": "抬头与合同不符 the title does not match the contract"},
    "SettlementIn": {"through": "2027-05-31"},
    "KeyIn": {"name": "billing-alice", "role": "finance"},
    "WebhookIn": {"url": "https://hooks.example.com/packbill", "events": ["package.bought", "reminder.low"]},
    "MarkReadIn": {"through": 42},
    "AdviceIn": {"forecast": {"ai.kitchen": [300000, 320000, 340000]}, "what_if_days": 30},
    "CatalogVersionIn": {"effective_on": "2199-01-01", "catalog": {"payg": [], "packages": []}},
}
"""Request bodies by their schema's name. (A version's catalog example is cut short: GET
/v1/catalog answers a whole one to start from.)"""
