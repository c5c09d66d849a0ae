"""What every command shares: its options, the services' context, errors, output and progress.

Nothing here is kept between invocations: the consoles are made when a command prints (so that
COLUMNS and the terminal of this run count), the context when a command opens it.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sys
import uuid
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import ProgressColumn
from rich.text import Text

from .. import services
from ..domain.catalog import CatalogError, UnknownSku
from ..domain.days import check_supported
from ..domain.errors import BillingError, InvalidRequest
from ..domain.money import parse_typed
from ..domain.usage import parse_moment
from ..present import LANGS
from ..services import operators
from ..settings import Settings


def _width() -> int | None:
    """A terminal's own width; 160 columns when the output is not a terminal and COLUMNS is unset."""
    return None if sys.stdout.isatty() or shutil.get_terminal_size((0, 0)).columns else 160


def out() -> Console:
    """Standard output, for this run."""
    return Console(width=_width())


def err() -> Console:
    """Standard error, for this run."""
    return Console(stderr=True, width=_width())


DbOpt = Annotated[str | None, typer.Option(
    "--db", help="The database: sqlite:///file.db or postgresql://user@host:port/db. \\[default: $PACKBILL_DB, else sqlite:///packbill.db]")]
CatalogOpt = Annotated[Path | None, typer.Option(
    "--catalog", help="A catalog TOML file. \\[default: $PACKBILL_CATALOG, else the shipped catalog]")]
AsOfOpt = Annotated[str | None, typer.Option("--as-of", help="A moment, ISO 8601 with an offset, e.g. 2026-11-26T12:00:00+08:00.")]


def load_settings(**given) -> Settings:
    try:
        return Settings.load(**given)
    except ValueError as exc:
        fail(f"bad configuration: {exc}")


def open_ctx(db: str | None, catalog: Path | None = None, create: bool = False, read_db: str | None = None) -> services.Context:
    """Services on --db (else $PACKBILL_DB) with the catalog of --catalog (else $PACKBILL_CATALOG).
    A SQLite file that does not exist is created only when ``create`` (serve, init): any other
    command says it is not there, rather than working on a new empty database by mistake."""
    settings = load_settings(db=db, catalog=str(catalog) if catalog else None, read_db=read_db)
    path = services.sqlite_file(settings.db)
    if path is not None and not create and not os.path.exists(path):
        fail(f"there is no database at {path}: check --db (or $PACKBILL_DB), or create it with "
              f"`packbill init --db {settings.db}` (`packbill serve` creates it too)")
    try:
        from ..server import context

        return context(settings)
    except (CatalogError, OSError) as exc:
        fail(str(exc))
    except services.BadReplicaUrl as exc:
        fail(str(exc))
    except services.BadDatabaseUrl as exc:
        fail(f"{exc}; write sqlite:///path/to/file.db or postgresql://user@host:5432/dbname")
    except services.Unavailable as exc:
        fail(f"{exc.message}; check --db and that the database server is running")


def fail(message: str, code: int = 1):
    err().print(f"[red]error:[/red] {escape(message)}", soft_wrap=True)
    raise typer.Exit(code)


def _checked_lang(value: str) -> str:
    if value not in LANGS:
        fail(f"--lang is zh or en, not {value!r}")
    return value


def lang_option(help: str) -> typer.models.OptionInfo:
    """``--lang``: zh or en, refused before the command runs when it is neither (every command
    that writes for people takes it)."""
    return typer.Option(help=help, callback=_checked_lang)


def moment(value: str | None, name: str) -> datetime | None:
    try:
        return parse_moment(value)
    except ValueError as exc:
        fail(f"--{name} {exc}")


def parse_day(value: str, name: str) -> date:
    try:
        found = date.fromisoformat(value)
    except ValueError:
        fail(f"--{name} must be a day written YYYY-MM-DD")
    try:
        return check_supported(found)
    except ValueError as exc:
        fail(f"--{name} {exc}")


class Count(ProgressColumn):
    """``done/total`` with thousands separators; ``?`` for a total not known yet (a TextColumn
    that formats a None total fails in the bar's refresh thread)."""

    def render(self, task) -> Text:
        total = f"{task.total:,.0f}" if task.total is not None else "?"
        return Text(f"{task.completed:,.0f}/{total}")


class Errors:
    """Turn the rules' refusals into a clear message and exit code 1. Given a context and an
    action, the change is recorded in the audit trail (R24) as done by the operating-system
    user, accepted or refused (``operators.recorded``: a change commits with its record)."""

    def __init__(self, ctx: services.Context | None = None, action: str | None = None, account_id: str | None = None,
                 target: str | None = None, **parameters) -> None:
        self._recorded = None
        if action is not None and ctx is not None:
            self._recorded = operators.recorded(ctx, services.Principal.os_user(), "cli", action,
                                                target=target or account_id, account_id=account_id, parameters=parameters)
        self.found: dict = {}

    def __enter__(self):
        if self._recorded is not None:
            self.found = self._recorded.__enter__()
        return self.found

    def __exit__(self, kind, exc, tb):
        if self._recorded is not None:
            # an exit with status 0 is a success; any other, the command line's own refusal
            seen = None if isinstance(exc, typer.Exit) and not exc.exit_code else (
                InvalidRequest("refused by the command line") if isinstance(exc, typer.Exit) else exc)
            try:
                self._recorded.__exit__(type(seen) if seen else None, seen, tb if seen is exc else None)
            except services.Unavailable:
                err().print("[yellow]warning:[/yellow] the audit trail could not be written", soft_wrap=True)
        if isinstance(exc, (BillingError, UnknownSku)):
            fail(getattr(exc, "message", str(exc)))
        if isinstance(exc, services.Unavailable):
            fail(f"{exc.message}; nothing was changed, try again")
        return False




def parse_amount(value: str, name: str) -> Decimal:
    try:
        return parse_typed(value)
    except ValueError as exc:
        fail(f"{name}: {exc}")


def run_key(account_id: str, *parts) -> services.IdempotencyKey:
    """One Idempotency-Key per command run, as the API's clients send one per request."""
    return services.IdempotencyKey(account_id, f"cli-{uuid.uuid4().hex}", hashlib.sha256("|".join(map(str, parts)).encode()).hexdigest())


