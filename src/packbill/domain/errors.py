"""Typed errors of the rules; the API maps each to the contract's error code."""

from __future__ import annotations

from typing import Any


class BillingError(Exception):
    code = "invalid_request"

    def __init__(self, message: str, details: Any = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details


class SiteNotEligible(BillingError):
    """R2: only China-site accounts can buy packages."""

    code = "site_not_eligible"


class RefundNotAllowed(BillingError):
    """R10."""

    code = "refund_not_allowed"


class InvalidUsage(BillingError):
    """R1, R14: a usage batch with invalid events; ``details`` lists each by index."""

    code = "invalid_usage"


class InvalidRequest(BillingError):
    code = "invalid_request"


class NotFound(BillingError):
    code = "not_found"


class Conflict(BillingError):
    """The same reference or key again with different content (R15, idempotency keys)."""

    code = "conflict"
