"""The ``packbill`` command line (Typer + Rich): every command group in one tree. It calls the
same services as the HTTP API; each group is a module of its own (``cli/<group>.py``)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from .. import services
from . import accounts, advice, bills, books, catalog, operators, packages, service, settlement, stream, usage, wallet

MODULES = (service, catalog, accounts, packages, usage, settlement, bills, wallet, books, advice, operators, stream)
"""Every module of commands, in the order ``--help`` lists their groups."""


def _version(value: bool) -> None:
    if value:
        from importlib.metadata import PackageNotFoundError, version

        try:
            print(f"packbill {version('packbill')}")
        except PackageNotFoundError:  # run from a source tree that was never installed
            print("packbill (not installed)")
        raise typer.Exit()


def build() -> typer.Typer:
    """The command tree: the top-level commands and the groups of every module."""
    app = typer.Typer(help="packbill: billing of prepaid resource packages for a video-AI cloud.", no_args_is_help=True)

    @app.callback()
    def _options(
        show_version: Annotated[bool, typer.Option("--version", help="print packbill's version and exit", is_eager=True,
                                                   callback=_version)] = False,
    ) -> None:
        pass

    for module in MODULES:
        top = getattr(module, "app", None)
        if top is not None:
            app.add_typer(top)
        for name, group in module.GROUPS.items():
            app.add_typer(group, name=name)
    return app


app = build()


def run() -> None:
    """Run the command line; a database that fails mid-command is one sentence, never a traceback."""
    try:
        app()
    except services.Unavailable as exc:
        Console(stderr=True).print(f"[red]error:[/red] {escape(exc.message)}; nothing was changed, try again", soft_wrap=True)
        raise SystemExit(1) from None
