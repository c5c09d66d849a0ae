"""The command line: ``packbill --help``."""

from .app import app, run

__all__ = ["app", "run"]
