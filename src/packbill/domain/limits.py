"""Every limit on what the outside world may send, defined once (the API, the CLI, the console
and the importer all refuse by these)."""

from __future__ import annotations

import re
from datetime import timedelta

MAX_QUANTITY = 10**15
"""One usage event: 1 to 10^15 calls or bytes."""
MAX_DAY_TOTAL = 10**17
"""An account's total of traffic (bytes) on one day, mainland and other regions together: 100 PB,
far beyond any real account. Usage that would take a day past its limit is refused at intake
(reason ``day_total_too_large``)."""
MAX_DAY_CALLS = 10**12
"""An account's total of one AI service's calls on one day (11.5 million calls a second, all day)."""
MAX_DAY_CHARGE_FEN = 10**13
"""What one service's largest day may cost at list price, in fen (100 billion yuan). The catalog
refuses a price that would let a day cost more, so that with the day limits every sum the books
keep fits a 64-bit integer: an account's every service at its limit every day for a century is
5 * 10^17 fen, a twentieth of what a 64-bit column holds (per day, month, account, purse and
ledger account alike)."""


def day_limit(service: str) -> int:
    """The largest day total of a usage service: bytes for traffic, calls for the AI services."""
    return MAX_DAY_TOTAL if service.startswith("traffic.") else MAX_DAY_CALLS
MAX_EVENT_ID = 128
MAX_EVENTS_PER_BATCH = 10_000
MAX_AHEAD = timedelta(minutes=5)
"""R14: an event stamped more than 5 minutes ahead of the server's clock is invalid."""
MAX_COUNT = 100
"""Packages in one purchase."""
MAX_NAME = 200
"""Characters of an account name."""
MAX_BODY = 32 * 1024 * 1024
"""Bytes of one request's body, however it is framed (Content-Length or chunked)."""
BODY_TOO_LARGE = "packbill.body_too_large"
"""The mark an HTTP request's scope carries when its body passed MAX_BODY (and was cut there)."""
MAX_ENDPOINTS = 10
"""Webhook endpoints an account may have (the operator's own are not counted)."""
MAX_TOKEN = 512
"""Characters of a bearer token (anything longer is refused unread)."""


_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def unstorable(text: str) -> bool:
    """Text no column can hold: a NUL (PostgreSQL refuses it) or a lone UTF-16 surrogate (not
    UTF-8 at all), as JSON's ``\\u0000`` and ``\\ud83d`` escapes can carry."""
    return _UNSTORABLE.search(text) is not None


def storable(text: str) -> str:
    """``text`` with each character no column can hold replaced by U+FFFD."""
    if not unstorable(text):
        return text
    return _UNSTORABLE.sub("\ufffd", text)


def first_unstorable(value: object, where: str = "body") -> str | None:
    """Where in a decoded JSON value the first unstorable text is (keys included), or None."""
    if isinstance(value, str):
        return where if unstorable(value) else None
    if isinstance(value, dict):
        for key, item in value.items():
            if unstorable(str(key)):
                return f"{where} (a field name)"
            found = first_unstorable(item, f"{where}.{key}")
            if found:
                return found
    elif isinstance(value, list):
        for n, item in enumerate(value):
            found = first_unstorable(item, f"{where}[{n}]")
            if found:
                return found
    return None
