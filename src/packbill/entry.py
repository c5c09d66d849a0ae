"""The ``packbill`` command: the command line with every command, the demo's included.

A composition root, like ``server``: the CLI and the demo are edges side by side, and this is
where they meet."""

from __future__ import annotations

import typer

from .cli import app
from .demo.command import demo

_demo = typer.Typer()
_demo.command(rich_help_panel="Operations")(demo)
app.add_typer(_demo)  # after the others: --help lists the customers' commands first, the operations last


def main() -> None:
    from .cli import run

    run()


__all__ = ["app", "main"]
