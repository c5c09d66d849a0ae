"""The ``packbill demo`` command, added to the command line by ``packbill.entry``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console


def demo(
    db: Annotated[str, typer.Option("--db", help="The demo's own database (a SQLite file is started afresh).")] = "sqlite:///packbill-demo.db",
    seed: Annotated[int, typer.Option(help="Random seed: the same seed gives the same month.")] = 7,
    report: Annotated[Path, typer.Option(help="Where to write the HTML report.")] = Path("packbill-demo-report.html"),
    fresh: Annotated[bool, typer.Option(help="Start from an empty database file.")] = True,
    lang: Annotated[str, typer.Option(help="The report's language: zh (Chinese) or en (English).")] = "zh",
) -> None:
    """Simulate a month of a real-looking customer, settle every day, print and chart the result."""
    import shutil
    import sys

    from . import run_demo

    if lang not in ("zh", "en"):
        Console(stderr=True).print(f"[red]error:[/red] --lang is zh or en, not {lang!r}")
        raise typer.Exit(1)
    wide = None if sys.stdout.isatty() or shutil.get_terminal_size((0, 0)).columns else 160  # COLUMNS honoured
    run_demo(db, seed, report, fresh, Console(width=wide), Console(stderr=True, width=wide), lang)
