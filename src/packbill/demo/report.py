"""The demo's self-contained HTML report: tables and inline SVG charts, nothing fetched."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal
from html import escape
from pathlib import Path

from ..domain.catalog import TRAFFIC_SERVICES
from ..domain.money import window_mbps
from ..present import money, package_name, quantity, service_name
from ..present.charts import PALETTE, PAYG, drawn_vs_payg, line_chart, stacked_bars
from ..present.words import words

WORDS = words("report")


def write_report(path: Path, account, views, lines, remaining_by_day: dict[date, dict[str, int]],
                 peaks: dict[date, dict[str, int]], package_cost: Decimal, billed: Decimal,
                 used: Decimal, payg_only: Decimal, seed: int, balance_by_day: dict[date, Decimal] | None = None,
                 extra_charts: tuple[str, ...] = (), catalog=None, lang: str = "zh") -> None:
    """The report, in Chinese (the default) or English."""
    def w(key: str, **values) -> str:
        text = WORDS[key][lang]
        return text.format(**values) if values else text

    def pname(sku: str) -> str:
        return package_name(catalog, sku, lang) if catalog is not None else sku

    def sname(service: str) -> str:
        return service_name(catalog, service, lang) if catalog is not None else service

    days = sorted(remaining_by_day)
    labels = [d.strftime("%d") for d in days]
    names = {v.package.id: f"{pname(v.package.sku)} ({v.package.id[-4:]})" for v in views}
    colours = {name: PALETTE[i % len(PALETTE)] for i, name in enumerate(names.values())}
    colours[w("payg")] = PAYG
    charts = []
    held = sorted({v.package.service for v in views})
    by_service = drawn_vs_payg(lines, days, names, w("payg"),
                               seed={s: [names[v.package.id] for v in views if v.package.service == s] for s in held})
    for service in held:
        series = by_service[service]
        traffic = service in TRAFFIC_SERVICES
        title = w("usage_title", service=sname(service))
        if traffic:
            title += w("no_traffic")
        charts.append(stacked_bars(title, labels, series, unit="GB" if traffic else w("calls"), colours=colours))
    remaining_series = {}
    for v in views:
        share = []
        for d in days:
            left = remaining_by_day[d].get(v.package.id)
            share.append(None if left is None else 100 * left / v.package.size)
        remaining_series[names[v.package.id]] = share
    charts.append(line_chart(w("remaining_title"), labels, remaining_series, unit="%", colours=colours))
    charts.append(line_chart(w("peak_title"), labels,
                             {w("up"): [float(window_mbps(peaks.get(d, {}).get("traffic.up", 0))) for d in days],
                              w("down"): [float(window_mbps(peaks.get(d, {}).get("traffic.down", 0))) for d in days]}, unit="Mbps"))

    if balance_by_day:
        charts.append(line_chart(w("balance_title"), labels,
                                 {w("balance"): [float(balance_by_day[d]) if d in balance_by_day else None for d in days]},
                                 unit=w("cny")))

    rows = "".join(
        f"<tr><td>{escape(pname(v.package.sku))}</td><td><small>{escape(v.package.id)}</small></td>"
        f"<td class=r>{escape(quantity(v.package.service, v.remaining, lang))} / {escape(quantity(v.package.service, v.package.size, lang))}</td>"
        f"<td><div class=bar><div style='width:{100 * v.remaining / v.package.size:.1f}%'></div></div></td>"
        f"<td><span class='badge {v.status.value}'>{w('st_' + v.status.value)}</span></td><td>{v.package.first_day}</td><td>{v.package.last_day}</td></tr>"
        for v in views
    )
    by_service: dict[str, Decimal] = defaultdict(Decimal)
    for ln in lines:
        by_service[ln.service] += ln.amount
    bill_rows = "".join(f"<tr><td>{escape(sname(s))}</td><td class=r>{money(a)}</td></tr>" for s, a in sorted(by_service.items()))
    detail = "".join(
        f"<tr><td>{ln.day}</td><td>{escape(sname(ln.service))}</td><td class=r>{escape(quantity(ln.service, ln.quantity, lang))}</td>"
        f"<td>{'<br>'.join(escape(names.get(d.package_id, d.package_id)) + f': {escape(quantity(ln.service, d.quantity, lang))}' for d in ln.drawn)}</td>"
        f"<td class=r>{escape(quantity(ln.service, ln.payg_quantity, lang))}</td><td class=r>{money(ln.amount)}</td><td>{w('supplement') if ln.supplement else ''}</td></tr>"
        for ln in lines
    )
    heading = w("month", name=escape(account.name), year=days[0].year, month=days[0].month, month_name=f"{days[0]:%B}")
    html = f"""<!doctype html>
<html lang="{'zh-CN' if lang == 'zh' else 'en'}"><head><meta charset="utf-8"><title>{w("title", name=escape(account.name))}</title>
<style>
body{{font-family:system-ui,sans-serif;max-width:980px;margin:2em auto;padding:0 1em;color:#111}}
table{{border-collapse:collapse;width:100%;margin:1em 0}} td,th{{border-bottom:1px solid #ddd;padding:4px 8px;text-align:left;font-size:14px}}
.r{{text-align:right}} .bar{{background:#eee;width:160px;height:10px;border-radius:5px}} .bar div{{background:#2563eb;height:10px;border-radius:5px}}
.badge{{padding:1px 8px;border-radius:8px;font-size:12px}} .active{{background:#dcfce7}} .frozen{{background:#cffafe}}
.exhausted{{background:#fee2e2}} .expired{{background:#e5e7eb}} .refunded{{background:#fef9c3}}
.sum td{{font-weight:600}} details{{margin:1em 0}}
</style></head><body>
<h1>{heading}</h1>
<p>{w("intro", seed=seed)}</p>
<table><tr><td>{w("bought")}</td><td class=r>{money(package_cost)} {w("cny")}</td></tr>
<tr><td>{w("billed")}</td><td class=r>{money(billed)} {w("cny")}</td></tr>
<tr><td>{w("used")}</td><td class=r>{money(used)} {w("cny")}</td></tr>
<tr class=sum><td>{w("cost")}</td><td class=r>{money(billed + used)} {w("cny")}</td></tr>
<tr><td>{w("payg_only")}</td><td class=r>{money(payg_only)} {w("cny")}</td></tr></table>
<h2>{w("packages")}</h2><table><tr><th>{w("package")}</th><th>{w("id")}</th><th class=r>{w("remaining")}</th><th></th><th>{w("status")}</th><th>{w("first_day")}</th><th>{w("last_day")}</th></tr>{rows}</table>
<h2>{w("charts")}</h2>{''.join(f'<figure>{c}</figure>' for c in [*charts, *extra_charts])}
<h2>{w("by_service")}</h2><table>{bill_rows}</table>
<details><summary>{w("every_line", n=len(lines))}</summary><table><tr><th>{w("day")}</th><th>{w("service")}</th><th class=r>{w("quantity")}</th><th>{w("drawn_from")}</th><th class=r>{w("payg")}</th><th class=r>{w("amount")}</th><th></th></tr>{detail}</table></details>
</body></html>"""
    path.write_text(html, "utf-8")
