"""The small immutable records that the rules work on."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import NamedTuple

from .wallet import Payment


class Site(StrEnum):
    CN = "cn"
    INTL = "intl"


class TrafficBilling(StrEnum):
    DAILY_PEAK_BANDWIDTH = "daily_peak_bandwidth"
    TRAFFIC = "traffic"


class PackageStatus(StrEnum):
    REFUNDED = "refunded"
    EXPIRED = "expired"
    EXHAUSTED = "exhausted"
    FROZEN = "frozen"
    ACTIVE = "active"


@dataclass(frozen=True, slots=True)
class Package:
    """A bought package.

    id: unique id.
    account_id: the account that bought it and the only one it serves (R3).
    sku, service, size, price: from the catalog at purchase; size in calls or bytes.
    purchased_at: the moment of purchase (aware); the draw order's first key (R5).
    seq: creation order, the draw order's tie-break (R5).
    first_day, last_day: the Asia/Shanghai usage days it covers (R4).
    refunded_at: when it was refunded (R10), else None.
    list_price: the catalog price it was bought at (R16); price is its share of the order's
    contracted amount.
    """

    id: str
    account_id: str
    sku: str
    service: str
    size: int
    price: Decimal
    purchased_at: datetime
    seq: int
    first_day: date
    last_day: date
    refunded_at: datetime | None = None
    list_price: Decimal | None = None

    def covers(self, day: date) -> bool:
        return self.first_day <= day <= self.last_day


class Balance(NamedTuple):
    """A package together with what it has left now."""

    package: Package
    remaining: int


@dataclass(frozen=True, slots=True)
class UsageEvent:
    """One metered usage event, already validated.

    event_id: unique within the account (R14).
    service: an ai.* or traffic.* id.
    quantity: calls or bytes, >= 1.
    region: a known region id (R1).
    timestamp: aware moment of use; its Shanghai day is the usage day.
    """

    event_id: str
    service: str
    quantity: int
    region: str
    timestamp: datetime


class Draw(NamedTuple):
    """``quantity`` units of a day's usage paid for by package ``package_id``."""

    package_id: str
    quantity: int


class BillLine(NamedTuple):
    """One line of a bill: a service's usage of one day (or what late usage added to it).

    quantity: in the service's unit, always a whole number: calls, bytes, or for bandwidth.*
    lines the day's peak in whole bit/s (R8: Mbps to 6 decimals, rounded half up); for a
    bandwidth supplement the rise of the peak.
    drawn: the packages that paid, in draw order.
    payg_quantity: what was billed pay-as-you-go (for bandwidth.*: the same bit/s figure).
    amount: the contracted amount in CNY: the exact list amount x the day's discount rate,
    rounded half up to 0.01 once (R13, R16).
    supplement: whether it settles usage that arrived after its day was settled (R12).
    list_amount: the exact list amount rounded the same way (R16); None where not known.
    paid: how the amount was paid, vouchers first, then cash (R17, R18).
    other: the part of ``quantity`` used outside mainland China (R1; always pay-as-you-go).
    paid_by: the payer whose wallet paid it (R32); None: the account's own.
    """

    day: date
    service: str
    quantity: int
    drawn: tuple[Draw, ...]
    payg_quantity: int
    amount: Decimal
    supplement: bool
    list_amount: Decimal | None = None
    paid: Payment = Payment()
    other: int = 0
    paid_by: str | None = None
