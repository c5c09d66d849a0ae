"""Events as people read them (站内信, in Chinese or English) and as the API shows webhooks (R25)."""

from __future__ import annotations

from typing import Any

from ..domain import SHANGHAI
from ..domain.catalog import Catalog
from . import package_name, service_name

SENTENCES: dict[str, dict[str, str]] = {
    "package.bought": {"zh": "已购买 {count} 个{sku}，共 {amount} 元。", "en": "Bought {count} × {sku} for {amount} CNY."},
    "package.refunded": {"zh": "{sku}已退款 {amount} 元。", "en": "{sku} was refunded: {amount} CNY."},
    "package.expired": {"zh": "{service}资源包已到期，未用完的 {forfeited} 作废。", "en": "A {service} package expired; {forfeited} left unused is forfeited."},
    "day.settled": {"zh": "{days} 的用量已结算：{lines} 条账单，按量计费 {amount} 元。",
                    "en": "Usage of {days} was settled: {lines} bill lines, {amount} CNY pay-as-you-go."},
    "statement.final": {"zh": "{month} 月账单已出账（{number}），期末余额 {closing_balance} 元。",
                        "en": "The statement of {month} is final ({number}); closing balance {closing_balance} CNY."},
    "reminder.expiring": {"zh": "{service}资源包将于 {last_day} 到期，还剩 {remaining}，剩余 {days_left} 天。",
                          "en": "A {service} package expires on {last_day} with {remaining} left ({days_left} days to go)."},
    "reminder.low": {"zh": "{service}资源包余量已低于 {percent}%，还剩 {remaining}。", "en": "A {service} package is below {percent}%: {remaining} left."},
    "reminder.exhausted": {"zh": "{service}资源包已用完，之后的用量按量计费。", "en": "A {service} package is used up; further usage is billed pay-as-you-go."},
    "reminder.frozen": {"zh": "当前按日峰值带宽计费，{service}流量包处于冻结状态，有效期仍在流逝。",
                        "en": "On daily-peak-bandwidth billing, a {service} traffic package is frozen while its validity runs."},
    "wallet.low_balance": {"zh": "账户余额低于预警值 {threshold} 元。", "en": "The balance is below the alert threshold of {threshold} CNY."},
    "wallet.arrears": {"zh": "账户已欠费，请尽快充值，否则服务将被暂停。", "en": "The account is in arrears; top up soon or services will be suspended."},
    "wallet.suspended": {"zh": "账户欠费已超时，服务已暂停；充值后立即恢复。", "en": "Services are suspended for arrears; a top-up lifts this at once."},
    "wallet.reclaim_due": {"zh": "账户暂停已久，资源即将被回收。", "en": "The account has been suspended long; its resources are due to be reclaimed."},
    "wallet.arrears_lifted": {"zh": "欠费已结清，服务已恢复。", "en": "Arrears are paid; services are back."},
}


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
    try:
        return template.format_map(_Missing(values))
    except (ValueError, IndexError):
        return kind


class _Missing(dict):
    def __missing__(self, key: str) -> str:
        return ""


def event_time(at) -> str:
    return at.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")
