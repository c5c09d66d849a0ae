"""Events as people read them (站内信, in Chinese or English) and as the API shows webhooks (R25)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from ..domain.catalog import Catalog
from ..domain.days import SHANGHAI
from . import money, package_name, service_name
from .words import words

SENTENCES = words("messages")


def _quantity(service: str | None, value: Any, lang: str) -> str:
    from . import quantity

    try:
        return quantity(service or "", int(value), lang)
    except (TypeError, ValueError):
        return str(value)


def sentence(kind: str, data: dict[str, Any], catalog: Catalog, lang: str) -> str:
    """One event as a sentence a customer understands."""
    lang = lang if lang in ("zh", "en") else "zh"
    template = SENTENCES.get(kind, {}).get(lang)
    if template is None:
        return kind
    service = data.get("service")
    if service is None and data.get("sku"):
        service = str(data["sku"]).rsplit(".", 1)[0]
    values = {k: ("" if v is None else v) for k, v in data.items()}
    values["service"] = service_name(catalog, service, lang) if service else ""
    if data.get("sku"):
        values["sku"] = package_name(catalog, str(data["sku"]), lang)
    if "remaining" in data:
        values["remaining"] = _quantity(service, data["remaining"], lang)
    if "forfeited_quantity" in data:
        values["forfeited"] = _quantity(service, data["forfeited_quantity"], lang)
    if "threshold" in data and kind == "reminder.low":
        values["percent"] = f"{float(data['threshold']) * 100:g}"
    if "days" in data and isinstance(data["days"], list):
        values["days"] = "、".join(data["days"]) if lang == "zh" else ", ".join(data["days"])
    for key in MONEY_FIELDS & set(data):  # amounts as people read them: 1,319.27
        try:
            values[key] = money(Decimal(str(data[key])))
        except (ArithmeticError, ValueError):
            pass
    missing = _Missing(values)
    try:
        text = template.format_map(missing)
    except (ValueError, IndexError):
        return kind
    plain = SENTENCES.get(f"{kind}:plain", {}).get(lang)
    return plain if missing.lacked and plain is not None else text


MONEY_FIELDS = {"amount", "balance", "threshold", "owed", "closing_balance", "list_amount", "estimated_balance"}


class _Missing(dict):
    """The values of a sentence; one it names and the event lacks (an older event) reads as empty,
    and is noted, so that the sentence without figures can be used instead."""

    lacked = False

    def __missing__(self, key: str) -> str:
        self.lacked = True
        return ""


def event_time(at) -> str:
    return at.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")
