"""``packbill demo``: a simulated month, settled day by day, printed and charted."""

from __future__ import annotations

import os
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from .. import services
from ..domain import journal
from ..domain.catalog import BANDWIDTH_SERVICES
from ..domain.days import SHANGHAI
from ..domain.model import UsageEvent
from ..domain.reference import ReferenceModel
from ..domain.usage import parse_timestamp
from ..domain.wallet import WalletState
from ..present import forecast_text, mbps, money, package_name, quantity, service_name
from ..present.advice import cost_chart as advice_chart
from ..present.advice import reason as advice_reason
from ..present.prices import change_words
from ..present.tables import packages_table
from ..services import Context, audit, auto_rebuy, books, budget, invoicing, sweep
from ..services import advice as advice_service
from ..services import catalog as catalog_service
from . import group
from .report import write_report
from .simulate import DAYS, MONTH_START, generate

BATCH = 10_000


class SimClock:
    """The demo's own clock, moved forward as the month goes by."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now


def _end_of(day: date) -> datetime:
    return datetime.combine(day, time(23, 59, 59), tzinfo=SHANGHAI)


@dataclass
class DemoResult:
    account_id: str
    db_url: str
    report: Path
    total_billed: Decimal
    package_cost: Decimal
    payg_only: Decimal
    supplements: int
    duplicates: int


@dataclass
class _Month:
    """What the simulated month did, day by day."""

    package_cost: Decimal = Decimal(0)
    duplicates: int = 0
    remaining_by_day: dict[date, dict[str, int]] = field(default_factory=dict)
    balance_by_day: dict[date, Decimal] = field(default_factory=dict)
    arrears_days: list[date] = field(default_factory=list)
    rebuys: list[tuple[datetime, Any]] = field(default_factory=list)
    """(when, the purchase) of each rebuy the settlements made (R28)."""


def run_demo(db_url: str, seed: int, report: Path, fresh: bool, out: Console, err: Console, lang: str = "zh") -> DemoResult:
    if fresh and db_url.startswith("sqlite:///"):
        path = db_url.removeprefix("sqlite:///")
        for suffix in ("", "-wal", "-shm"):
            if os.path.exists(path + suffix):
                os.remove(path + suffix)
    month = generate(seed)
    clock = SimClock(datetime.combine(MONTH_START, time(8), tzinfo=SHANGHAI))
    ctx = Context.open(db_url, None, clock)
    account, token = services.create_account(ctx, "Golden Dragon Kitchens 金龙餐饮", "cn", payment="balance")
    out.print(f"[bold]packbill demo[/bold]: a month of [bold]{account.name}[/bold] ({account.id}), seed {seed}, database {db_url}")
    last = MONTH_START + timedelta(days=DAYS - 1)
    branch_id = group.open_branch(ctx, clock, account.id)  # R32: a second kitchen paying through the first
    done = _simulate(ctx, clock, account.id, month, err, branch_id)

    clock.now = datetime.combine(last + timedelta(days=1), time(9), tzinfo=SHANGHAI)
    views = services.list_packages(ctx, account.id)
    lines = services.bills(ctx, account.id, MONTH_START, last)
    peaks = services.daily_peaks(ctx, account.id, MONTH_START, last)
    payg_only = _payg_only(month, ctx, account.id)
    total = sum((ln.amount for ln in lines), Decimal(0))
    used = _package_value_used(views, lines)
    ahead = services.package_forecasts(ctx, account.id, services.remaining_now(ctx, account.id))  # R29
    out.print(packages_table(views, ctx.catalog, title=f"Packages on {clock.now.date()} (draw order)", forecasts=ahead))
    out.print(_bill_table(lines, ctx.catalog))
    figures = _figures(ctx, account.id, done, last)
    out.print(_summary(ctx, account.id, done, lines, total, used, payg_only, figures))
    out.print(group.summary(ctx, account.id, branch_id))
    out.print(_invoice_october(ctx, account.id))
    advice = _print_advice(ctx, account.id, out)
    chart = advice_chart(advice, lang)
    write_report(report, account, views, lines, done.remaining_by_day, peaks, done.package_cost, total, used, payg_only, seed,
                 done.balance_by_day, (chart,) if chart else (), ctx.catalog, lang, figures=figures, advice=advice,
                 forecasts={v.package.id: forecast_text(ahead[v.package.id], v.package.service, lang) for v in views if v.package.id in ahead},
                 controls=_controls(ctx, account.id, lang))
    out.print(f"report: [bold]{report.resolve()}[/bold]")
    out.print(console_hint(db_url, token))
    ctx.close()
    return DemoResult(account.id, db_url, report, total, done.package_cost, payg_only,
                      sum(1 for ln in lines if ln.supplement), done.duplicates)


def _simulate(ctx: Context, clock: SimClock, account_id: str, month, err: Console, branch_id: str) -> _Month:
    """The month, day by day: the customer's actions, the day's usage (with the metering's
    retries and late usage), the morning's settlement, and a top-up when it starts in arrears;
    the branch's morning and its calls (R32)."""
    done = _Month()
    actions = sorted(month.actions, key=lambda a: a.at)
    with Progress(TextColumn("[bold]settling[/bold] {task.description}"), BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), console=err) as bar:
        task = bar.add_task(str(MONTH_START), total=DAYS)
        for n in range(DAYS):
            day = MONTH_START + timedelta(days=n)
            bar.update(task, description=str(day))
            while actions and actions[0].at.date() <= day:
                action = actions.pop(0)
                clock.now = action.at
                done.package_cost += _act(ctx, account_id, action)
            group.morning(ctx, clock, account_id, branch_id, day)
            clock.now = _end_of(day)
            services.ingest(ctx, branch_id, group.usage(day))
            events = month.events_by_day[day]
            for start in range(0, len(events), BATCH):
                services.ingest(ctx, account_id, events[start : start + BATCH])
            if n % 7 == 3:  # the metering retries a batch it never heard back about
                done.duplicates += services.ingest(ctx, account_id, events[:500]).duplicates
            # the next morning at 08:00 the day is settled, with late usage that came in meanwhile
            clock.now = datetime.combine(day + timedelta(days=1), time(7, 30), tzinfo=SHANGHAI)
            late = month.late_by_day.get(day + timedelta(days=1), [])
            if late:
                services.ingest(ctx, account_id, late)
            clock.now = datetime.combine(day + timedelta(days=1), time(8), tzinfo=SHANGHAI)
            for order_id in services.settle(ctx, day).rebought:  # R28: the settlement bought a used-up package again
                bought = services.order(ctx, account_id, order_id)
                done.package_cost += bought.amount
                done.rebuys.append((clock.now, bought))
            sweep.sweep_all(ctx)  # as the schedule does after its settlement: reminders dated on the day
            done.balance_by_day[day] = services.wallet(ctx, account_id).purse.cash  # after the morning's charges
            if services.wallet(ctx, account_id).state is WalletState.ARREARS:
                # the finance team sees the arrears reminder and pays before the 24 hours run out
                done.arrears_days.append(day + timedelta(days=1))
                clock.now = datetime.combine(day + timedelta(days=1), time(9, 30), tzinfo=SHANGHAI)
                services.topup(ctx, account_id, Decimal("600.00"), f"bank-{clock.now:%Y%m%d-%H%M}")
            done.remaining_by_day[day] = {v.package.id: v.remaining for v in services.list_packages(ctx, account_id, _end_of(day))}
            bar.advance(task)
    return done


def _act(ctx: Context, account_id: str, action) -> Decimal:
    """One of the customer's (or the operator's) actions; returns what a purchase cost."""
    if action.kind == "buy":
        return services.buy(ctx, account_id, action.arg, 1).amount
    if action.kind == "topup":
        services.topup(ctx, account_id, Decimal(action.arg), f"bank-{action.at:%Y%m%d-%H%M}")
    elif action.kind == "voucher":
        services.grant_voucher(ctx, account_id, Decimal(action.arg), MONTH_START + timedelta(days=DAYS - 1))
    elif action.kind == "alert":
        services.set_balance_alert(ctx, account_id, Decimal(action.arg))
    elif action.kind == "rebuy":
        sku = ctx.catalog.sku(action.arg)
        auto_rebuy.set_rule(ctx, account_id, sku.service, sku.sku, "exhausted", None, Decimal("500.00"))
    elif action.kind == "budget":
        budget.set_budget(ctx, account_id, Decimal(action.arg))
    elif action.kind == "cap":
        service, amount = action.arg.split()
        budget.set_cap(ctx, account_id, service, Decimal(amount))
    elif action.kind == "price":
        _price_cut(ctx, date.fromisoformat(action.arg))
    elif action.kind == "discount":
        services.set_discount(ctx, account_id, Decimal(action.arg), action.at.date() + timedelta(days=1))
    else:
        services.switch_traffic_billing(ctx, account_id, action.arg)
    return Decimal(0)


PRICE_CUT = {"ai.kitchen.100k": "200.00", "ai.body": "0.0015"}
"""The demo's price version (R31): the kitchen 100k package 250.00 -> 200.00, body recognition
0.002 -> 0.0015 a call."""


def _price_cut(ctx: Context, effective_on: date) -> None:
    """The operator publishes the month's price cut, in force from ``effective_on``."""
    from ..domain.catalog_versions import as_json

    body = as_json(ctx.catalog)
    for p in body["packages"]:
        p["price"] = PRICE_CUT.get(p["sku"], p["price"])
    for s in body["payg"]:
        if s["service"] in PRICE_CUT:
            s.pop("tiers", None)
            s["price"] = PRICE_CUT[s["service"]]
    catalog_service.publish(ctx, effective_on, catalog_service.checked(ctx, body), "demo-operator")


@dataclass(frozen=True)
class Figures:
    """The month's money and books, each from the services the API and the console use: what
    the terminal prints and the report shows, computed once."""

    topups: Decimal
    vouchers_used: Decimal
    arrears_days: list[date]
    cash: Decimal
    state: str
    statement: Any
    recognised: Decimal
    deferred: Decimal
    close: Any
    sound: bool


def _figures(ctx: Context, account_id: str, done: _Month, last: date) -> Figures:
    wallet = services.wallet(ctx, account_id)
    topups = sum((Decimal(str(p[1])) for e in services.journal_entries(ctx, account_id) if e["kind"] == "topup"
                  for p in e["postings"] if p[0] == journal.cash(account_id)), Decimal(0))
    revenue = books.revenue(ctx, MONTH_START, last + timedelta(days=1))
    return Figures(topups, sum((v.amount - v.remaining for v in wallet.vouchers), Decimal(0)), done.arrears_days, wallet.purse.cash,
                   wallet.state.value, books.statement(ctx, account_id, MONTH_START),
                   sum((f["recognised"] for d in revenue for f in d.services.values()), Decimal(0)), revenue[-1].deferred,
                   books.month_close(ctx, MONTH_START), not audit.audit(ctx))


def _summary(ctx: Context, account_id: str, done: _Month, lines, total: Decimal, used: Decimal, payg_only: Decimal,
             f: Figures) -> Table:
    """The month in figures."""
    summary = Table.grid(padding=(0, 2))
    summary.add_row("packages bought (valid a year)", f"{money(done.package_cost)} CNY")
    summary.add_row("billed this month", f"{money(total)} CNY")
    summary.add_row("package value used this month", f"{money(used)} CNY (drawn quantity at package price)")
    summary.add_row("[bold]the month's usage cost[/bold]", f"[bold]{money(total + used)} CNY[/bold]")
    summary.add_row("with pay-as-you-go only", f"{money(payg_only)} CNY")
    summary.add_row("supplement lines (late usage)", str(sum(1 for ln in lines if ln.supplement)))
    summary.add_row("retried events counted once", f"{done.duplicates:,}")
    summary.add_row("traffic billing now", services.account_view(ctx, account_id).traffic_billing.value)
    summary.add_row("topped up this month", f"{money(f.topups)} CNY")
    summary.add_row("vouchers used", f"{money(f.vouchers_used)} CNY")
    summary.add_row("days that began in arrears (lifted by a top-up)", ", ".join(str(d) for d in f.arrears_days) or "none")
    summary.add_row("auto-rebuy (R28)", "; ".join(f"{package_name(ctx.catalog, p.packages[0].sku, 'en')} at {when:%Y-%m-%d %H:%M}, "
                                                  f"{money(p.amount)} CNY" for when, p in done.rebuys) or "nothing bought")
    summary.add_row("price versions (R31)", "; ".join(
        f"{v.id} from {v.effective_on}: " + ", ".join(change_words(c, v.catalog, "en") for c in v.changes)
        for v in catalog_service.versions(ctx) if v.effective_on) or "the catalog file only")
    summary.add_row("budget alerts (R30)", ", ".join(_budget_alerts(ctx, account_id)) or "none")
    summary.add_row("[bold]cash balance at the end[/bold]", f"[bold]{money(f.cash)} CNY[/bold] ({f.state})")
    st = f.statement
    summary.add_row(f"statement of {MONTH_START:%Y-%m}", f"{st.status} {st.number or ''} (closing {money(st.closing_balance)} "
                    f"CNY, invoiceable {money(st.invoiceable)} CNY)")
    summary.add_row("package revenue recognised as drawn", f"{money(f.recognised)} CNY (deferred at the end: {money(f.deferred)} CNY)")
    close = f.close
    summary.add_row(f"close of {MONTH_START:%Y-%m}", ("balanced" if close.balanced else "[red]NOT balanced[/red]")
                    + f": statements' pay-as-you-go {money(sum((r.statements_payg for r in close.rows), Decimal(0)))} CNY = revenue "
                    f"{money(sum((r.revenue_payg for r in close.rows), Decimal(0)))} CNY; deferred {money(close.deferred_opening)} "
                    f"-> {money(close.deferred_closing)} CNY")
    summary.add_row("books audit", "sound: every invariant holds" if f.sound else "[red]violations: run packbill audit[/red]")
    return summary


CONTROL_EVENTS = ("reminder.budget", "reminder.rebuy_failed", "service.capped", "reminder.package_low", "reminder.anomaly",
                  "reminder.forfeit_expected", "invoice.requested", "invoice.issued")
"""The customer's tools' messages (R28 to R30) the report lists with the rebuys."""


INVOICE_NUMBER = "26112000000000000001"
"""The all-electronic invoice number the demo's operator records for October."""


def _invoice_october(ctx: Context, account_id: str) -> str:
    """On 1 November the customer asks for a 发票 of everything October made invoiceable, on its
    company's title, and the operator issues it (R33)."""
    title = invoicing.add_title(ctx, account_id, {"type": "special", "name": "金龙餐饮管理有限公司", "tax_id": "91350100M000100Y43",
                                                  "address": "北京市朝阳区建国路 88 号", "phone": "010-65001234",
                                                  "bank": "招商银行北京建国路支行", "bank_account": "110912345610201"})
    amount = books.invoiceable_now(ctx, account_id)
    requested = invoicing.request(ctx, account_id, title.id, amount)
    issued = invoicing.issue(ctx, requested.id, INVOICE_NUMBER)
    s = issued.split
    return (f"invoice for October (R33): {money(s.amount)} CNY requested on {title.title.name}'s special VAT title, "
            f"{money(s.net)} net + {money(s.tax)} tax at {(issued.rate * 100).normalize():f} %, issued as {issued.number}")


def _controls(ctx: Context, account_id: str, lang: str) -> tuple[tuple[date, str], ...]:
    """What auto-rebuy and the budget did this month, as the customer's messages said it (R28, R30)."""
    from ..present.notify import sentence
    from ..present.words import words
    from ..services import inbox

    prefix = words("report")["rebought"][lang]
    found = [e for e in inbox.events(ctx, account_id=account_id)
             if e.type in CONTROL_EVENTS or (e.type == "package.bought" and "auto_rebuy" in e.data)]
    return tuple((e.at.astimezone(SHANGHAI).date(), (prefix if e.type == "package.bought" else "") + sentence(e.type, e.data, ctx.catalog, lang))
                 for e in sorted(found, key=lambda e: (e.at, e.seq)))


def _budget_alerts(ctx: Context, account_id: str) -> list[str]:
    """The budget's alerts of the month, as its messages dated them (R30)."""
    from ..services import inbox

    found = sorted(((e.at, e.data.get("step")) for e in inbox.events(ctx, account_id=account_id) if e.type == "reminder.budget"),
                   key=lambda x: (x[0], x[1] is None, x[1] or 0))
    return [f"{'forecast' if step is None else f'{step} %'} on {at.astimezone(SHANGHAI):%Y-%m-%d}" for at, step in found]


def console_hint(db_url: str, token: str) -> str:
    """How to look at the demo's month in the console: serve its database without the daily
    schedule (which would settle November's empty days) and sign in as the customer."""
    command = sys.argv[0] if sys.argv and sys.argv[0].endswith("packbill") else "packbill"
    return (f"see it in the console: [bold]PACKBILL_OPERATOR_TOKEN=demo-operator-token {command} serve --db {db_url} --no-schedule[/bold], "
            f"open [bold]http://127.0.0.1:8000/[/bold] and sign in with the customer's token [bold]{token}[/bold] "
            "(or demo-operator-token for the operator's pages)")


def _print_advice(ctx: Context, account_id: str, out: Console):
    """What the customer should buy for the next 12 months, from this month's usage (R27)."""
    advice = advice_service.advise(ctx, account_id, window_days=30)
    plan = Table(title=f"Advice: what to buy for the next {advice.months} months (from the last 30 days of usage)")
    for col in ("buy on", "package", "count", "why"):
        plan.add_column(col, justify="right" if col == "count" else "left")
    for p in advice.plan:
        plan.add_row(str(p.buy_on), package_name(ctx.catalog, p.sku), str(p.count), advice_reason(p, ctx.catalog))
    out.print(plan if advice.plan else "Advice: buy nothing more; pay-as-you-go and the packages held cost least")
    if advice.switch_first:
        out.print("Advice: [bold]switch traffic billing to daily peak bandwidth[/bold]; it costs less than traffic billing even with "
                  "traffic packages, so no traffic package is advised")
    a = advice.advice
    line = (f"cost with the plan {money(a.total('with_plan'))} CNY, without it {money(a.total('without_plan'))} CNY, "
            f"expected forfeiture {money(a.forfeited)} CNY")
    if advice.what_if is not None:
        w = advice.what_if
        line += (f"; traffic, the last {w.days} days: by volume {money(w.traffic)} CNY, by daily peak bandwidth "
                 f"{money(w.bandwidth)} CNY (break-even {w.break_even_hours} hours of steady push a day)")
    out.print(line)
    return advice


def _bill_table(lines, catalog) -> Table:
    table = Table(title=f"Bill for {MONTH_START:%B %Y} by service")
    for col in ("service", "usage", "from packages", "pay-as-you-go", "amount (CNY)"):
        table.add_column(col, justify="left" if col == "service" else "right")
    by_service: dict[str, list] = defaultdict(lambda: [0, 0, 0, Decimal(0)])
    for ln in lines:
        row = by_service[ln.service]
        if ln.service in BANDWIDTH_SERVICES:
            row[0] = max(row[0], ln.quantity)  # show the month's highest daily peak
        else:
            row[0] += ln.quantity
            row[1] += sum(d.quantity for d in ln.drawn)
            row[2] += ln.payg_quantity
        row[3] += ln.amount
    for service, (q, drawn, payg, amount) in sorted(by_service.items()):
        if service in BANDWIDTH_SERVICES:
            table.add_row(service_name(catalog, service), f"top peak {mbps(q)}", "", "by daily peak", money(amount))
        else:
            table.add_row(service_name(catalog, service), quantity(service, q), quantity(service, drawn), quantity(service, payg), money(amount))
    table.add_section()
    table.add_row("[bold]total[/bold]", "", "", "", f"[bold]{money(sum((r[3] for r in by_service.values()), Decimal(0)))}[/bold]")
    return table


def _package_value_used(views, lines) -> Decimal:
    """What the drawn quantities were worth at each package's own unit price."""
    price = {v.package.id: v.package.price / v.package.size for v in views}
    return sum((d.quantity * price[d.package_id] for ln in lines for d in ln.drawn), Decimal(0)).quantize(Decimal("0.01"))


def _payg_only(month, ctx: Context, account_id: str) -> Decimal:
    """What the same month would have cost with no packages: the reference model, replayed."""
    ledger = ReferenceModel(ctx.catalog)
    ledger.create_account(account_id, "payg only", "cn")
    for action in month.actions:
        if action.kind == "switch":
            ledger.switch_traffic_billing(account_id, action.arg, action.at)
    for events in list(month.events_by_day.values()) + list(month.late_by_day.values()):
        ledger.record_usage(account_id, (UsageEvent(e["event_id"], e["service"], e["quantity"], e["region"],
                                                    parse_timestamp(e["timestamp"])) for e in events))
    last = MONTH_START + timedelta(days=DAYS - 1)
    ledger.settle(last)
    return sum((ln.amount for ln in ledger.bills(account_id, MONTH_START, last)), Decimal(0))
