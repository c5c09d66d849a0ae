"""packbill's billing core: the rules as pure functions, with no I/O and no clock."""

from .catalog import (
    AI_SERVICES,
    BANDWIDTH_SERVICES,
    TRAFFIC_SERVICES,
    USAGE_SERVICES,
    Catalog,
    CatalogError,
    PackageSku,
    PaygPrice,
    Tier,
    UnknownSku,
    load_catalog,
    parse_catalog,
)
from .days import SHANGHAI, Validity, shanghai_day
from .draw_order import can_draw, draw, draw_order_key, in_draw_order
from .errors import BillingError, InvalidRequest, InvalidUsage, NotFound, RefundNotAllowed, SiteNotEligible
from .model import Balance, BillLine, Draw, Package, PackageStatus, Site, TrafficBilling, UsageEvent
from .money import round_line
from .purchase import purchase
from .reference import PackageView, ReferenceModel
from .refund import check_refund
from .reminders import PackageHistory, Reminder, reminders_at
from .settlement import (
    AccountSettlement,
    AccountState,
    BandwidthBilled,
    DayInput,
    DayResult,
    UsageDay,
    settle_account,
    settle_day,
)
from .status import package_status, remaining_of
from .traffic_billing import SwitchRequest, check_switch, is_frozen, mode_on, pending_switch, requested_by
from .usage import UsageRow, check_batch, check_event, row_of

__all__ = [
    "AI_SERVICES",
    "BANDWIDTH_SERVICES",
    "SHANGHAI",
    "TRAFFIC_SERVICES",
    "USAGE_SERVICES",
    "AccountSettlement",
    "AccountState",
    "Balance",
    "BandwidthBilled",
    "BillLine",
    "BillingError",
    "Catalog",
    "CatalogError",
    "DayInput",
    "DayResult",
    "Draw",
    "InvalidRequest",
    "InvalidUsage",
    "ReferenceModel",
    "NotFound",
    "Package",
    "PackageHistory",
    "PackageSku",
    "PackageStatus",
    "PackageView",
    "PaygPrice",
    "RefundNotAllowed",
    "Reminder",
    "Site",
    "SiteNotEligible",
    "SwitchRequest",
    "Tier",
    "TrafficBilling",
    "UnknownSku",
    "UsageDay",
    "UsageEvent",
    "UsageRow",
    "Validity",
    "can_draw",
    "check_batch",
    "check_event",
    "check_refund",
    "check_switch",
    "draw",
    "draw_order_key",
    "in_draw_order",
    "is_frozen",
    "load_catalog",
    "mode_on",
    "package_status",
    "parse_catalog",
    "pending_switch",
    "purchase",
    "reminders_at",
    "remaining_of",
    "requested_by",
    "round_line",
    "row_of",
    "settle_account",
    "settle_day",
    "shanghai_day",
]
