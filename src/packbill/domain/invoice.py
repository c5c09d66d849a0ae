"""R33 invoices for China (发票): titles (抬头), the unified social credit code, the tax split, requests
and red-letter (红字) reversals. Pure.

A request asks for an invoice of a tax-inclusive amount up to what is invoiceable now (R22) less
what other requests still pending ask for; the operator issues it (recording the invoice's number)
or rejects it. A refund that leaves what was invoiced above what the account's payments allow
raises a red-letter request for the difference; issuing it records a negative invoice, which gives
the invoiceable amount back.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

from .errors import InvalidRequest
from .money import CENT

CODE_CHARACTERS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
"""GB 32100-2015: the 31 characters of a unified social credit code (no I, O, S, V, Z)."""
WEIGHTS = tuple(pow(3, i, 31) for i in range(17))
"""GB 32100-2015: the weight of each of the first 17 characters (3 to the power of its place, mod 31)."""

DEFAULT_RATE = Decimal("0.06")
"""R33: the operator's VAT rate on information technology services until it sets another."""

ITEM_NAME = "*信息技术服务*云服务费"
"""The goods-and-services name of an invoice line (its tax classification's short name between asterisks)."""

ELECTRONIC_NUMBER = re.compile(r"[0-9]{20}")
"""An all-electronic invoice's number (全电发票): 20 digits."""


def check_character(first17: str) -> str:
    """The 18th character of a unified social credit code whose first 17 are ``first17``."""
    total = sum(CODE_CHARACTERS.index(c) * w for c, w in zip(first17, WEIGHTS, strict=True))
    return CODE_CHARACTERS[(31 - total % 31) % 31]


def check_tax_id(text: object) -> str:
    """A unified social credit code as the customer typed it (full-width characters, spaces and
    lower case forgiven), or ``InvalidRequest`` saying what is wrong with it."""
    if not isinstance(text, str):
        raise InvalidRequest("'tax_id' is the unified social credit code, 18 characters")
    code = unicodedata.normalize("NFKC", text).replace(" ", "").upper()
    if len(code) != 18:
        raise InvalidRequest(f"the unified social credit code has 18 characters, not {len(code)}")
    wrong = sorted({c for c in code if c not in CODE_CHARACTERS})
    if wrong:
        raise InvalidRequest(f"the unified social credit code cannot contain {', '.join(wrong)} "
                             "(it uses the digits and the letters other than I, O, S, V and Z)")
    expected = check_character(code[:17])
    if code[17] != expected:
        raise InvalidRequest(f"the unified social credit code's check character is wrong: {code[:17]} ends in {expected}, not {code[17]} "
                             "(a character was mistyped)")
    return code


@dataclass(frozen=True, slots=True)
class Split:
    """A tax-inclusive amount as an invoice line carries it."""

    amount: Decimal
    net: Decimal
    tax: Decimal


def split_tax(amount: Decimal, rate: Decimal) -> Split:
    """R33: net = the amount ÷ (1 + rate), rounded half up to the fen; tax = the amount − net (so the
    two always add up to the amount). A negative amount (a red-letter invoice) splits as its opposite."""
    if amount < 0:
        back = split_tax(-amount, rate)
        return Split(amount, -back.net, -back.tax)
    net = (amount / (1 + rate)).quantize(CENT, ROUND_HALF_UP)
    return Split(amount, net, amount - net)


class TitleType(StrEnum):
    NORMAL = "normal"
    """普通发票: the name and the code."""
    SPECIAL = "special"
    """增值税专用发票: also the address, telephone, bank and account."""


@dataclass(frozen=True, slots=True)
class Title:
    """An invoice title (抬头)."""

    type: TitleType
    name: str
    tax_id: str
    address: str = ""
    phone: str = ""
    bank: str = ""
    bank_account: str = ""


LIMITS = {"name": 100, "address": 200, "phone": 40, "bank": 100, "bank_account": 64}
SPECIAL_FIELDS = ("address", "phone", "bank", "bank_account")


def _text(value: object, field: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise InvalidRequest(f"'{field}' is text")
    text = unicodedata.normalize("NFKC", value).strip()
    if len(text) > LIMITS[field]:
        raise InvalidRequest(f"'{field}' is at most {LIMITS[field]} characters")
    if any(unicodedata.category(c) == "Cc" for c in text):
        raise InvalidRequest(f"'{field}' must not contain control characters")
    return text


def check_title(kind: object, name: object, tax_id: object, address: object = None, phone: object = None,
                bank: object = None, bank_account: object = None) -> Title:
    """A title as sent, or ``InvalidRequest`` naming the field that is wrong or missing."""
    try:
        title_type = TitleType(kind) if isinstance(kind, str) else None
    except ValueError:
        title_type = None
    if title_type is None:
        raise InvalidRequest("'type' is 'normal' (普通发票) or 'special' (增值税专用发票)")
    values = {f: _text(v, f) for f, v in (("name", name), ("address", address), ("phone", phone), ("bank", bank),
                                          ("bank_account", bank_account))}
    if not values["name"]:
        raise InvalidRequest("'name' is the buyer's name as registered, 1 to 100 characters")
    if title_type is TitleType.SPECIAL:
        missing = [f for f in SPECIAL_FIELDS if not values[f]]
        if missing:
            raise InvalidRequest(f"a special VAT invoice title needs {', '.join(repr(f) for f in missing)} as well")
    return Title(title_type, values["name"], check_tax_id(tax_id), values["address"], values["phone"], values["bank"],
                 values["bank_account"])


class RequestStatus(StrEnum):
    PENDING = "pending"
    ISSUED = "issued"
    REJECTED = "rejected"


def requestable(invoiceable: Decimal, pending: Decimal) -> Decimal:
    """What one more request may ask for: what is invoiceable now less what pending requests ask for."""
    return max(Decimal("0.00"), invoiceable - pending)


def red_letter_needed(invoiced: Decimal, allowed: Decimal, red_pending: Decimal) -> Decimal:
    """R33: after a refund, how much more must be reversed so that what was invoiced (less what red
    requests already pending will reverse) is no more than what R22 allows (``allowed``: invoiceable
    plus invoiced, i.e. the payments less refunds and what is owed)."""
    return max(Decimal("0.00"), invoiced - red_pending - allowed)


def check_number(text: object) -> str:
    """An all-electronic invoice's number: 20 digits (spaces forgiven)."""
    number = unicodedata.normalize("NFKC", text).replace(" ", "") if isinstance(text, str) else ""
    if not ELECTRONIC_NUMBER.fullmatch(number):
        raise InvalidRequest("an invoice number is the 20 digits of the all-electronic invoice (数电发票号码)")
    return number
