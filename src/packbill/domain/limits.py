"""Every limit on what the outside world may send, defined once (the API, the CLI, the console
and the importer all refuse by these)."""

from __future__ import annotations

from datetime import timedelta

MAX_QUANTITY = 10**15
"""One usage event: 1 to 10^15 calls or bytes."""
MAX_DAY_TOTAL = 10**17
"""An account's total of one service on one day (mainland and other regions together).

Far beyond any real account (10^17 bytes is 100 PB a day), and low enough that every sum, every
month's pay-as-you-go and every amount derived from it fits a 64-bit integer in both databases.
Usage that would take a day past it is refused at intake (reason ``day_total_too_large``)."""
MAX_EVENT_ID = 128
MAX_EVENTS_PER_BATCH = 10_000
MAX_AHEAD = timedelta(minutes=5)
"""R14: an event stamped more than 5 minutes ahead of the server's clock is invalid."""
MAX_COUNT = 100
"""Packages in one purchase."""
MAX_NAME = 200
"""Characters of an account name."""
MAX_TOKEN = 512
"""Characters of a bearer token (anything longer is refused unread)."""
