"""The demo's self-contained HTML report: tables and inline SVG charts, nothing fetched."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal
from html import escape
from pathlib import Path

from ..domain.money import window_mbps
from ..present import money, quantity
from ..present.charts import line_chart, stacked_bars
from ..present.charts import PALETTE, PAYG


def write_report(path: Path, account, views, lines, remaining_by_day: dict[date, dict[str, int]],
                 peaks: dict[date, dict[str, int]], package_cost: Decimal, billed: Decimal,
                 used: Decimal, payg_only: Decimal, seed: int, balance_by_day: dict[date, Decimal] | None = None,
                 extra_charts: tuple[str, ...] = ()) -> None:
    days = sorted(remaining_by_day)
    labels = [d.strftime("%d") for d in days]
    names = {v.package.id: f"{v.package.sku} ({v.package.id[-4:]})" for v in views}
    colours = {name: PALETTE[i % len(PALETTE)] for i, name in enumerate(names.values())}
    colours["pay-as-you-go"] = PAYG
    charts = []
    for service in sorted({v.package.service for v in views}):
        per_package: dict[str, list[float]] = {names[v.package.id]: [0.0] * len(days) for v in views if v.package.service == service}
        payg = [0.0] * len(days)
        scale = 1e9 if service.startswith("traffic.") else 1
        for l in lines:
            if l.service != service or l.day not in remaining_by_day:
                continue
            i = days.index(l.day)
            for d in l.drawn:
                per_package[names[d.package_id]][i] += d.quantity / scale
            payg[i] += l.payg_quantity / scale
        series = {**per_package, "pay-as-you-go": payg}
        title = f"{service}: daily usage drawn from each package vs pay-as-you-go"
        if scale > 1:
            title += " (none on daily-peak-bandwidth days)"
        charts.append(stacked_bars(title, labels, series, unit="GB" if scale > 1 else "calls", colours=colours))
    remaining_series = {}
    for v in views:
        share = []
        for d in days:
            left = remaining_by_day[d].get(v.package.id)
            share.append(None if left is None else 100 * left / v.package.size)
        remaining_series[names[v.package.id]] = share
    charts.append(line_chart("Each package's remaining (% of its size) at the end of each day", labels, remaining_series, unit="%",
                             colours=colours))
    charts.append(line_chart("Daily peak bandwidth (largest 5-minute window, all regions)", labels,
                             {"upstream": [float(window_mbps(peaks.get(d, {}).get("traffic.up", 0))) for d in days],
                              "downstream": [float(window_mbps(peaks.get(d, {}).get("traffic.down", 0))) for d in days]}, unit="Mbps"))

    if balance_by_day:
        charts.append(line_chart("Cash balance after each morning's settlement (CNY): prepaid, charged daily, topped up when in arrears",
                                 labels, {"balance": [float(balance_by_day[d]) if d in balance_by_day else None for d in days]},
                                 unit="CNY"))

    rows = "".join(
        f"<tr><td>{escape(v.package.id)}</td><td>{escape(v.package.sku)}</td>"
        f"<td class=r>{escape(quantity(v.package.service, v.remaining))} / {escape(quantity(v.package.service, v.package.size))}</td>"
        f"<td><div class=bar><div style='width:{100 * v.remaining / v.package.size:.1f}%'></div></div></td>"
        f"<td><span class='badge {v.status.value}'>{v.status.value}</span></td><td>{v.package.first_day}</td><td>{v.package.last_day}</td></tr>"
        for v in views
    )
    by_service: dict[str, Decimal] = defaultdict(Decimal)
    for l in lines:
        by_service[l.service] += l.amount
    bill_rows = "".join(f"<tr><td>{escape(s)}</td><td class=r>{money(a)}</td></tr>" for s, a in sorted(by_service.items()))
    detail = "".join(
        f"<tr><td>{l.day}</td><td>{escape(l.service)}</td><td class=r>{escape(quantity(l.service, l.quantity))}</td>"
        f"<td>{'<br>'.join(escape(names.get(d.package_id, d.package_id)) + f': {escape(quantity(l.service, d.quantity))}' for d in l.drawn)}</td>"
        f"<td class=r>{escape(quantity(l.service, l.payg_quantity))}</td><td class=r>{money(l.amount)}</td><td>{'supplement' if l.supplement else ''}</td></tr>"
        for l in lines
    )
    html = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>packbill demo: {escape(account.name)}</title>
<style>
body{{font-family:system-ui,sans-serif;max-width:980px;margin:2em auto;padding:0 1em;color:#111}}
table{{border-collapse:collapse;width:100%;margin:1em 0}} td,th{{border-bottom:1px solid #ddd;padding:4px 8px;text-align:left;font-size:14px}}
.r{{text-align:right}} .bar{{background:#eee;width:160px;height:10px;border-radius:5px}} .bar div{{background:#2563eb;height:10px;border-radius:5px}}
.badge{{padding:1px 8px;border-radius:8px;font-size:12px}} .active{{background:#dcfce7}} .frozen{{background:#cffafe}}
.exhausted{{background:#fee2e2}} .expired{{background:#e5e7eb}} .refunded{{background:#fef9c3}}
.sum td{{font-weight:600}} details{{margin:1em 0}}
</style></head><body>
<h1>{escape(account.name)}: {days[0]:%B %Y}</h1>
<p>Simulated with seed {seed}. Every day was settled the next morning; late usage was settled as a supplement to its own day.</p>
<table><tr><td>packages bought (each valid a year)</td><td class=r>{money(package_cost)} CNY</td></tr>
<tr><td>billed this month (pay-as-you-go and peak bandwidth)</td><td class=r>{money(billed)} CNY</td></tr>
<tr><td>package value used this month (drawn quantity at each package's price)</td><td class=r>{money(used)} CNY</td></tr>
<tr class=sum><td>the month's usage cost</td><td class=r>{money(billed + used)} CNY</td></tr>
<tr><td>the same month with pay-as-you-go only</td><td class=r>{money(payg_only)} CNY</td></tr></table>
<h2>Packages</h2><table><tr><th>package</th><th>sku</th><th class=r>remaining</th><th></th><th>status</th><th>first day</th><th>last day</th></tr>{rows}</table>
<h2>Charts</h2>{''.join(f'<figure>{c}</figure>' for c in [*charts, *extra_charts])}
<h2>Bill by service</h2><table>{bill_rows}</table>
<details><summary>Every bill line ({len(lines)})</summary><table><tr><th>day</th><th>service</th><th class=r>quantity</th><th>drawn from</th><th class=r>pay-as-you-go</th><th class=r>amount</th><th></th></tr>{detail}</table></details>
</body></html>"""
    path.write_text(html, "utf-8")
