"""The command line: ``packbill --help``. ``cli/main.py`` puts the groups together; each group
is a module of its own, and what they share is ``cli/common.py``."""

from .main import app, run

__all__ = ["app", "run"]
