"""The command line: ``packbill --help``."""

from .app import app, run
from . import books  # noqa: F401,E402 - registers statements, invoices, revenue and audit

__all__ = ["app", "run"]
