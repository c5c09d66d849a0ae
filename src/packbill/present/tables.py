"""Rich tables for the terminal (the CLI and the demo): numbers right-aligned, money with
thousands separators, quantities with their units."""

from __future__ import annotations

from decimal import Decimal

from rich.table import Table

from ..domain.catalog import Catalog
from . import money, package_name, quantity, rough_quantity, service_name

STATUS_COLOUR = {"active": "green", "frozen": "cyan", "exhausted": "red", "expired": "grey50", "refunded": "yellow"}


def packages_table(views, catalog: Catalog, title: str = "", forecasts=None) -> Table:
    """Packages in draw order, each by its id and its name; with ``forecasts`` (R29, by package
    id) a column saying when each runs out or what it forfeits at the last 30 days' rate."""
    table = Table(title=title or None)
    columns = ["package", "name", "remaining", "", "status", "first day", "last day"] + (["at the last 30 days' rate"] if forecasts else [])
    for col in columns:  # an id is what people copy into the next command: never cut short
        table.add_column(col, justify="right" if col == "remaining" else "left", no_wrap=col == "package", min_width=24 if col == "package" else None)
    for v in views:
        p = v.package
        share = v.remaining / p.size if p.size else 0
        bar = "█" * round(share * 10) + "░" * (10 - round(share * 10))
        colour = STATUS_COLOUR[v.status.value]
        row = [p.id, package_name(catalog, p.sku), f"{quantity(p.service, v.remaining)} / {quantity(p.service, p.size)}",
               f"[{colour}]{bar}[/{colour}] {share:5.1%}", f"[{colour}]{v.status.value}[/{colour}]", str(p.first_day), str(p.last_day)]
        if forecasts:
            f = forecasts.get(p.id)
            row.append("" if f is None else (f"[yellow]forfeits about {rough_quantity(p.service, f.forfeit_quantity)} "
                                             f"({money(f.forfeit_value)} CNY)[/yellow]" if f.forfeits else f"runs out {f.runs_out_on}"))
        table.add_row(*row)
    return table


def bill_table(lines, catalog: Catalog, title: str) -> Table:
    table = Table(title=title)
    for col in ("day", "service", "quantity", "drawn from packages", "pay-as-you-go", "amount (CNY)", ""):
        table.add_column(col, justify="right" if col in ("quantity", "pay-as-you-go", "amount (CNY)") else "left")
    for ln in lines:
        drawn = "\n".join(f"{d.package_id}: {quantity(ln.service, d.quantity)}" for d in ln.drawn)
        table.add_row(str(ln.day), service_name(catalog, ln.service), quantity(ln.service, ln.quantity), drawn, quantity(ln.service, ln.payg_quantity),
                      money(ln.amount), "supplement" if ln.supplement else "")
    table.add_section()
    table.add_row("", "total", "", "", "", f"[bold]{money(sum((ln.amount for ln in lines), Decimal(0)))}[/bold]", "")
    return table
