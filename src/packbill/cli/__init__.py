"""The command line: ``packbill --help``."""

from .app import app


def main() -> None:
    app()


__all__ = ["app", "main"]
