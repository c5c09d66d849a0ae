"""The advisor's answer for programs and people (R27)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from ..domain.catalog import Catalog
from . import money, money_json, package_name
from .words import in_language


def _unit_price(value: Decimal) -> str:
    return f"{value.quantize(Decimal('0.000001'), rounding=ROUND_HALF_UP).normalize():f}"


def reason(buy, catalog: Catalog, lang: str = "en") -> str:
    """One sentence: the package by its name, what buying it saves, and what a unit then costs."""
    service, payg, unit, _ = buy.reason
    per = ("GB" if service.startswith("traffic.") else ("次" if lang == "zh" else "call"))
    name = package_name(catalog, buy.sku, lang)
    if lang == "zh":
        return (f"买 {buy.count} 个{name}，省 {money(buy.saving)} 元"
                f"（单价由 {_unit_price(payg)} 元/{per} 降至 {_unit_price(unit)} 元/{per}）")
    return (f"{buy.count} × “{name}” save {money(buy.saving)} CNY "
            f"({_unit_price(payg)} → {_unit_price(unit)} CNY a {per})")




def cost_chart(view, lang: str = "en") -> str | None:
    """The running total of the projected cost with and without the plan, month by month."""
    from .charts import line_chart

    a = view.advice
    if not a.services:
        return None
    w = in_language("advice", lang)
    title, with_name, without_name = w["chart_title"], w["with_plan"], w["without_plan"]

    def running(values):
        total, out = Decimal(0), []
        for v in values:
            total += v
            out.append(float(total))
        return out

    labels = [start.strftime("%m-%d") for start in view.horizon.starts[:-1]]
    return line_chart(title.format(n=view.months), labels, {with_name: running(a.monthly("with_plan")),
                                                           without_name: running(a.monthly("without_plan"))},
                      unit="元" if lang == "zh" else "CNY", colours={with_name: "#16a34a", without_name: "#dc2626"})


def advice_json(view, catalog: Catalog, lang: str = "en") -> dict[str, Any]:
    a = view.advice
    w = view.what_if
    return {
        "source": view.source,
        "method": view.method,
        "enough_usage": view.enough_usage,
        "forecast": {service: list(months) for service, months in view.forecast.items()},
        "optimal": a.gap == 0.0,
        "gap": round(a.gap, 6),
        "horizon_months": view.months,
        "plan": [{"sku": p.sku, "name": package_name(catalog, p.sku, lang), "service": p.service, "count": p.count,
                  "buy_on": p.buy_on.isoformat(), "reason": reason(p, catalog, lang), "reason_zh": reason(p, catalog, "zh"),
                  "saving": money_json(p.saving)} for p in view.plan],
        "cost_with_plan": money_json(a.total("with_plan")),
        "cost_without_plan": money_json(a.total("without_plan")),
        "saving": money_json(a.total("without_plan") - a.total("with_plan")),
        "forfeited": money_json(a.forfeited),
        "sensitivity": {"minus_20": money_json(a.total("lower")), "plus_20": money_json(a.total("higher"))},
        "services": [{"service": s.service, "cost_with_plan": money_json(s.with_plan.total), "cost_without_plan": money_json(s.without_plan.total),
                      "forfeited": money_json(s.with_plan.forfeited), "monthly_usage": list(s.need.mainland)} for s in a.services],
        "excluded": list(view.excluded),
        "traffic_billing": None if w is None else {
            "days": w.days, "traffic": money_json(w.traffic), "daily_peak_bandwidth": money_json(w.bandwidth), "cheaper": w.cheaper,
            "break_even": str(w.break_even_hours), "current": view.traffic_billing.value,
            "recommendation": "stay" if w.cheaper == view.traffic_billing.value else "switch",
            "switch_first": view.switch_first,
        },
    }
