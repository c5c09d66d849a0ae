"""The ``packbill`` command: the command line with every command, the demo's included.

A composition root, like ``server``: the CLI and the demo are edges side by side, and this is
where they meet."""

from __future__ import annotations

from .cli import app
from .demo.command import demo

app.command()(demo)


def main() -> None:
    from .cli import run

    run()


__all__ = ["app", "main"]
