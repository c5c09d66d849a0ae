"""Money and units: exact decimals, base-1000 traffic units, line rounding (R8, R13)."""

from __future__ import annotations

import re
import unicodedata
from decimal import ROUND_HALF_UP, Context, Decimal
from fractions import Fraction

CENT = Decimal("0.01")
ZERO = Decimal("0.00")

BYTES_PER_GB = 10**9
"""Traffic is billed in base 1000: 1 GB = 10^9 bytes, 1 TB = 1000 GB."""

BPS_PER_MBPS = 10**6
WINDOW_SECONDS = 300
"""R8: a day has 288 five-minute windows."""
WINDOWS_PER_DAY = 288

_WIDE = Context(prec=60)


def round_line(amount: Decimal | Fraction) -> Decimal:
    """Round a bill line to 0.01 CNY, half up (R13). Takes an exact Decimal or Fraction."""
    if amount.__class__ is Decimal:
        return amount.quantize(CENT, rounding=ROUND_HALF_UP, context=_WIDE)
    if isinstance(amount, Fraction):
        cents = abs(amount) * 100
        whole = int(cents + Fraction(1, 2))  # half up, away from zero
        return (Decimal(whole if amount >= 0 else -whole) / 100).quantize(CENT)
    return amount.quantize(CENT, rounding=ROUND_HALF_UP, context=_WIDE)


def to_fen(amount: Decimal) -> int:
    """An amount already rounded to 0.01 CNY, as whole fen (for storage)."""
    fen = amount.scaleb(2)
    whole = int(fen)
    if whole != fen:
        raise ValueError(f"{amount} has more than two decimal places")
    return whole


def from_fen(fen: int) -> Decimal:
    return (Decimal(fen) / 100).quantize(CENT)


def window_mbps(window_bytes: int) -> Fraction:
    """R8: the exact bandwidth of one 5-minute window in Mbps: bytes x 8 / 300 s / 10^6.

    The product's example: 30 MB in one window is 0.8 Mbps. Nothing is rounded here.
    """
    return Fraction(window_bytes * 8, WINDOW_SECONDS * BPS_PER_MBPS)


def window_bytes_to_bps(window_bytes: int) -> int:
    """The peak as a bill line shows it: whole bit/s (= Mbps to 6 decimals), rounded half up."""
    numerator = window_bytes * 8
    bps, rest = divmod(numerator, WINDOW_SECONDS)
    if rest * 2 >= WINDOW_SECONDS:
        bps += 1
    return bps


def bps_to_mbps(bps: int) -> Decimal:
    """Whole bit/s as Mbps with six decimals (exact)."""
    return (Decimal(bps) / BPS_PER_MBPS).quantize(Decimal("0.000001"))


_PLAIN = re.compile(r"[+-]?[0-9]{1,30}(?:\.[0-9]{1,30})?", re.ASCII)


_GROUPED = re.compile(r"[+-]?\d{1,3}(,\d{3})+(\.\d+)?")


def parse_typed(text: str) -> Decimal:
    """An amount a person typed into a form or a command line: what ``parse_decimal`` reads, and
    also thousands separators where they belong ("1,000", "12,345.50"), full-width digits and
    punctuation ("１０００．５", "1，000") and a trailing 元 or CNY. A comma anywhere else is refused,
    so that "1,00" is not read as 100."""
    value = unicodedata.normalize("NFKC", text).strip().removesuffix("元").removesuffix("CNY").strip()
    if _GROUPED.fullmatch(value):
        value = value.replace(",", "")
    return parse_decimal(value)


def parse_decimal(text: object) -> Decimal:
    """A decimal from a string, int or Decimal; never from a float. A string is a plain decimal:
    ASCII digits with an optional sign and decimal point ("-20.00"); no exponent ("1e2"), no
    digit separators ("1_000", "1,000") and no other scripts' digits ("５")."""
    if isinstance(text, bool) or isinstance(text, float):
        raise ValueError("money must be written as a decimal string, not a float")
    if isinstance(text, Decimal):
        value = text
    elif isinstance(text, int):
        value = Decimal(text)
    elif isinstance(text, str):
        if not _PLAIN.fullmatch(text.strip()):
            raise ValueError(f"{text[:40]!r} is not a plain decimal number (write it like 120.50)")
        value = Decimal(text.strip())
    else:
        raise ValueError(f"{text!r} is not a decimal number")
    if not value.is_finite():
        raise ValueError(f"{text!r} is not a finite decimal number")
    return value
