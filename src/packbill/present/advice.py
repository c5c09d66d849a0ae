"""The advisor's answer for programs and people (R27)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from ..domain.catalog import Catalog
from . import money_json, service_name


def _unit_price(value: Decimal) -> str:
    return f"{value.quantize(Decimal('0.000001'), rounding=ROUND_HALF_UP).normalize():f}"


def reason(buy, catalog: Catalog, lang: str = "en") -> str:
    """One sentence: how long it lasts and what a unit then costs."""
    service, payg, unit, months = buy.reason
    per = ("GB" if service.startswith("traffic.") else ("次" if lang == "zh" else "call"))
    name = service_name(catalog, service, lang)
    months_text = f"{float(months):.1f}".rstrip("0").rstrip(".")
    if lang == "zh":
        return f"约可覆盖 {months_text} 个月的{name}用量，单价由 {_unit_price(payg)} 降至 {_unit_price(unit)} 元/{per}"
    return f"covers about {months_text} months of {name} at {_unit_price(payg)} → {_unit_price(unit)} CNY a {per}"


def advice_json(view, catalog: Catalog, lang: str = "en") -> dict[str, Any]:
    a = view.advice
    w = view.what_if
    return {
        "source": view.source,
        "horizon_months": view.months,
        "plan": [{"sku": p.sku, "service": p.service, "count": p.count, "buy_on": p.buy_on.isoformat(), "reason": reason(p, catalog, lang)}
                 for p in view.plan],
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
        },
    }
