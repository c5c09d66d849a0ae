"""``packbill catalog``: the packages and pay-as-you-go prices, and their versions (R31)."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from .. import present, services
from ..domain.catalog import Catalog, CatalogError, load_catalog
from ..present.prices import change_words
from ..services import catalog as catalog_service
from .common import AsOfOpt, CatalogOpt, DbOpt, Errors, fail, load_settings, moment, open_ctx, out, parse_day

catalog_app = typer.Typer(help="The catalog of packages and pay-as-you-go prices, and its price versions (R31).", no_args_is_help=True)
GROUPS = {"catalog": catalog_app}


def _in_force(db: str | None, catalog: Path | None, as_of: str | None) -> Catalog:
    """The catalog in force (at ``--as-of``) with the database's versions; without a database
    (none given and none at the default place), the catalog file alone."""
    settings = load_settings(db=db, catalog=str(catalog) if catalog else None)
    path = services.sqlite_file(settings.db)
    if db is None and as_of is None and path is not None and not os.path.exists(path):
        try:
            return load_catalog(settings.catalog)
        except (CatalogError, OSError) as exc:
            fail(str(exc))
    ctx = open_ctx(db, catalog)
    with Errors():
        return catalog_service.as_of(ctx, moment(as_of, "as-of"))


@catalog_app.command("show")
def catalog_show(catalog: CatalogOpt = None, format: Annotated[str, typer.Option(help="The output: table or json.")] = "table",
                 as_of: AsOfOpt = None, db: DbOpt = None) -> None:
    """Show the packages on sale and the pay-as-you-go prices in force now (or --as-of a moment)."""
    cat = _in_force(db, catalog, as_of)
    if format == "json":
        sys.stdout.write(json.dumps(present.catalog_json(cat), ensure_ascii=False, indent=2) + "\n")
        return
    if format != "table":
        fail("--format is table or json")
    since = f", in force since {cat.effective_on}" if cat.effective_on else ""
    table = Table(title=f"Resource packages (price version {cat.version}{since})")
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



@catalog_app.command("versions")
def catalog_versions(db: DbOpt = None) -> None:
    """List the price versions: v1 is the catalog file; each later one with its effective day, its
    status and what it changes against the version before it."""
    ctx = open_ctx(db)
    with Errors():
        found = catalog_service.versions(ctx)
    table = Table(title="Price versions (days in Beijing time)")
    for col in ("version", "effective on", "status", "changes"):
        table.add_column(col)
    for v in found:
        changes = "; ".join(change_words(c, v.catalog, "en") for c in v.changes) or ("the catalog file" if v.id == "v1" else "none")
        table.add_row(v.id, str(v.effective_on or "the beginning"), v.status.replace("_", " "), changes)
    out().print(table)


@catalog_app.command("publish")
def catalog_publish(
    file: Annotated[Path, typer.Argument(help="Every price: JSON shaped as `packbill catalog show --format json`, or TOML as the catalog file.")],
    effective_on: Annotated[str, typer.Option("--effective-on", help="The first day (Beijing) it is in force, after today.")],
    db: DbOpt = None,
) -> None:
    """Publish a price version: purchases from its effective day are priced by it, and each day's
    pay-as-you-go from that day on. It is never edited once in force; withdraw it before."""
    ctx = open_ctx(db)
    day = parse_day(effective_on, "effective-on")
    with Errors(ctx, "catalog.publish", None, effective_on=effective_on, file=str(file)):
        prices = catalog_service.parse_file(ctx, file)
        view = catalog_service.publish(ctx, day, prices, services.Principal.os_user().actor)
    out().print(f"published price version {view.id}, in force from {view.effective_on}:")
    for c in view.changes:
        out().print(f"  {change_words(c, view.catalog, 'en')}")
    if not view.changes:
        out().print("  (no price differs from the version before it)")


@catalog_app.command("withdraw")
def catalog_withdraw(version: Annotated[str, typer.Argument(help="The version's id, e.g. v2.")], db: DbOpt = None) -> None:
    """Withdraw a price version whose effective day is still ahead."""
    ctx = open_ctx(db)
    with Errors(ctx, "catalog.withdraw", None, target=version, version_id=version):
        view = catalog_service.withdraw(ctx, version)
    out().print(f"price version {view.id} (from {view.effective_on}) withdrawn; it will never be in force")
