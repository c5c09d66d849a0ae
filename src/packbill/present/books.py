"""Statements and revenue for people and programs (R21, R22): JSON, CSV and a printable HTML
page in Chinese or English (the PDF is this page printed)."""

from __future__ import annotations

import io
from collections.abc import Sequence
from decimal import Decimal
from html import escape
from typing import Any

from ..domain.books import MonthClose, RevenueDay, Statement
from ..domain.catalog import BANDWIDTH_SERVICES, TRAFFIC_SERVICES, Catalog
from ..domain.days import month_days
from ..domain.model import BillLine
from ..domain.money import BYTES_PER_GB
from . import money, money_json, package_name, quantity, service_name, spreadsheet
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
        "payg": [{"service": r.service, "quantity": r.quantity, **_amounts(r)} for r in s.payg],
        "usage": [{"service": u.service, "drawn": u.drawn, "payg_quantity": u.payg_quantity, "mainland": u.mainland, "other": u.other}
                  for u in s.usage],
        "packages": [{"id": p.id, "sku": p.sku, "service": p.service, "size": p.size, "remaining": p.remaining,
                      "first_day": p.first_day.isoformat(), "last_day": p.last_day.isoformat(), "status": p.status} for p in s.packages],
        "invoiceable": money_json(s.invoiceable),
        "daily": [{"day": d.isoformat(), "amount": money_json(a), "supplements": money_json(x)} for d, a, x in s.daily],
        "late": [{"day": m.day.isoformat(), "kind": m.kind, "amount": money_json(m.amount)} for m in s.late],
    }


def statement_csv(s: Statement) -> str:
    """One CSV file: a section per table, each with its header row (opens in Excel and WPS)."""
    buf = io.StringIO()
    w = spreadsheet.writer(buf)
    w.writerow(["statement", s.number or "", "account", s.account_id, s.account_name, "month", f"{s.month:%Y-%m}", "status", s.status])
    w.writerow([])
    w.writerow(["summary", "amount"])
    for name, value in (("opening_balance", s.opening_balance), ("topups", s.topups), ("adjustments", s.adjustments),
                        ("purchases_cash", s.purchases.cash), ("refunds_cash", s.refunds.cash), ("payg_cash", s.payg_cash),
                        ("closing_balance", s.closing_balance), ("invoiceable", s.invoiceable)):
        w.writerow([name, money_json(value)])
    w.writerow([])
    w.writerow(["purchases", "list_amount", "amount", "voucher", "cash"])
    w.writerow(["purchases", *_amounts(s.purchases).values()])
    w.writerow(["refunds", *_amounts(s.refunds).values()])
    w.writerow([])
    w.writerow(["payg_service", "quantity", "list_amount", "amount", "voucher", "cash"])
    for r in s.payg:
        w.writerow([r.service, r.quantity, *_amounts(r).values()])
    w.writerow([])
    w.writerow(["usage_service", "drawn", "payg_quantity", "mainland", "other"])
    for u in s.usage:
        w.writerow([u.service, u.drawn, u.payg_quantity, u.mainland, u.other])
    w.writerow([])
    w.writerow(["package", "sku", "service", "size", "remaining", "first_day", "last_day", "status"])
    for p in s.packages:
        w.writerow([p.id, p.sku, p.service, p.size, p.remaining, p.first_day, p.last_day, p.status])
    if s.late:
        w.writerow([])
        w.writerow(["late_day", "kind", "amount"])
        for m in s.late:
            w.writerow([m.day, m.kind, money_json(m.amount)])
    return buf.getvalue()




def _table(head: Sequence[str], rows: Sequence[Sequence[str]], numeric_from: int, empty: str) -> str:
    if not rows:
        return f'<p class="empty">{escape(empty)}</p>'
    ths = "".join(f'<th class="{"num" if i >= numeric_from else ""}">{escape(h)}</th>' for i, h in enumerate(head))
    trs = "".join("<tr>" + "".join(f'<td class="{"num" if i >= numeric_from else ""}">{escape(c)}</td>' for i, c in enumerate(r)) + "</tr>"
                  for r in rows)
    return f"<table><thead><tr>{ths}</tr></thead><tbody>{trs}</tbody></table>"


STYLE = """
.statement { font-family: "Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", sans-serif; color: #1f2329; font-size: 11px; }
.statement header { display: flex; justify-content: space-between; align-items: flex-start; border-bottom: 3px solid #2f6fdf;
  padding: 0 0 8px; background: transparent; color: #1f2329; }
.statement header a { color: inherit; }
.statement h1 { font-size: 20px; margin: 0 0 4px; } .statement h2 { font-size: 13px; margin: 16px 0 6px; color: #2f6fdf; }
.statement .meta td { padding: 1px 8px 1px 0; border: none; } .statement .brand { font-weight: 700; color: #2f6fdf; font-size: 14px; }
.statement table { border-collapse: collapse; width: 100%; }
.statement th, .statement td { border-bottom: 1px solid #e5e6eb; padding: 4px 6px; text-align: left; }
.statement th { background: #f2f3f5; font-weight: 600; } .statement .num { text-align: right; font-variant-numeric: tabular-nums; }
.statement .total td { font-weight: 700; border-top: 2px solid #1f2329; } .statement .empty { color: #86909c; }
.statement .status { display: inline-block; padding: 1px 8px; border-radius: 3px; background: #fff7e8; color: #ad6800; }
.statement .status.final { background: #e8ffea; color: #237804; }
.statement footer { margin-top: 14px; color: #86909c; font-size: 10px; }
"""


def statement_html(s: Statement, catalog: Catalog, lang: str = "zh") -> str:
    """The statement as a printable A4 page: what the PDF is made of."""
    w = in_language("statement", lang)
    return f"""<!doctype html>
<html lang="{'zh-CN' if lang == 'zh' else 'en'}"><head><meta charset="utf-8">
<title>{escape(w['title'])} {s.month:%Y-%m} {escape(s.account_id)}</title>
<style>@page {{ size: A4; margin: 14mm 12mm; }} body {{ margin: 0; }} {STYLE}</style></head><body>
{statement_body_html(s, catalog, lang)}
</body></html>"""


def statement_body_html(s: Statement, catalog: Catalog, lang: str = "zh") -> str:
    """The statement's content as one ``<article class="statement">`` (the console shows it
    inside its page, the PDF prints it alone); its styles are ``STYLE``."""
    w = in_language("statement", lang)
    summary = [(w["opening"], s.opening_balance), (w["topups"], s.topups), (w["adjustments"], s.adjustments),
               (w["purchases"], -s.purchases.cash), (w["refunds"], s.refunds.cash),
               (w["payg"], -s.payg_cash), (w["closing"], s.closing_balance)]
    payg = [(service_name(catalog, r.service, lang), quantity(r.service, r.quantity, lang), money(r.list_amount), money(r.amount),
             money(r.voucher), money(r.cash)) for r in s.payg]
    usage = [(service_name(catalog, u.service, lang), quantity(u.service, u.drawn, lang), quantity(u.service, u.payg_quantity, lang),
              quantity(u.service, u.mainland, lang), quantity(u.service, u.other, lang)) for u in s.usage]
    packages = [(p.id, service_name(catalog, p.service, lang), f"{p.first_day} ~ {p.last_day}", quantity(p.service, p.size, lang),
                 quantity(p.service, p.remaining, lang), w.get(p.status, p.status)) for p in s.packages]
    chart = ""
    if s.daily:
        by_day = {d: (a, x) for d, a, x in s.daily}
        days = sorted({*month_days(s.month), *by_day})  # every day of the month, and earlier days' late usage
        zero = (Decimal(0), Decimal(0))
        chart = stacked_bars(w["daily"], [f"{d:%m-%d}" if d.day in (1, 10, 20) or d.month != s.month.month else f"{d.day}" for d in days],
                             {w["payg"]: [float(by_day.get(d, zero)[0]) for d in days],
                              w["supplement"]: [float(by_day.get(d, zero)[1]) for d in days]},
                             unit="CNY", colours={w["payg"]: "#2f6fdf", w["supplement"]: "#f08c00"}, width=680, height=220)
    status = w[s.status] if s.status in w else s.status
    late = ""
    if s.late:
        late = f"<h2>{escape(w['late_table'])}</h2>" + _table([w["day"], w["kind"], w["late_amount"]],
                                                           [(str(m.day), w.get(m.kind, m.kind), money(m.amount)) for m in s.late], 2, w["none"])
    return f"""<article class="statement">
<header><div><h1>{escape(w['title'])}</h1>
<table class="meta"><tr><td>{escape(w['account'])}</td><td>{escape(s.account_name)} ({escape(s.account_id)})</td></tr>
<tr><td>{escape(w['month'])}</td><td>{s.month:%Y-%m}</td></tr>
<tr><td>{escape(w['number'])}</td><td>{escape(s.number or '—')}</td></tr>
<tr><td>{escape(w['status'])}</td><td><span class="status {escape(s.status)}">{escape(status)}</span></td></tr></table></div>
<div class="brand">packbill</div></header>
<h2>{escape(w['summary'])}</h2>
<table><tbody>{''.join(f'<tr class="{"total" if i == len(summary) - 1 else ""}"><td>{escape(k)}</td><td class="num">{money(v)}</td></tr>'
                        for i, (k, v) in enumerate(summary))}
<tr><td>{escape(w['invoiceable'])}</td><td class="num" data-invoiceable>{money(s.invoiceable)}</td></tr></tbody></table>
<h2>{escape(w['payg_table'])}</h2>
{_table([w['service'], w['quantity'], w['list'], w['amount'], w['voucher'], w['cash']], payg, 1, w['none'])}
<h2>{escape(w['usage_table'])}</h2>
{_table([w['service'], w['drawn'], w['payg_q'], w['mainland'], w['other']], usage, 1, w['none'])}
<h2>{escape(w['packages_table'])}</h2>
{_table([w['package'], w['service'], w['validity'], w['size'], w['remaining'], w['status']], packages, 3, w['none'])}
{late}{f'<h2>{escape(w["daily"])}</h2>{chart}' if chart else ''}
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
            region = w["other"] if line.other >= line.payg_quantity and line.other else (w["mixed"] if line.other else w["mainland"])
            listed = line.list_amount if line.list_amount is not None else line.amount
            out.writerow([line.day.isoformat(), name, region, *_readable(line.service, line.payg_quantity, lang), w["payg"], "",
                          money_json(listed), money_json(line.amount), money_json(line.paid.voucher_total), money_json(line.paid.cash),
                          supplement])
    return buf.getvalue()
