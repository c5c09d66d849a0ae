"""Events as people read them (站内信, in Chinese or English) and as the API shows webhooks (R25)."""

from __future__ import annotations

from datetime import date, datetime
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
    """One event as a sentence a customer understands. An older event may lack a figure: the
    first sentence whose figures it has is used (kind, kind:plain, kind:bare), never one with a gap."""
    lang = lang if lang in ("zh", "en") else "zh"
    if SENTENCES.get(kind, {}).get(lang) is None:
        return kind
    values = _values(kind, data, catalog, lang)
    text = kind
    for variant in (kind, f"{kind}:plain", f"{kind}:bare"):
        shape = SENTENCES.get(variant, {}).get(lang)
        if shape is None:
            continue
        missing = _Missing(values)
        try:
            text = shape.format_map(missing)
        except (ValueError, IndexError):
            return kind
        if not missing.lacked:
            break
    return text


def _values(kind: str, data: dict[str, Any], catalog: Catalog, lang: str) -> dict[str, Any]:
    """An event's figures as its sentence writes them: names, quantities, ranges, amounts."""
    service = data.get("service")
    if service is None and data.get("sku"):
        service = str(data["sku"]).rsplit(".", 1)[0]
    values = {k: ("" if v is None else v) for k, v in data.items()}
    values["service"] = service_name(catalog, service, lang) if service else ""
    if lang == "en":  # a service is named mid-sentence in English: "further upstream traffic usage"
        values["service"] = values["service"][:1].lower() + values["service"][1:]
    if data.get("sku"):
        values["sku"] = package_name(catalog, str(data["sku"]), lang)
    if "remaining" in data:
        values["remaining"] = _quantity(service, data["remaining"], lang)
    if "forfeited_quantity" in data:
        values["forfeited"] = _quantity(service, data["forfeited_quantity"], lang)
    if "forfeit_quantity" in data:
        from . import rough_quantity

        try:
            values["forfeit"] = rough_quantity(service or "", int(data["forfeit_quantity"]), lang)
        except (TypeError, ValueError):
            values["forfeit"] = str(data["forfeit_quantity"])
    if "capacity" in data:
        values["capacity"] = _quantity(service, data["capacity"], lang)
    if "threshold" in data and kind in ("reminder.low", "reminder.package_low"):
        values["percent"] = f"{float(data['threshold']) * 100:g}"
    if "days" in data and isinstance(data["days"], list):
        values["days"] = days_text(data["days"], lang)
    if data.get("first_day") and data.get("last_day"):
        values["validity"] = _dates(day_range, data["first_day"], data["last_day"], lang)
    if data.get("suspend_at"):
        values["deadline"] = _moment(data["suspend_at"])
    if isinstance(data.get("reverses"), list):
        values["reversed"] = ("、" if lang == "zh" else ", ").join(str(n) for n in data["reverses"])
    if kind == "reminder.rebuy_failed":
        reason = str(data.get("reason") or "")
        why = SENTENCES.get(f"rebuy_why:{reason}") or SENTENCES["rebuy_why:other"]
        values["why"] = why[lang].format_map(_Missing({**values, **_amounts(data)}))
    values.update(_amounts(data))  # amounts as people read them: 1,319.27
    return values


MONEY_FIELDS = {"amount", "balance", "threshold", "owed", "closing_balance", "list_amount", "estimated_balance", "forfeit_value",
                "median", "spent", "budget", "forecast", "monthly", "monthly_cap", "spent_this_month", "net", "tax"}


def _amounts(data: dict[str, Any]) -> dict[str, str]:
    out = {}
    for key in MONEY_FIELDS & set(data):
        try:
            out[key] = money(Decimal(str(data[key])))
        except (ArithmeticError, ValueError):
            pass
    return out


class _Missing(dict):
    """The values of a sentence; one it names and the event lacks (an older event) reads as empty,
    and is noted, so that the sentence without figures can be used instead."""

    lacked = False

    def __missing__(self, key: str) -> str:
        self.lacked = True
        return ""


def day_range(first: date, last: date, lang: str) -> str:
    """Days from ``first`` to ``last`` as people write them: "11-06 至 12-05，共 30 天" (the year
    written out when the range crosses one); one day is just that day."""
    if first == last:
        return first.isoformat()
    shown = (f"{first:%m-%d}", f"{last:%m-%d}") if first.year == last.year else (first.isoformat(), last.isoformat())
    return SENTENCES["range"][lang].format(first=shown[0], last=shown[1], days=(last - first).days + 1)


def days_text(days: list[str], lang: str) -> str:
    """Settled days as ranges: 2026-10-20, 2026-10-21 and 2026-10-23 read "10-20 至 10-21，共 2 天、2026-10-23"."""
    try:
        ordered = sorted({date.fromisoformat(d) for d in days})
    except (TypeError, ValueError):
        return ", ".join(map(str, days))
    runs: list[list[date]] = []
    for d in ordered:
        if runs and (d - runs[-1][-1]).days == 1:
            runs[-1].append(d)
        else:
            runs.append([d])
    return ("、" if lang == "zh" else "; ").join(day_range(r[0], r[-1], lang) for r in runs)


def _dates(write, first: Any, last: Any, lang: str) -> str:
    try:
        return write(date.fromisoformat(str(first)), date.fromisoformat(str(last)), lang)
    except ValueError:
        return f"{first} – {last}"


def _moment(value: Any) -> str:
    try:
        return event_time(datetime.fromisoformat(str(value)))
    except ValueError:
        return str(value)


def event_time(at) -> str:
    return at.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")
