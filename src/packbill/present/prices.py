"""Price versions (R31) as people and programs read them: what a version changes, in words."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from ..domain.catalog import PRICE_UNIT_LABEL, Catalog
from ..domain.catalog_versions import Change
from . import money, money_json, package_name, service_name

UNIT_ZH = {"call": "次", "GB": "GB", "Mbps/day": "Mbps·天"}


def changes_json(changes) -> list[dict[str, Any]]:
    """Each change as the API writes it: prices as decimal strings, tiers as [{up_to, price}]."""
    return [{"kind": c.kind, "key": c.key, "before": _json(c.before), "after": _json(c.after)} for c in changes]


def _json(value) -> Any:
    """Tiers as the catalog writes them; a package's price as money ("250.00")."""
    if isinstance(value, tuple):
        return [{"up_to": up_to, "price": f"{price:f}"} for up_to, price in value]
    return None if value is None else money_json(value)


def change_words(c: Change, catalog: Catalog, lang: str = "zh") -> str:
    """One change as a sentence: "宠物识别资源包-10万次：250.00 → 200.00 元" / "Pet recognition,
    100,000 calls: 250.00 → 200.00 CNY"; a service's price per unit; a package added or retired."""
    zh = lang == "zh"
    if c.kind == "price":
        unit = PRICE_UNIT_LABEL[catalog.services[c.key].unit] if c.key in catalog.services else ""
        per = f" 元/{UNIT_ZH.get(unit, unit)}" if zh else f" CNY per {unit}"
        return f"{service_name(catalog, c.key, lang)}{'按量价格' if zh else ' pay-as-you-go'}{'：' if zh else ': '}" \
               f"{_tiers(c.before, zh)} → {_tiers(c.after, zh)}{per}"
    name = package_name(catalog, c.key, lang)
    if c.kind == "package_price":
        return f"{name}：{money(c.before)} → {money(c.after)} 元" if zh else f"{name}: {money(c.before)} → {money(c.after)} CNY"
    if c.kind == "added":
        return f"新增 {name}，{money(c.after)} 元" if zh else f"new: {name}, {money(c.after)} CNY"
    return f"{name} 停售（已购资源包照常使用）" if zh else f"{name} no longer sold (packages held keep working)"


def _tiers(value, zh: bool) -> str:
    if not isinstance(value, tuple):
        return ""
    if len(value) == 1:
        return _price(value[0][1])
    return " / ".join(f"{_price(p)}{('（' + f'{u:,} 以内' + '）') if zh and u else f' (below {u:,})' if u else ''}" for u, p in value)


def _price(p: Decimal) -> str:
    return f"{p.normalize():f}" if p != p.to_integral() else f"{p:.2f}"
