"""``packbill advise``: what an account should buy, and which traffic billing type is cheaper (R27)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from .. import present
from ..present.advice import advice_json, reason
from ..services import advice as service
from .common import DbOpt, Errors, fail, lang_option, open_ctx, out

app = typer.Typer()
"""Commands at the top level."""
GROUPS = {}



def _forecast_table(view, catalog, lang: str) -> Table:
    """The usage the plan is for, per month of the horizon (each from its first day) and service."""
    planned = Table(title="usage planned for, a month from each day")
    planned.add_column("month from")
    for svc in view.forecast:
        planned.add_column(present.service_name(catalog, svc, lang), justify="right")
    for m, start in enumerate(view.horizon.starts[:-1]):
        planned.add_row(start.isoformat(), *(present.quantity(svc, per_month[m]) for svc, per_month in view.forecast.items()))
    return planned


def _sums(a) -> Table:
    """The plan's costs: with and without it, the saving, the forfeiture, usage 20 % either way."""
    grid = Table.grid(padding=(0, 2))
    grid.add_column()
    grid.add_column(justify="right")
    grid.add_row("cost with the plan", present.money(a.total("with_plan")))
    grid.add_row("cost without it", present.money(a.total("without_plan")))
    grid.add_row("saving", present.money(a.total("without_plan") - a.total("with_plan")))
    grid.add_row("expected forfeiture", present.money(a.forfeited))
    grid.add_row("with usage 20 % lower / higher", f"{present.money(a.total('lower'))} / {present.money(a.total('higher'))}")
    return grid


@app.command()
def advise(
    account_id: str,
    forecast: Annotated[Path | None, typer.Option(help='A JSON file {"<service>": \\[quantity per month, ...]} to plan for '
                                                          "instead of the past usage.")] = None,
    window_days: Annotated[int, typer.Option(help="Days of past usage to project from.")] = 90,
    horizon_months: Annotated[int, typer.Option(help="How many months to plan for, from today (12: to the day before the same date next year).")] = 12,
    what_if_days: Annotated[int, typer.Option(help="Past days for the traffic billing what-if.")] = 30,
    format: Annotated[str, typer.Option(help="The output: table or json.")] = "table",
    lang: Annotated[str, lang_option("The language of the reasons: en or zh.")] = "en",
    method: Annotated[str, typer.Option(help="The forecast: flat (the window's daily average times each month's days) or trend.")] = "flat",
    db: DbOpt = None,
) -> None:
    """Advise the cheapest packages to buy and when, with the cost with and without them, and the traffic billing what-if."""
    if format not in ("table", "json"):
        fail("--format is table or json")
    wanted = None
    if forecast is not None:
        try:
            wanted = json.loads(forecast.read_text("utf-8"))
        except (OSError, UnicodeDecodeError, ValueError) as exc:
            fail(f"cannot read the forecast {forecast}: {exc}")
    ctx = open_ctx(db)
    with Errors():
        view = service.advise(ctx, account_id, window_days, horizon_months, wanted, what_if_days, method)
    if format == "json":
        sys.stdout.write(json.dumps(advice_json(view, ctx.catalog, lang), ensure_ascii=False, indent=2) + "\n")
        return
    console, a = out(), view.advice
    if not view.enough_usage:
        console.print(f"not enough usage to advise: fewer than 7 days with usage in the last {window_days} days")
        return
    basis = "your forecast" if view.source == "forecast" else f"projected {view.method} from the last {window_days} days"
    if view.forecast:
        console.print(_forecast_table(view, ctx.catalog, lang))
    if view.switch_first:
        console.print("[bold]switch to daily peak bandwidth billing first[/bold]: it costs less than traffic billing even with "
                      "traffic packages, so no traffic package is advised")
    table = Table(title=f"plan for {account_id}: {view.months} months from {view.today} ({basis})")
    for col in ("buy on", "package", "count", "why"):
        table.add_column(col, justify="right" if col == "count" else "left")
    for p in view.plan:
        table.add_row(str(p.buy_on), present.package_name(ctx.catalog, p.sku, lang), str(p.count), reason(p, ctx.catalog, lang))
    if view.plan:
        console.print(table)
    else:
        console.print("buy nothing: pay-as-you-go and the packages held cost least")
    console.print(_sums(a))
    if view.excluded and not view.switch_first:
        console.print(f"left out: {', '.join(present.service_name(ctx.catalog, s, lang) for s in view.excluded)} "
                      "(billed by daily peak bandwidth now)")
    w = view.what_if
    if w is not None:
        console.print(f"traffic, the last {w.days} days: by volume {present.money(w.traffic)}, by daily peak bandwidth "
                  f"{present.money(w.bandwidth)}; break-even {w.break_even_hours} hours of steady push a day; "
                  f"[bold]{'stay' if w.cheaper == view.traffic_billing.value else 'switch to ' + w.cheaper}[/bold]")
