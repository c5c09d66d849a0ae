"""Statements and revenue for people and programs (R21, R22): JSON, CSV and a printable HTML
page in Chinese or English (the PDF is this page printed)."""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from decimal import Decimal
from html import escape
from typing import Any, NamedTuple

from ..domain.books import Issuer, MonthClose, PaygRow, RevenueDay, Statement
from ..domain.catalog import BANDWIDTH_SERVICES, TRAFFIC_SERVICES, Catalog
from ..domain.days import month_days
from ..domain.model import BillLine
from ..domain.money import BYTES_PER_GB, ZERO
from . import mbps, mbps_json, money, money_json, package_name, quantity, service_name, spreadsheet
from .charts import stacked_bars
from .words import in_language


def _amounts(p) -> dict[str, str]:
    return {"list_amount": money_json(p.list_amount), "amount": money_json(p.amount), "voucher": money_json(p.voucher),
            "cash": money_json(p.cash)}


def statement_json(s: Statement) -> dict[str, Any]:
    return {
        "account_id": s.account_id, "account_name": s.account_name, "month": f"{s.month:%Y-%m}", "status": s.status, "number": s.number,
        "opening_balance": money_json(s.opening_balance), "closing_balance": money_json(s.closing_balance),
        "topups": money_json(s.topups), "adjustments": money_json(s.adjustments),
        "purchases": _amounts(s.purchases), "refunds": _amounts(s.refunds),
        "payg": [{"service": r.service, "quantity": r.quantity, **_amounts(r),
                  **({"peak": mbps_json(r.peak), "days": r.days} if r.service in BANDWIDTH_SERVICES else {})} for r in s.payg],
        "usage": [{"service": u.service, "drawn": u.drawn, "payg_quantity": u.payg_quantity, "mainland": u.mainland, "other": u.other}
                  for u in s.usage],
        "packages": [{"id": p.id, "sku": p.sku, "service": p.service, "size": p.size, "remaining": p.remaining,
                      "first_day": p.first_day.isoformat(), "last_day": p.last_day.isoformat(), "status": p.status} for p in s.packages],
        "invoiceable": money_json(s.invoiceable),
        "daily": [{"day": d.isoformat(), "amount": money_json(a), "supplements": money_json(x)} for d, a, x in s.daily],
        "late": [{"day": m.day.isoformat(), "kind": m.kind, "amount": money_json(m.amount)} for m in s.late],
        "orders": [{"day": o.day.isoformat(), "sku": o.sku, "count": o.count, "discount": money_json(o.discount), **_amounts(o)}
                   for o in s.orders],
        "refund_rows": [{"day": r.day.isoformat(), "package_id": r.package_id, "sku": r.sku, "voucher": money_json(r.voucher),
                         "cash": money_json(r.cash)} for r in s.refund_rows],
        "vouchers": {"granted": money_json(s.vouchers.granted), "used": money_json(s.vouchers_used), "expired": money_json(s.vouchers.expired)},
        "invoiced": money_json(s.invoiced), "red_letter": money_json(s.red_letter), "payg_cash": money_json(s.payg_cash),
        "group": [{"account_id": g.account_id, "name": g.name, "role": g.role,
                   "purchases": {"voucher": money_json(g.purchases_voucher), "cash": money_json(g.purchases_cash)},
                   "payg": {"voucher": money_json(g.payg_voucher), "cash": money_json(g.payg_cash)}, "total": money_json(g.total)}
                  for g in s.group],
        "group_cash": money_json(s.group_cash),
    }


def _payg_quantity(r: PaygRow, lang: str) -> str:
    """What a person reads for a service's pay-as-you-go: its quantity, or for daily-peak
    bandwidth the month's highest billed peak and the days billed (a sum of peaks means nothing)."""
    if r.service in BANDWIDTH_SERVICES:
        return in_language("statement", lang)["peak"].format(peak=mbps(r.peak), days=r.days)
    return quantity(r.service, r.quantity, lang)


class Section(NamedTuple):
    title: str
    head: list[str]
    rows: list[list[str]]
    numeric_from: int
    """The first column that holds figures (right-aligned)."""
    total: bool = False
    """The last row is the total of the others."""
    marks: tuple[str, ...] = ()
    """Per row, a name its figure carries as a ``data-`` attribute on the page (tests find it)."""


def _sections(s: Statement, catalog: Catalog, lang: str, fmt: Callable[[Decimal], str] = money) -> list[Section]:
    """The statement's tables in reading order: what the page, the PDF and the CSV all show, in
    ``lang``, with names instead of codes; ``fmt`` formats amounts (the CSV's have no separators)."""
    w = in_language("statement", lang)
    summary = [[w["opening"], fmt(s.opening_balance)], [w["topups"], fmt(s.topups)], [w["adjustments"], fmt(s.adjustments)],
               [w["purchases"], fmt(-s.purchases.cash)], [w["refunds"], fmt(s.refunds.cash)], [w["payg"], fmt(-s.payg_cash)],
               [w["closing"], fmt(s.closing_balance)], [w["invoiceable"], fmt(s.invoiceable)]]
    marks = ("opening", "", "", "", "", "", "closing", "invoiceable")
    if s.group:  # R32: before the closing balance, what the group moved the balance by
        label = w["group_by_payer"] if s.group[0].role == "payer" else w["group_for_members"]
        summary.insert(6, [label, fmt(s.group_cash)])
        marks = (*marks[:6], "group", *marks[6:])
    if s.invoiced or s.red_letter:  # R33: the month's invoices, shown when there are any
        summary += [[w["invoiced"], fmt(s.invoiced)], [w["red_letter"], fmt(s.red_letter)]]
        marks += ("invoiced", "red_letter")
    orders = [[str(o.day), package_name(catalog, o.sku, lang), str(o.count), fmt(o.list_amount), fmt(o.discount), fmt(o.amount),
               fmt(o.voucher), fmt(o.cash)] for o in s.orders]
    if orders:
        p = s.purchases
        orders.append([w["total"], "", str(sum(o.count for o in s.orders)), fmt(p.list_amount), fmt(p.discount), fmt(p.amount),
                       fmt(p.voucher), fmt(p.cash)])
    refunds = [[str(r.day), package_name(catalog, r.sku, lang), r.package_id, fmt(r.voucher), fmt(r.cash)] for r in s.refund_rows]
    vouchers = [[fmt(s.vouchers.granted), fmt(s.vouchers_used), fmt(s.vouchers.expired)]]
    payg = [[service_name(catalog, r.service, lang), _payg_quantity(r, lang), fmt(r.list_amount), fmt(r.amount), fmt(r.voucher),
             fmt(r.cash)] for r in s.payg]
    usage = [[service_name(catalog, u.service, lang), quantity(u.service, u.drawn, lang), quantity(u.service, u.payg_quantity, lang),
              quantity(u.service, u.mainland, lang), quantity(u.service, u.other, lang)] for u in s.usage]
    packages = [[package_name(catalog, p.sku, lang), p.id, f"{p.first_day} ~ {p.last_day}", quantity(p.service, p.remaining, lang),
                 w.get(p.status, p.status)] for p in s.packages]
    late = [[str(m.day), w.get(m.kind, m.kind), fmt(m.amount)] for m in s.late]
    return [*_summary_and_orders(s, w, summary, marks, orders), *_group_section(s, w, fmt), *_other_sections(
        s, w, refunds, vouchers, payg, usage, packages, late)]


def _summary_and_orders(s: Statement, w: dict, summary: list, marks: tuple, orders: list) -> list[Section]:
    return [
        Section(w["summary"], ["", w["late_amount"]], summary, 1, marks=marks),
        Section(w["orders_table"], [w["bought"], w["package_name"], w["count"], w["list"], w["discount"], w["contracted"], w["voucher"],
                                    w["cash"]], orders, 2, total=bool(orders)),
    ]


def _group_section(s: Statement, w: dict, fmt: Callable[[Decimal], str]) -> list[Section]:
    """R32: a row per member on a payer's statement, with their total; on a member's, its payer's."""
    if not s.group:
        return []
    rows = [[g.name, g.account_id, fmt(g.purchases), fmt(g.payg), fmt(g.total)] for g in s.group]
    payer = s.group[0].role == "payer"
    if not payer:
        rows.append([w["total"], "", fmt(sum((g.purchases for g in s.group), ZERO)), fmt(sum((g.payg for g in s.group), ZERO)),
                     fmt(sum((g.total for g in s.group), ZERO))])
    return [Section(w["group_payer_table"] if payer else w["group_member_table"],
                    [w["group_account"], w["group_account_id"], w["group_purchases"], w["group_payg"], w["group_total"]], rows, 2,
                    total=not payer)]


def _other_sections(s: Statement, w: dict, refunds: list, vouchers: list, payg: list, usage: list, packages: list, late: list
                    ) -> list[Section]:
    return [
        Section(w["refunds_table"], [w["day"], w["package_name"], w["package"], w["voucher_back"], w["cash_back"]], refunds, 3),
        Section(w["vouchers_table"], [w["granted"], w["used"], w["voucher_expired"]], vouchers, 0),
        Section(w["payg_table"], [w["service"], w["quantity"], w["list"], w["amount"], w["voucher"], w["cash"]], payg, 1),
        Section(w["usage_table"], [w["service"], w["drawn"], w["payg_q"], w["mainland"], w["other"]], usage, 1),
        Section(w["packages_table"], [w["package_name"], w["package"], w["validity"], w["remaining"], w["status"]], packages, 3),
        *([Section(w["late_table"], [w["day"], w["kind"], w["late_amount"]], late, 2)] if late else []),
    ]


def statement_csv(s: Statement, catalog: Catalog, lang: str = "zh", issuer: Issuer | None = None) -> str:
    """One CSV file with the page's tables, each under its title and header row, in ``lang``
    (opens in Excel and WPS; amounts in CNY)."""
    w = in_language("statement", lang)
    buf = io.StringIO()
    out = spreadsheet.writer(buf)
    status = w[s.status] if s.status in w else s.status
    out.writerow([w["title"], f"{s.month:%Y-%m}", w["number"], s.number or "", w["status"], status])
    out.writerow([w["customer"], s.account_name, w["account"], s.account_id])
    if issuer and issuer.name:
        out.writerow([w["issuer"], issuer.name, w["address"], issuer.address, w["tax_id"], issuer.tax_id])
    out.writerow([w["currency"]])
    for section in _sections(s, catalog, lang, money_json):
        out.writerow([])
        out.writerow([section.title])
        out.writerow(section.head)
        out.writerows(section.rows or [[w["none"]]])
    return buf.getvalue()


def _table(section: Section, empty: str) -> str:
    if not section.rows:
        return f'<p class="empty">{escape(empty)}</p>'

    def cls(i: int) -> str:
        return "num" if i >= section.numeric_from else ""

    ths = "".join(f'<th class="{cls(i)}">{escape(h)}</th>' for i, h in enumerate(section.head))
    trs = []
    for n, row in enumerate(section.rows):
        mark = section.marks[n] if n < len(section.marks) else ""
        cells = [f'<td class="{cls(i)}"{f" data-{mark}" if mark and i == len(row) - 1 else ""}>{escape(c)}</td>' for i, c in enumerate(row)]
        total = section.total and n == len(section.rows) - 1
        trs.append(f'<tr class="{"total" if total else ""}">{"".join(cells)}</tr>')
    return f"<table><thead><tr>{ths}</tr></thead><tbody>{''.join(trs)}</tbody></table>"


STYLE = """
.statement { font-family: "Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", sans-serif; color: #1f2329; font-size: 11px; }
.statement header { display: flex; justify-content: space-between; align-items: flex-start; border-bottom: 3px solid #2f6fdf;
  padding: 0 0 8px; background: transparent; color: #1f2329; gap: 24px; }
.statement header a { color: inherit; }
.statement h1 { font-size: 20px; margin: 0 0 4px; } .statement h2 { font-size: 13px; margin: 16px 0 6px; color: #2f6fdf; break-after: avoid; }
.statement section { break-inside: avoid; } .statement section.long { break-inside: auto; }
.statement .meta td { padding: 1px 8px 1px 0; border: none; white-space: nowrap; }
.statement .issuer { text-align: right; } .statement .issuer .brand { font-weight: 700; color: #2f6fdf; font-size: 14px; }
.statement table { border-collapse: collapse; width: 100%; } .statement thead { display: table-header-group; }
.statement tr { break-inside: avoid; }
.statement th, .statement td { border-bottom: 1px solid #e5e6eb; padding: 4px 6px; text-align: left; }
.statement th { background: #f2f3f5; font-weight: 600; } .statement .num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.statement .total td { font-weight: 700; border-top: 2px solid #1f2329; } .statement .empty { color: #86909c; }
.statement .status { display: inline-block; padding: 1px 8px; border-radius: 3px; background: #fff7e8; color: #ad6800; white-space: nowrap; }
.statement .status.final { background: #e8ffea; color: #237804; }
.statement footer { margin-top: 14px; color: #86909c; font-size: 10px; }
"""


def statement_html(s: Statement, catalog: Catalog, lang: str = "zh", issuer: Issuer | None = None) -> str:
    """The statement as a printable A4 page: what the PDF is made of. Each page's foot numbers
    it ("第 1 页，共 2 页"); a table's title never ends a page (its section keeps together, and
    a long table repeats its header row on the next page)."""
    w = in_language("statement", lang)
    before, _, after = w["page_of"].partition("{page}")
    middle, _, end = after.partition("{pages}")
    counter = f'"{before}" counter(page) "{middle}" counter(pages) "{end}"'
    return f"""<!doctype html>
<html lang="{'zh-CN' if lang == 'zh' else 'en'}"><head><meta charset="utf-8">
<title>{escape(w['title'])} {s.month:%Y-%m} {escape(s.account_name)}</title>
<style>@page {{ size: A4; margin: 14mm 12mm 16mm;
  @bottom-center {{ content: {counter}; font-family: "Noto Sans CJK SC", sans-serif; font-size: 9px; color: #86909c; }} }}
body {{ margin: 0; }} {STYLE}</style></head><body>
{statement_body_html(s, catalog, lang, issuer)}
</body></html>"""


def _issuer_html(issuer: Issuer | None, lang: str) -> str:
    """The issuer's block (R22): the operator's name, address and tax id, as the settings give them."""
    w = in_language("statement", lang)
    if issuer is None or not issuer.name:
        return '<div class="issuer"><div class="brand">packbill</div></div>'
    colon = "：" if lang == "zh" else ": "
    lines = [f'<div class="brand">{escape(issuer.name)}</div>']
    lines += [f"<div>{escape(w[k])}{colon}{escape(v)}</div>" for k, v in (("address", issuer.address), ("tax_id", issuer.tax_id)) if v]
    return f'<div class="issuer"><div>{escape(w["issuer"])}</div>{"".join(lines)}</div>'


def statement_body_html(s: Statement, catalog: Catalog, lang: str = "zh", issuer: Issuer | None = None) -> str:
    """The statement's content as one ``<article class="statement">`` (the console shows it
    inside its page, the PDF prints it alone); its styles are ``STYLE``."""
    w = in_language("statement", lang)
    chart = ""
    if s.daily:
        by_day = {d: (a, x) for d, a, x in s.daily}
        days = sorted({*month_days(s.month), *by_day})  # every day of the month, and earlier days' late usage
        zero = (Decimal(0), Decimal(0))
        chart = stacked_bars(w["daily"], [f"{d:%m-%d}" if d.day in (1, 10, 20) or d.month != s.month.month else f"{d.day}" for d in days],
                             {w["payg"]: [float(by_day.get(d, zero)[0]) for d in days],
                              w["supplement"]: [float(by_day.get(d, zero)[1]) for d in days]},
                             unit="元" if lang == "zh" else "CNY", colours={w["payg"]: "#2f6fdf", w["supplement"]: "#f08c00"},
                             width=680, height=220)
    status = w[s.status] if s.status in w else s.status
    sections = "\n".join(
        f'<section class="{"long" if len(x.rows) > 20 else ""}"><h2>{escape(x.title)}</h2>'
        f'{_table(x, w["none"])}</section>' for x in _sections(s, catalog, lang))
    return f"""<article class="statement">
<header><div><h1>{escape(w['title'])}</h1>
<table class="meta"><tr><td>{escape(w['customer'])}</td><td>{escape(s.account_name)}</td></tr>
<tr><td>{escape(w['account'])}</td><td>{escape(s.account_id)}</td></tr>
<tr><td>{escape(w['month'])}</td><td>{s.month:%Y-%m}</td></tr>
<tr><td>{escape(w['number'])}</td><td>{escape(s.number or '—')}</td></tr>
<tr><td>{escape(w['status'])}</td><td><span class="status {escape(s.status)}">{escape(status)}</span></td></tr></table></div>
{_issuer_html(issuer, lang)}</header>
{sections}
{f'<section><h2>{escape(w["daily"])}</h2>{chart}</section>' if chart else ''}
<footer>{escape(w['currency'])}</footer>
</article>"""


def revenue_json(days: Sequence[RevenueDay]) -> dict[str, Any]:
    return {"days": [{"day": d.day.isoformat(), "deferred": money_json(d.deferred),
                      "services": [{"service": s, **{k: money_json(v) for k, v in figures.items()}} for s, figures in d.services.items()]}
                     for d in days]}


def revenue_csv(days: Sequence[RevenueDay], catalog: Catalog, lang: str = "zh") -> str:
    """The revenue report as a spreadsheet: one row per day and service, headers and service
    names in ``lang``, the deferred balance at each day's end."""
    w = in_language("revenue", lang)
    buf = io.StringIO()
    out = spreadsheet.writer(buf)
    out.writerow([w["day"], w["service"], w["recognised"], w["breakage"], w["payg"], w["deferred"]])
    for d in days:
        for service, f in d.services.items():
            name = w["vouchers"] if service == "vouchers" else service_name(catalog, service, lang)
            out.writerow([d.day.isoformat(), name, money_json(f["recognised"]), money_json(f["breakage"]), money_json(f["payg"]),
                          money_json(d.deferred)])
    return buf.getvalue()


def close_json(close: MonthClose) -> dict[str, Any]:
    return {"month": f"{close.month:%Y-%m}", "final": close.final,
            "services": [{"service": r.service, "statements_payg": money_json(r.statements_payg), "revenue_payg": money_json(r.revenue_payg),
                          "recognised": money_json(r.recognised), "breakage": money_json(r.breakage), "difference": money_json(r.difference)}
                         for r in close.rows],
            "deferred_opening": money_json(close.deferred_opening), "deferred_closing": money_json(close.deferred_closing),
            "balanced": close.balanced}


def _readable(service: str, quantity: int, lang: str) -> tuple[str, str]:
    """A quantity as a spreadsheet shows it: the number and its unit apart (calls, GB, Mbps)."""
    if service in BANDWIDTH_SERVICES:
        return f"{Decimal(quantity) / 10**6:.2f}", "Mbps"
    if service in TRAFFIC_SERVICES:
        return f"{Decimal(quantity) / BYTES_PER_GB:.2f}", "GB"
    return str(quantity), in_language("bill_detail", lang)["calls"]


def line_region(line: BillLine, lang: str = "zh") -> str:
    """Where a line's pay-as-you-go usage was: mainland China, other regions (never drawn from
    packages), or both."""
    w = in_language("bill_detail", lang)
    return w["other"] if line.other >= line.payg_quantity and line.other else (w["mixed"] if line.other else w["mainland"])


def bill_detail_csv(lines: Sequence[BillLine], catalog: Catalog, package_skus: dict[str, str], lang: str = "zh") -> str:
    """The bill detail as one flat spreadsheet (API ``?format=csv``, the console's download, the
    CLI): a row per line and package drawn, then the line's pay-as-you-go part with its amounts,
    headers and names in ``lang``. ``package_skus``: each package id's SKU, for its name."""
    w = in_language("bill_detail", lang)
    buf = io.StringIO()
    out = spreadsheet.writer(buf)
    out.writerow([w[k] for k in ("day", "service", "region", "quantity", "unit", "source", "package_id", "list", "amount", "voucher", "cash",
                                 "supplement")])
    for line in lines:
        name = service_name(catalog, line.service, lang)
        supplement = w["yes"] if line.supplement else ""
        for d in line.drawn:
            sku = package_skus.get(d.package_id)
            out.writerow([line.day.isoformat(), name, w["mainland"], *_readable(line.service, d.quantity, lang),
                          package_name(catalog, sku, lang) if sku else d.package_id, d.package_id, "0.00", "0.00", "0.00", "0.00", supplement])
        if line.payg_quantity or line.amount:
            region = line_region(line, lang)
            listed = line.list_amount if line.list_amount is not None else line.amount
            out.writerow([line.day.isoformat(), name, region, *_readable(line.service, line.payg_quantity, lang), w["payg"], "",
                          money_json(listed), money_json(line.amount), money_json(line.paid.voucher_total), money_json(line.paid.cash),
                          supplement])
    return buf.getvalue()
