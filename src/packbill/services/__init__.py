"""Use cases, one per module; the API, the CLI, the console and the demo call these and nothing deeper."""

from ..storage.db import DEFAULT_URL, BadDatabaseUrl, Unavailable
from .accounts import (
    AccountView,
    Principal,
    account_view,
    account_views,
    authenticate,
    create_account,
    list_accounts,
    switch_traffic_billing,
)
from .context import Context
from .imports import BadRow, ImportFileError, ImportResult, import_file
from .purchases import Purchase, buy, refund
from .reads import bills, list_packages, reminders
from .settlement import RunView, SettlementResult, runs, settle
from .usage import IngestResult, daily_peaks, daily_usage, ingest

__all__ = [
    "DEFAULT_URL",
    "AccountView",
    "BadDatabaseUrl",
    "BadRow",
    "Context",
    "ImportFileError",
    "ImportResult",
    "IngestResult",
    "Principal",
    "Purchase",
    "RunView",
    "SettlementResult",
    "Unavailable",
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
    "runs",
    "settle",
    "switch_traffic_billing",
]
