"""The command line: ``packbill --help``."""

from .app import app, run
from . import advice, books, operators, stream  # noqa: F401,E402 - register advise; statements, invoices, revenue, audit; keys, trail; consume

__all__ = ["app", "run"]
