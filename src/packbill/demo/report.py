"""The demo's self-contained HTML report: tables and inline SVG charts, nothing fetched."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal
from html import escape
from pathlib import Path

from ..domain.catalog import TRAFFIC_SERVICES
from ..domain.money import window_mbps
from ..present import money, package_labels, package_name, quantity, service_name
from ..present.charts import PALETTE, PAYG, drawn_vs_payg, line_chart, stacked_bars
from ..present.words import words

WORDS = words("report")


STYLE = """
body{font-family:system-ui,sans-serif;max-width:980px;margin:2em auto;padding:0 1em;color:#111}
table{border-collapse:collapse;width:100%;margin:1em 0} td,th{border-bottom:1px solid #ddd;padding:4px 8px;text-align:left;font-size:14px}
.r{text-align:right} .bar{background:#eee;width:120px;height:10px;border-radius:5px} .bar div{background:#2563eb;height:10px;border-radius:5px}
.badge{padding:1px 8px;border-radius:8px;font-size:12px;white-space:nowrap} .nw{white-space:nowrap} .active{background:#dcfce7} .frozen{background:#cffafe}
.exhausted{background:#fee2e2} .expired{background:#e5e7eb} .refunded{background:#fef9c3}
.sum td{font-weight:600} .id{color:#6b7280} details{margin:1em 0}
"""


def write_report(path: Path, account, views, lines, remaining_by_day: dict[date, dict[str, int]],
                 peaks: dict[date, dict[str, int]], package_cost: Decimal, billed: Decimal,
                 used: Decimal, payg_only: Decimal, seed: int, balance_by_day: dict[date, Decimal] | None = None,
                 extra_charts: tuple[str, ...] = (), catalog=None, lang: str = "zh", figures=None, advice=None,
                 forecasts: dict[str, str] | None = None, controls: tuple[tuple[date, str], ...] = ()) -> None:
    """The report, in Chinese (the default) or English: with ``figures`` the month's money and
    books, with ``advice`` what to buy next, ``forecasts`` each package's (R29, a sentence by package
    id) and ``controls`` what auto-rebuy and the budget did (R28, R30: each message's day and sentence)."""
    r = _Report(lang, catalog, views, sorted(remaining_by_day))
    charts = [*r.charts(lines, remaining_by_day, peaks, balance_by_day or {}), *extra_charts]
    w = r.w
    heading = w("month", name=escape(account.name), year=r.days[0].year, month=r.days[0].month, month_name=f"{r.days[0]:%B}")
    summary = [("bought", package_cost, ""), ("billed", billed, ""), ("used", used, ""), ("cost", billed + used, " class=sum"),
               ("payg_only", payg_only, "")]
    html = f"""<!doctype html>
<html lang="{'zh-CN' if lang == 'zh' else 'en'}"><head><meta charset="utf-8"><title>{w("title", name=escape(account.name))}</title>
<style>{STYLE}</style></head><body>
<h1>{heading}</h1>
<p>{w("intro", seed=seed)}</p>
<table>{''.join(f'<tr{cls}><td>{w(key)}</td><td class=r>{money(v)} {w("cny")}</td></tr>' for key, v, cls in summary)}</table>
{r.money_section(figures) if figures is not None else ""}
{r.advice_section(advice) if advice is not None else ""}
<h2>{w("packages")}</h2><table>{r.head("package", ">remaining", "", "status", "first_day", "last_day", "forecast")}
{r.package_rows(forecasts or {})}</table>
{r.controls_section(controls)}
<h2>{w("charts")}</h2>{''.join(f'<figure>{c}</figure>' for c in charts)}
<h2>{w("by_service")}</h2><table>{r.bill_rows(lines)}</table>
<details><summary>{w("every_line", n=len(lines))}</summary><table>
{r.head("day", "service", ">quantity", "drawn_from", ">payg", ">amount", "")}{r.line_rows(lines)}</table></details>
</body></html>"""
    path.write_text(html, "utf-8")


class _Report:
    """The report's words and parts, in one language."""

    def __init__(self, lang: str, catalog, views, days: list[date]) -> None:
        self.lang, self.catalog, self.views, self.days = lang, catalog, views, days
        self.names = package_labels(catalog, (v.package for v in views), lang)
        self.colours = {name: PALETTE[i % len(PALETTE)] for i, name in enumerate(self.names.values())}
        self.colours[self.w("payg")] = PAYG

    def w(self, key: str, **values) -> str:
        text = WORDS[key][self.lang]
        return text.format(**values) if values else text

    def pname(self, sku: str) -> str:
        return package_name(self.catalog, sku, self.lang) if self.catalog is not None else sku

    def sname(self, service: str) -> str:
        return service_name(self.catalog, service, self.lang) if self.catalog is not None else service

    def q(self, service: str, amount: int) -> str:
        return escape(quantity(service, amount, self.lang))

    def head(self, *keys: str) -> str:
        """A header row; a key starting with ``>`` is a right-aligned column."""
        return "<tr>" + "".join(f"<th class=r>{self.w(k[1:])}</th>" if k.startswith(">") else f"<th>{self.w(k) if k else ''}</th>"
                                for k in keys) + "</tr>"

    def charts(self, lines, remaining_by_day, peaks, balance_by_day) -> list[str]:
        w, days = self.w, self.days
        labels = [d.strftime("%d") for d in days]
        held = sorted({v.package.service for v in self.views})
        by_service = drawn_vs_payg(lines, days, self.names, w("payg"),
                                   seed={s: [self.names[v.package.id] for v in self.views if v.package.service == s] for s in held})
        charts = []
        for service in held:
            traffic = service in TRAFFIC_SERVICES
            title = w("usage_title", service=self.sname(service)) + (w("no_traffic") if traffic else "")
            charts.append(stacked_bars(title, labels, by_service[service], unit="GB" if traffic else w("calls"), colours=self.colours))
        remaining = {self.names[v.package.id]: [None if (left := remaining_by_day[d].get(v.package.id)) is None else 100 * left / v.package.size
                                                for d in days] for v in self.views}
        charts.append(line_chart(w("remaining_title"), labels, remaining, unit="%", colours=self.colours))
        charts.append(line_chart(w("peak_title"), labels,
                                 {w("up"): [float(window_mbps(peaks.get(d, {}).get("traffic.up", 0))) for d in days],
                                  w("down"): [float(window_mbps(peaks.get(d, {}).get("traffic.down", 0))) for d in days]}, unit="Mbps"))
        if balance_by_day:
            charts.append(line_chart(w("balance_title"), labels,
                                     {w("balance"): [float(balance_by_day[d]) if d in balance_by_day else None for d in days]}, unit=w("cny")))
        return charts

    def money_section(self, f) -> str:
        """Top-ups, vouchers, arrears, the closing balance, the statement, revenue and the close."""
        w, cny = self.w, self.w("cny")
        st, close = f.statement, f.close
        payg = sum((r.statements_payg for r in close.rows), Decimal(0))
        revenue = sum((r.revenue_payg for r in close.rows), Decimal(0))
        rows = [(w("topups"), f"{money(f.topups)} {cny}"), (w("vouchers_used"), f"{money(f.vouchers_used)} {cny}"),
                (w("arrears_days"), "、".join(str(d) for d in f.arrears_days) if self.lang == "zh" else ", ".join(str(d) for d in f.arrears_days)
                 or w("none")),
                (w("closing_cash"), f"{money(f.cash)} {cny}"),
                (w("statement"), w("statement_line", number=st.number or "—", closing=money(st.closing_balance), invoiceable=money(st.invoiceable))),
                (w("recognised"), f"{money(f.recognised)} {cny}"), (w("deferred"), f"{money(f.deferred)} {cny}"),
                (w("close"), w("close_line" if close.balanced else "close_unbalanced", payg=money(payg), revenue=money(revenue),
                               opening=money(close.deferred_opening), closing=money(close.deferred_closing)))]
        if not f.arrears_days:
            rows[2] = (w("arrears_days"), w("none"))
        for g in st.group:  # R32: what the first kitchen's wallet paid for the second
            rows.insert(5, (w("group_member"), w("group_line", name=g.name, total=money(g.total), cash=money(g.cash))))
        return (f"<h2>{w('money')}</h2><table id=money>" + "".join(f"<tr><td>{k}</td><td class=r>{escape(v)}</td></tr>" for k, v in rows)
                + "</table>")

    def advice_section(self, view) -> str:
        """What to buy for the next months (R27): each purchase with why, and the costs with and without."""
        from ..present.advice import reason

        w, a = self.w, view.advice
        if not view.plan:
            body = f"<p>{w('advice_none')}</p>"
        else:
            body = ("<table id=advice>" + self.head("buy_on", "package", ">count", "why")
                    + "".join(f"<tr><td>{p.buy_on}</td><td>{escape(self.pname(p.sku))}</td><td class=r>{p.count}</td>"
                              f"<td>{escape(reason(p, self.catalog, self.lang))}</td></tr>" for p in view.plan) + "</table>")
        if view.switch_first:
            body = f"<p id=switch-first>{w('advice_switch')}</p>" + body
        body += f"<p>{w('advice_costs', with_plan=money(a.total('with_plan')), without=money(a.total('without_plan')), forfeited=money(a.forfeited))}</p>"
        return f"<h2>{w('advice', months=view.months)}</h2>{body}"

    def controls_section(self, controls: tuple[tuple[date, str], ...]) -> str:
        if not controls:
            return ""
        items = "".join(f"<li id=control-{i}><b>{day}</b> {escape(text)}</li>" for i, (day, text) in enumerate(controls))
        return f"<h2 id=controls>{self.w('controls')}</h2><p>{self.w('controls_intro')}</p><ul>{items}</ul>"

    def package_rows(self, forecasts: dict[str, str]) -> str:
        return "".join(
            f"<tr><td>{escape(self.pname(v.package.sku))}<br><small class=id>{escape(v.package.id)}</small></td>"
            f"<td class='r nw'>{self.q(v.package.service, v.remaining)} / {self.q(v.package.service, v.package.size)}</td>"
            f"<td><div class=bar><div style='width:{100 * v.remaining / v.package.size:.1f}%'></div></div></td>"
            f"<td><span class='badge {v.status.value}'>{self.w('st_' + v.status.value)}</span></td>"
            f"<td class=nw>{v.package.first_day}</td><td class=nw>{v.package.last_day}</td>"
            f"<td><small>{escape(forecasts.get(v.package.id, ''))}</small></td></tr>"
            for v in self.views)

    def bill_rows(self, lines) -> str:
        by_service: dict[str, Decimal] = defaultdict(Decimal)
        for ln in lines:
            by_service[ln.service] += ln.amount
        return "".join(f"<tr><td>{escape(self.sname(s))}</td><td class=r>{money(a)}</td></tr>" for s, a in sorted(by_service.items()))

    def line_rows(self, lines) -> str:
        def drawn(ln) -> str:
            return "<br>".join(f"{escape(self.names.get(d.package_id, d.package_id))}: {self.q(ln.service, d.quantity)}" for d in ln.drawn)

        return "".join(
            f"<tr><td>{ln.day}</td><td>{escape(self.sname(ln.service))}</td><td class=r>{self.q(ln.service, ln.quantity)}</td>"
            f"<td>{drawn(ln)}</td><td class=r>{self.q(ln.service, ln.payg_quantity)}</td><td class=r>{money(ln.amount)}</td>"
            f"<td>{self.w('supplement') if ln.supplement else ''}</td></tr>"
            for ln in lines)
