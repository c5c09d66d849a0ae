"""The ``packbill`` command line (Typer + Rich): every command group in one tree. It calls the
same services as the HTTP API; each group is a module of its own (``cli/<group>.py``)."""

from __future__ import annotations

import inspect
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from .. import services
from . import accounts, advice, bills, books, catalog, controls, invoicing, operators, packages, remote, service, settlement, stream, usage, wallet, webhooks

MODULES = (catalog, accounts, packages, controls, bills, advice, wallet, books, invoicing, service, settlement, usage, stream, webhooks, operators,
           remote)
"""Every module of commands, in the order ``--help`` lists their groups."""

PANELS = {
    "Customers and their packages": ("catalog", "accounts", "packages", "package-alert", "auto-rebuy", "bills", "reminders", "advise"),
    "Money": ("wallet", "vouchers", "discount", "credit-limit", "balance-alert", "budget"),
    "Books and finance": ("statements", "invoices", "revenue", "close", "audit"),
    "Operations": ("demo", "init", "serve", "settle", "worker", "usage", "consume", "dispatch", "webhooks", "keys", "trail",
                   "backup", "restore", "citus", "openapi", "login", "logout"),
}
"""``--help`` groups the commands by who uses them: the customers' side, the money, the books, the running of it."""


def panel(name: str) -> str:
    """The ``--help`` panel a command or group is listed in."""
    return next(title for title, names in PANELS.items() if name in names)


def tidy(text: str | None) -> str | None:
    """A help text's paragraphs as one line each (the command list would show a docstring's line breaks)."""
    if not text:
        return text
    return "\n\n".join(" ".join(line.strip() for line in part.strip().splitlines()) for part in inspect.cleandoc(text).split("\n\n"))


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
    app = typer.Typer(help="The packbill command: billing of prepaid resource packages for a video-AI cloud.", no_args_is_help=True)

    @app.callback()
    def _options(
        show_version: Annotated[bool, typer.Option("--version", help="Print packbill's version and exit.", is_eager=True,
                                                   callback=_version)] = False,
    ) -> None:
        pass

    for module in MODULES:
        top = getattr(module, "app", None)
        if top is not None:
            for command in top.registered_commands:
                name = command.name or command.callback.__name__.replace("_", "-")
                command.rich_help_panel = panel(name)
                command.help = tidy(command.help or command.callback.__doc__)
            app.add_typer(top)
        for name, group in module.GROUPS.items():
            for command in group.registered_commands:
                command.help = tidy(command.help or command.callback.__doc__)
            app.add_typer(group, name=name, rich_help_panel=panel(name))
    return app


app = build()


def run() -> None:
    """Run the command line; a database that fails mid-command is one sentence, never a traceback."""
    try:
        app()
    except services.Unavailable as exc:
        Console(stderr=True).print(f"[red]error:[/red] {escape(exc.message)}; nothing was changed, try again", soft_wrap=True)
        raise SystemExit(1) from None
