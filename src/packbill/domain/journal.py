"""The journal (R15, R21): every movement of money as an entry whose postings sum to zero.

Ledger accounts, from the operator's side (a posting's amount is the change of that ledger
account's balance; a customer's cash balance is the sum of the postings to its cash account):

- ``cash:<account>``               the customer's prepaid cash balance (owed to the customer)
- ``voucher:<voucher>``            what a voucher still holds
- ``deferred:<package>``           a package paid for and not yet used up (deferred revenue)
- ``payg:<service>``               pay-as-you-go charged (recognised when its day is settled)
- ``payments``                     money received from the outside world (top-ups)
- ``adjustments``                  the operator's corrections
- ``vouchers_granted``             what vouchers were granted from (the operator's expense)
- ``breakage``                     forfeited voucher remainders

Top-up of 100: cash +100, payments −100. A purchase of 50 paid 20 by voucher v and 30 from cash:
voucher:v −20, cash −30, deferred:p +50. A pay-as-you-go line of 5: cash −5, payg:ai.face +5.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import NamedTuple

from .wallet import Payment


class Posting(NamedTuple):
    """A change of one ledger account's balance; an entry's postings sum to zero."""

    ledger_account: str
    amount: Decimal


@dataclass(frozen=True, slots=True)
class Entry:
    """One business event: its kind, a reference (the order, line, top-up ... it records) and
    postings that sum to zero."""

    kind: str
    ref: str
    postings: tuple[Posting, ...]
    day: date | None = None
    """The day it counts on in the books when that is not the day it was made: the usage day a
    settlement's revenue serves, a package's or voucher's last day for breakage (R21)."""
    member: str | None = None
    """R32: the member account whose charge (or refund) this entry records, when the entry is in
    its payer's books because the payer's wallet paid it; None: the books' own account's."""

    def __post_init__(self) -> None:
        if sum((p.amount for p in self.postings), Decimal(0)) != 0:
            raise ValueError(f"an entry's postings must sum to zero: {self}")


# -- the chart of accounts: every ledger account's name is made here, and matched by these prefixes

CASH = "cash:"
VOUCHER = "voucher:"
DEFERRED = "deferred:"
PAYG = "payg:"
REVENUE = "revenue:"
BREAKAGE = "breakage"
"""Forfeited remainders: ``breakage:<service>`` for a package's, ``breakage`` alone for a voucher's."""


def cash(account_id: str) -> str:
    return CASH + account_id


def voucher(voucher_id: str) -> str:
    return VOUCHER + voucher_id


def deferred(package_id: str) -> str:
    return DEFERRED + package_id


def payg_account(service: str) -> str:
    return PAYG + service


def revenue(service: str) -> str:
    return REVENUE + service


def breakage(service: str | None = None) -> str:
    return f"{BREAKAGE}:{service}" if service else BREAKAGE


def _paid(account_id: str, payment: Payment, sign: int = -1) -> list[Posting]:
    """The postings that take a payment out of cash and vouchers (sign -1), or put it back (+1)."""
    out = [Posting(voucher(vid), sign * a) for vid, a in payment.vouchers if a]
    if payment.cash:
        out.append(Posting(cash(account_id), sign * payment.cash))
    return out


def _entry(kind: str, ref: str, postings: Sequence[Posting], member: str | None = None) -> Entry:
    return Entry(kind, ref, tuple(p for p in postings if p.amount != 0), member=member)


def topup(account_id: str, ref: str, amount: Decimal) -> Entry:
    return _entry("topup", ref, [Posting(cash(account_id), amount), Posting("payments", -amount)])


def adjustment(account_id: str, ref: str, amount: Decimal) -> Entry:
    return _entry("adjustment", ref, [Posting(cash(account_id), amount), Posting("adjustments", -amount)])


def voucher_grant(voucher_id: str, amount: Decimal) -> Entry:
    return _entry("voucher", voucher_id, [Posting(voucher(voucher_id), amount), Posting("vouchers_granted", -amount)])


def purchase(account_id: str, order_id: str, payments: Sequence[tuple[str, Payment]], member: str | None = None) -> Entry:
    """A purchase: per package, its share of the payment into its deferred revenue; ``account_id``
    is the wallet that paid (``member``: the buyer, when its payer paid, R32)."""
    postings: list[Posting] = []
    for package_id, payment in payments:
        postings += _paid(account_id, payment)
        postings.append(Posting(deferred(package_id), payment.total))
    return _entry("purchase", order_id, postings, member)


def refund(account_id: str, package_id: str, paid_back: Payment, forfeited: Decimal, member: str | None = None) -> Entry:
    """A refund reverses the package's deferral: back to cash and vouchers, the expired part to
    breakage; ``account_id`` is the wallet that had paid (``member``: the package's account, R32)."""
    postings = _paid(account_id, paid_back, +1)
    postings.append(Posting(deferred(package_id), -(paid_back.total + forfeited)))
    if forfeited:
        postings.append(Posting("breakage", forfeited))
    return _entry("refund", package_id, postings, member)


def payg(account_id: str, ref: str, charges: Sequence[tuple[str, Payment]]) -> Entry:
    """The pay-as-you-go lines (supplements included) of one account settled in one run, charged
    line by line (vouchers first, then cash): one posting per service charged, per voucher used
    and for cash."""
    by_account: dict[str, Decimal] = {}
    cash_out = Decimal(0)
    for service, payment in charges:
        for voucher_id, part in payment.vouchers:
            key = voucher(voucher_id)
            by_account[key] = by_account.get(key, Decimal(0)) - part
        cash_out += payment.cash
        key = payg_account(service)
        by_account[key] = by_account.get(key, Decimal(0)) + payment.cash + payment.voucher_total
    by_account[cash(account_id)] = -cash_out
    return Entry("payg", ref, tuple(Posting(a, x) for a, x in by_account.items() if x))
