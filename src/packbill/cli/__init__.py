"""The command line: ``packbill --help``."""

from .app import app, run
from . import advice, books, operators  # noqa: F401,E402 - register advise; statements, invoices, revenue, audit; keys, trail

__all__ = ["app", "run"]
