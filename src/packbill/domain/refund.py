"""The one no-reason refund of an account's lifetime (R10)."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from .errors import RefundNotAllowed
from .model import Package

REFUND_WINDOW = timedelta(days=5)


def check_refund(package: Package, drawn: int, account_refunds: int, at: datetime) -> Decimal:
    """The amount to give back, or RefundNotAllowed with the reason.

    Allowed once per account, for a package bought at most 5 days (120 hours) before ``at``
    that has never been drawn on.
    """
    if package.refunded_at is not None:
        raise RefundNotAllowed("this package has already been refunded", {"reason": "already_refunded"})
    if account_refunds > 0:
        raise RefundNotAllowed(
            "an account has one no-reason refund in its lifetime, and this account has used it",
            {"reason": "refund_used"},
        )
    if at < package.purchased_at:
        raise RefundNotAllowed("a package cannot be refunded before it was bought", {"reason": "before_purchase"})
    if at - package.purchased_at > REFUND_WINDOW:
        raise RefundNotAllowed(
            "a package can be refunded only within 5 days of its purchase", {"reason": "too_late"}
        )
    if drawn > 0:
        raise RefundNotAllowed(
            "this package has already paid for usage, so it cannot be refunded", {"reason": "drawn_on"}
        )
    return package.price
