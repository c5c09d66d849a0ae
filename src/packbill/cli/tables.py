"""Rich tables shared by the CLI commands and the demo."""

from __future__ import annotations

from rich.table import Table

from ..domain.money import format_quantity

STATUS_COLOUR = {"active": "green", "frozen": "cyan", "exhausted": "red", "expired": "grey50", "refunded": "yellow"}


def packages_table(views, title: str = "") -> Table:
    table = Table(title=title or None)
    for col in ("package", "sku", "remaining", "", "status", "first day", "last day"):
        table.add_column(col)
    for v in views:
        p = v.package
        share = v.remaining / p.size if p.size else 0
        bar = "█" * round(share * 10) + "░" * (10 - round(share * 10))
        colour = STATUS_COLOUR[v.status.value]
        table.add_row(p.id, p.sku, f"{format_quantity(p.service, v.remaining)} / {format_quantity(p.service, p.size)}",
                      f"[{colour}]{bar}[/{colour}] {share:5.1%}", f"[{colour}]{v.status.value}[/{colour}]",
                      str(p.first_day), str(p.last_day))
    return table
