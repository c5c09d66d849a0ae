"""``packbill catalog``: the packages and pay-as-you-go prices."""

from __future__ import annotations

import json
import sys
from typing import Annotated

import typer
from rich.table import Table

from .. import present
from ..domain.catalog import CatalogError, load_catalog
from .common import CatalogOpt, fail, load_settings, out

catalog_app = typer.Typer(help="The catalog of packages and pay-as-you-go prices.", no_args_is_help=True)
GROUPS = {"catalog": catalog_app}


@catalog_app.command("show")
def catalog_show(catalog: CatalogOpt = None, format: Annotated[str, typer.Option(help="The output: table or json.")] = "table") -> None:
    """Show the packages on sale and the pay-as-you-go prices."""
    settings = load_settings(catalog=str(catalog) if catalog else None)
    try:
        cat = load_catalog(settings.catalog)
    except (CatalogError, OSError) as exc:
        fail(str(exc))
    if format == "json":
        sys.stdout.write(json.dumps(present.catalog_json(cat), ensure_ascii=False, indent=2) + "\n")
        return
    if format != "table":
        fail("--format is table or json")
    table = Table(title="Resource packages")
    for col in ("SKU", "service", "size", "price (CNY)", "validity"):
        table.add_column(col, justify="right" if col in ("size", "price (CNY)") else "left")
    for p in cat.packages.values():
        table.add_row(p.sku, present.service_name(cat, p.service), present.quantity(p.service, p.size), present.money(p.price),
                      present.validity(p.validity))
    out().print(table)
    payg = Table(title="Pay-as-you-go")
    for col in ("service", "name", "price (CNY)", "per"):
        payg.add_column(col, justify="right" if col == "price (CNY)" else "left")
    for s in cat.services.values():
        price = str(s.flat_price) if s.flat_price is not None else "; ".join(
            f"{'≥' + format(prev, ',') + ': ' if prev else ''}{t.price}" for prev, t in zip([0] + [x.up_to for x in s.tiers[:-1]], s.tiers, strict=True))
        payg.add_row(s.service, f"{s.name_zh} / {s.name_en}", price, present.price_unit(cat, s.service))
    out().print(payg)

