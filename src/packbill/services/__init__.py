"""Use cases, one per module; the API, the CLI and the console call these and nothing deeper."""

from .accounts import account_view, account_views, authenticate, create_account, list_accounts, switch_traffic_billing
from .context import Context
from .purchases import buy, refund
from .reads import bills, list_packages, reminders
from .settlement import settle
from .imports import import_file
from .usage import daily_peaks, daily_usage, ingest

__all__ = [
    "Context",
    "account_view",
    "account_views",
    "authenticate",
    "bills",
    "buy",
    "create_account",
    "daily_peaks",
    "daily_usage",
    "import_file",
    "ingest",
    "list_accounts",
    "list_packages",
    "refund",
    "reminders",
    "settle",
    "switch_traffic_billing",
]
