"""R24: who may do what. One table, read by the API, the console and the CLI alike.

An *action* names a change of state (``topup.create``) or a kind of reading (``read``,
``audit.read``, ``keys.read``); the audit trail records changes under the same names. A
*role* is an operator key's role, or ``account`` for a customer's own token, which reaches
only its own account (the callers check the account; this table checks the action).
"""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    ADMIN = "admin"
    """Everything, including keys, accounts, tokens, purchases and refunds made for a customer."""
    FINANCE = "finance"
    """Reads everything; top-ups, vouchers, adjustments, discounts, credit limits, payment terms,
    balance alerts, invoices and settlement."""
    SUPPORT = "support"
    """Reads, and nothing else (not the audit trail, not the keys)."""
    METERING = "metering"
    """Sends usage for any account and reads the catalog, nothing else."""
    ACCOUNT = "account"
    """A customer's token: its own account only."""


OPERATOR_ROLES = (Role.ADMIN, Role.FINANCE, Role.SUPPORT, Role.METERING)

READ = "read"
"""Reading one account (its packages, usage, bills, wallet, statements, advice, messages) and
the catalog."""
CATALOG = "catalog.read"
"""Reading the catalog: every token may."""
READ_ALL = "read.all"
"""Reading what belongs to no one account: the accounts list, settlement runs, revenue, the
schedule, every webhook endpoint and its deliveries."""

CHANGES = (
    "account.create",
    "account.token.rotate",
    "account.payment.set",
    "account.payer.set",
    "package.buy",
    "package.refund",
    "traffic_billing.switch",
    "usage.send",
    "usage.archive",
    "usage.restore",
    "settlement.run",
    "topup.create",
    "adjustment.create",
    "voucher.grant",
    "discount.set",
    "credit_limit.set",
    "balance_alert.set",
    "package_alert.set",
    "auto_rebuy.set",
    "auto_rebuy.delete",
    "budget.set",
    "cap.set",
    "invoice.create",
    "invoice_title.create",
    "invoice_title.delete",
    "invoice.request",
    "invoice.issue",
    "invoice.reject",
    "catalog.publish",
    "catalog.withdraw",
    "key.create",
    "key.revoke",
    "webhook.create",
    "webhook.delete",
    "webhook.resend",
    "messages.mark_read",
)
"""Every change of state, by the name the audit trail records."""

ACTIONS = frozenset(CHANGES) | {READ, READ_ALL, CATALOG, "audit.read", "keys.read"}

_FINANCE = frozenset({READ, READ_ALL, CATALOG, "audit.read", "settlement.run", "topup.create", "adjustment.create",
                      "voucher.grant", "discount.set", "credit_limit.set", "account.payment.set", "account.payer.set", "balance_alert.set",
                      "package_alert.set", "budget.set", "cap.set", "invoice.create", "invoice_title.create",
                      "invoice_title.delete", "invoice.request", "invoice.issue", "invoice.reject"})

GRANTS: dict[Role, frozenset[str]] = {
    Role.ADMIN: ACTIONS,
    Role.FINANCE: _FINANCE,
    Role.SUPPORT: frozenset({READ, READ_ALL, CATALOG}),
    Role.METERING: frozenset({"usage.send", CATALOG}),
    Role.ACCOUNT: frozenset({READ, CATALOG, "package.buy", "package.refund", "traffic_billing.switch", "usage.send",
                             "balance_alert.set", "package_alert.set", "auto_rebuy.set", "auto_rebuy.delete", "budget.set", "cap.set",
                             "invoice_title.create", "invoice_title.delete", "invoice.request", "account.token.rotate", "webhook.create", "webhook.delete",
                             "webhook.resend", "messages.mark_read"}),
}
"""What each role may do. A customer's grants hold on its own account only."""


def may(role: Role, action: str) -> bool:
    """Whether ``role`` may do ``action`` (an unknown action is nobody's)."""
    if action not in ACTIONS:
        raise KeyError(f"unknown action {action!r}")
    return action in GRANTS[role]


def is_operator(role: Role) -> bool:
    return role is not Role.ACCOUNT
