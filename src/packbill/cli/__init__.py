"""The command line: ``packbill --help``."""

from .app import app, run
from . import advice, books  # noqa: F401,E402 - register advise; statements, invoices, revenue and audit

__all__ = ["app", "run"]
