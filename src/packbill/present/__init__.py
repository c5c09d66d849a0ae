"""How packbill shows things to people and programs: one place for every edge.

The API's JSON, the CLI's tables and files, the console's pages and the demo's report all
write quantities, money, service names and reminders through these functions, so a number
reads the same everywhere:

- quantities with their unit: "12,345 calls" / "12,345 次", "1.5 GB", "0.80 Mbps";
- peak bandwidth for people in Mbps to two decimals; in JSON as the contract's decimal string
  in Mbps to six decimals (trailing zeros dropped: "0.8");
- money for people with thousands separators ("2,200.00"), in JSON as the contract's plain
  decimal string ("2200.00");
- service names as the catalog's Chinese or English names.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from ..domain import catalog_versions
from ..domain.catalog import AI_SERVICES, BANDWIDTH_SERVICES, PRICE_UNIT_LABEL, TRAFFIC_SERVICES, Catalog
from ..domain.days import SHANGHAI, Validity
from ..domain.model import BillLine, Package
from ..domain.money import BYTES_PER_GB, CENT, bps_to_mbps
from ..domain.package_forecast import PackageForecast
from ..domain.reference import PackageView
from ..domain.reminders import Reminder

LANGS = ("zh", "en")


# -- numbers for people -------------------------------------------------------------------------

def money(amount: Decimal) -> str:
    """CNY for people: "2,200.00"."""
    return f"{amount.quantize(CENT, rounding=ROUND_HALF_UP):,}"


BEIJING = {"zh": "北京时间", "en": "Beijing time"}
"""How a view says, once, that its times are Asia/Shanghai (UTC+8)."""


def beijing(at: datetime | None, seconds: bool = False) -> str:
    """A moment as people in China read it: Beijing time, "2026-11-02 10:00"."""
    if at is None:
        return ""
    return at.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")


def mbps(bps: int, places: int = 2) -> str:
    """A bandwidth in whole bit/s as Mbps for people: "23.75 Mbps"."""
    value = (Decimal(bps) / 10**6).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    return f"{value:,} Mbps"


def quantity(service: str, amount: int, lang: str = "en") -> str:
    """A quantity with its unit: calls (次), bytes as GB or TB, bandwidth in Mbps."""
    if service in BANDWIDTH_SERVICES:
        return mbps(amount)
    if service in TRAFFIC_SERVICES:
        gb = Decimal(amount) / BYTES_PER_GB
        if gb >= 1000:  # two places throughout, so that a column's figures line up and compare
            return f"{(gb / 1000).quantize(CENT, rounding=ROUND_HALF_UP):,f} TB"
        return f"{gb.quantize(CENT, rounding=ROUND_HALF_UP):,f} GB"
    return f"{amount:,} 次" if lang == "zh" else f"{amount:,} calls"


def size(service: str, amount: int, lang: str = "en") -> str:
    """A package's size as its name says it: "100 GB", "1 TB", "100,000 calls" (no trailing zeros)."""
    if service in TRAFFIC_SERVICES:
        gb = Decimal(amount) / BYTES_PER_GB
        return f"{(gb / 1000).normalize():,f} TB" if gb >= 1000 else f"{gb.normalize():,f} GB"
    return quantity(service, amount, lang)


def service_name(catalog: Catalog, service: str, lang: str = "en") -> str:
    price = catalog.services.get(service)
    if price is None:
        return service
    return price.name_zh if lang == "zh" else price.name_en


def package_name(catalog: Catalog, sku: str, lang: str = "en") -> str:
    """A package type as people call it: "人脸检测资源包-10万次" / "Face detection, 100,000 calls"."""
    item = catalog.described(sku)  # a retired package is named as it was sold (R31)
    if item is None:
        return sku
    if lang == "zh" and item.label_zh:
        return item.label_zh
    name = service_name(catalog, item.service, lang)
    return f"{name}资源包-{size(item.service, item.size, lang)}" if lang == "zh" else f"{name}, {size(item.service, item.size, lang)}"


def package_labels(catalog: Catalog, packages: Iterable[Package], lang: str = "en") -> dict[str, str]:
    """Each package's name where several are shown together (a chart's legend, a bill line's
    draws): its type as people call it, and, when the account holds more than one of that type,
    the day it took effect (as the package list shows it), then its place among those bought for
    the same day: "明厨亮灶资源包-10万次（2026-10-11 起）", "Kitchen compliance, 100,000 calls
    (from 2026-10-11, no. 2)". Keyed by package id."""
    by_sku: dict[str, list[Package]] = {}
    for package in sorted(packages, key=lambda p: (p.purchased_at, p.seq)):
        by_sku.setdefault(package.sku, []).append(package)
    labels = {}
    for sku, held in by_sku.items():
        name = package_name(catalog, sku, lang)
        days = Counter(p.first_day for p in held)
        nth: Counter[date] = Counter()
        for p in held:
            nth[p.first_day] += 1
            if len(held) == 1:
                labels[p.id] = name
            elif days[p.first_day] == 1:
                labels[p.id] = f"{name}（{p.first_day} 起）" if lang == "zh" else f"{name} (from {p.first_day})"
            else:
                labels[p.id] = (f"{name}（{p.first_day} 起，第 {nth[p.first_day]} 个）" if lang == "zh"
                                else f"{name} (from {p.first_day}, no. {nth[p.first_day]})")
    return labels


def validity(value: Validity, lang: str = "en") -> str:
    """"1 年" / "1 year", "6 个月" / "6 months", "30 天" / "30 days"."""
    years, months = divmod(value.months, 12)
    parts = []
    for n, zh, en in ((years, "年", "year"), (months, "个月", "month"), (value.days, "天", "day")):
        if n:
            parts.append(f"{n} {zh}" if lang == "zh" else f"{n} {en}{'s' if n != 1 else ''}")
    return " ".join(parts)


def price_unit(catalog: Catalog, service: str, lang: str = "en") -> str:
    unit = PRICE_UNIT_LABEL[catalog.services[service].unit]
    if lang == "zh":
        return {"call": "次", "GB": "GB", "Mbps/day": "Mbps·天"}[unit]
    return unit


# -- the contract's JSON --------------------------------------------------------------------------

def money_json(amount: Decimal) -> str:
    """CNY as the API writes it: "2200.00"."""
    return str(amount.quantize(CENT, rounding=ROUND_HALF_UP))


def mbps_json(bps: int) -> str:
    """A bandwidth figure as bills write it: Mbps to 6 decimals, no trailing zeros ("0.8")."""
    return f"{bps_to_mbps(bps).normalize():f}"


def moment_json(at: datetime | None) -> str | None:
    """A moment as the API writes it: ISO 8601 in Asia/Shanghai (+08:00)."""
    return at.astimezone(SHANGHAI).isoformat() if at is not None else None


def quantity_json(service: str, amount: int) -> int | str:
    """Calls and bytes as integers; a bandwidth figure as a decimal string in Mbps."""
    return mbps_json(amount) if service in BANDWIDTH_SERVICES else amount


def package_json(view: PackageView, remaining_now: int | None = None, forecast: PackageForecast | None = None) -> dict[str, Any]:
    """A package; ``remaining_now``: what it has left now with the unsettled usage (R26, an
    estimate); ``forecast``: when it runs out or what it forfeits at the recent rate (R29)."""
    p = view.package
    return {
        "id": p.id,
        "sku": p.sku,
        "service": p.service,
        "size": p.size,
        "remaining": view.remaining,
        "price": money_json(p.price),
        "purchased_at": p.purchased_at.astimezone(SHANGHAI).isoformat(),
        "first_day": p.first_day.isoformat(),
        "last_day": p.last_day.isoformat(),
        "status": view.status.value,
        "list_price": money_json(p.list_price if p.list_price is not None else p.price),
        "remaining_now": remaining_now,
        "forecast": None if forecast is None else {
            "runs_out_on": forecast.runs_out_on.isoformat() if forecast.runs_out_on else None,
            "forfeit_quantity": forecast.forfeit_quantity, "forfeit_value": money_json(forecast.forfeit_value)},
    }


def rough_quantity(service: str, amount: int, lang: str = "en") -> str:
    """A quantity as people say it roughly: "723 万次", "1.2 万次" / "7.23 million calls"; traffic in GB or TB."""
    if service not in AI_SERVICES:
        return quantity(service, amount, lang)
    if lang == "zh":
        if amount < 10_000:
            return f"{amount:,} 次"
        wan = Decimal(amount) / 10_000
        return f"{wan.quantize(Decimal(1) if wan >= 100 else Decimal('0.1'), rounding=ROUND_HALF_UP).normalize():,f} 万次"
    if amount < 1_000_000:
        return f"{amount:,} calls"
    return f"{(Decimal(amount) / 10**6).quantize(CENT, rounding=ROUND_HALF_UP).normalize():f} million calls"


def forecast_text(forecast: PackageForecast, service: str, lang: str = "en") -> str:
    """R29 in words: "按近 30 天用量，预计 2027-03-02 用完" / "预计到期作废约 723 万次，价值 14,460.00 元"."""
    from .words import word

    if forecast.forfeits:
        return word("console", "forecast_forfeit", lang, quantity=rough_quantity(service, forecast.forfeit_quantity, lang),
                    value=money(forecast.forfeit_value))
    return word("console", "forecast_runs_out", lang, day=forecast.runs_out_on.isoformat() if forecast.runs_out_on else "")


def paid_json(payment) -> dict[str, str]:
    return {"voucher": money_json(payment.voucher_total), "cash": money_json(payment.cash)}


def line_json(line: BillLine) -> dict[str, Any]:
    return {
        "day": line.day.isoformat(),
        "service": line.service,
        "quantity": quantity_json(line.service, line.quantity),
        "drawn": [{"package_id": d.package_id, "quantity": d.quantity} for d in line.drawn],
        "payg_quantity": quantity_json(line.service, line.payg_quantity),
        "amount": money_json(line.amount),
        "supplement": line.supplement,
        "list_amount": money_json(line.list_amount if line.list_amount is not None else line.amount),
        "paid": paid_json(line.paid),
        "paid_by": line.paid_by,
    }


def bill_json(lines: list[BillLine]) -> dict[str, Any]:
    return {"lines": [line_json(ln) for ln in lines], "total": money_json(sum((ln.amount for ln in lines), Decimal(0)))}


def catalog_json(catalog: Catalog) -> dict[str, Any]:
    """``GET /v1/catalog`` and ``packbill catalog show --format json``: the prices, and which
    version they are (R31)."""
    return {"version": catalog.version, "effective_on": catalog.effective_on.isoformat() if catalog.effective_on else None,
            **catalog_versions.as_json(catalog)}


def account_json(view) -> dict[str, Any]:
    a = view.account
    pending = view.traffic_billing_next
    return {
        "id": a.id,
        "name": a.name,
        "site": a.site.value,
        "payment": a.terms.value,
        "traffic_billing": view.traffic_billing.value,
        "traffic_billing_next": {"mode": pending[0].value, "effective_day": pending[1].isoformat()} if pending else None,
        "created_at": a.created_at.astimezone(SHANGHAI).isoformat(),
    }


def reminder_message(r: Reminder, catalog: Catalog, lang: str = "en") -> str:
    """R11: a reminder as a sentence a customer understands, in Chinese or English: the package by
    its name, never its code."""
    p = r.package
    name = service_name(catalog, p.service, lang)
    package = package_name(catalog, p.sku, lang)
    left = quantity(p.service, r.remaining, lang)
    if lang == "zh":
        if r.kind == "exhausted":
            return f"您的{package}已于 {r.day} 用完，之后的{name}用量将按量计费（如无其他资源包抵扣）。"
        if r.kind == "low":
            return f"您的{package}自 {r.day} 起余量已低于 {(r.threshold * 100).normalize():f}%：剩余 {left}，有效期至 {p.last_day}。"
        if r.kind == "expiring":
            return f"您的{package}有效期至 {p.last_day}（还可使用 {r.days_left} 天），届时剩余的 {left} 将作废且不退还。"
        if r.kind == "package_low":
            return (f"您的{name}资源包合计余量已低于 {(r.threshold * 100).normalize():f}%：还剩 {left}"
                    f"（共 {quantity(p.service, r.capacity or 0, lang)}）。如需继续使用，请及时购买。")
        if r.kind == "forfeit_expected" and r.forecast is not None:
            return (f"按近 30 天用量，您的{package}到期（{p.last_day}，还可使用 {r.days_left} 天）时预计还剩约 "
                    f"{rough_quantity(p.service, r.forecast.forfeit_quantity, lang)}，价值 {money(r.forecast.forfeit_value)} 元，"
                    "届时将作废且不退还。")
        return (f"您的{package}已冻结：账号当前为日带宽峰值计费，剩余 {left} 无法抵扣，"
                f"但有效期照常计算至 {p.last_day}。切换为流量计费后次日起可用。")
    if r.kind == "exhausted":
        return (f"Your package {package} was used up on {r.day}; further {name} usage is billed pay-as-you-go "
                "unless another package covers it.")
    if r.kind == "low":
        return (f"Your package {package} has less than {(r.threshold * 100).normalize():f}% left since {r.day}: {left} remain, "
                f"valid until {p.last_day}.")
    if r.kind == "package_low":
        return (f"Your {name} packages are below {(r.threshold * 100).normalize():f}% together: {left} left "
                f"of {quantity(p.service, r.capacity or 0, lang)}. Buy another in time to keep using packages.")
    if r.kind == "forfeit_expected" and r.forecast is not None:
        return (f"At the last 30 days' rate, your package {package} will still have about "
                f"{rough_quantity(p.service, r.forecast.forfeit_quantity, lang)} (worth {money(r.forecast.forfeit_value)} CNY) "
                f"when it expires on {p.last_day} ({r.days_left} days of use left); that is forfeited, not refunded.")
    if r.kind == "expiring":
        days = "1 day" if r.days_left == 1 else f"{r.days_left} days"
        return (f"Your package {package} is valid until {p.last_day} ({days} of use left); "
                f"what is left then ({left}) is forfeited, not refunded.")
    return (f"Your package {package} is frozen because this account's traffic is billed by daily peak bandwidth; "
            f"its {left} stay unused while its validity runs on to {p.last_day}. "
            "Switch traffic billing to traffic volume to use it from the next day.")


def voucher_json(v, day) -> dict[str, Any]:
    return {"id": v.id, "amount": money_json(v.amount), "remaining": money_json(v.remaining), "expires_on": v.expires_on.isoformat(),
            "services": sorted(v.services) if v.services else None, "status": v.status(day)}


def wallet_json(view) -> dict[str, Any]:
    """``GET /v1/accounts/{id}/wallet``."""
    purse = view.purse
    return {
        "balance": money_json(purse.cash),
        "credit_limit": money_json(purse.credit_limit),
        "payment": purse.terms.value,
        "state": view.state.value,
        "arrears_since": purse.arrears_since.astimezone(SHANGHAI).isoformat() if purse.arrears_since else None,
        "low_balance_threshold": money_json(purse.threshold) if purse.threshold is not None else None,
        "vouchers": [voucher_json(v, view.day) for v in view.vouchers],
        "service_status": view.service_status,
        "estimated_balance": money_json(view.estimated_balance),
        "paid_by": view.paid_by,
    }


def entry_json(entry: dict) -> dict[str, Any]:
    return {"id": entry["id"], "at": entry["at"].astimezone(SHANGHAI).isoformat(), "kind": entry["kind"], "ref": entry["ref"],
            "memo": entry["memo"], "member": entry.get("member"),
            "postings": [{"ledger_account": a, "amount": money_json(x)} for a, x in entry["postings"]]}


def anomaly_message(a, catalog: Catalog, lang: str = "en") -> str:
    """R30: the service by name, both figures."""
    from ..domain.notify import anomaly_data
    from .notify import sentence

    return sentence("reminder.anomaly", anomaly_data(a), catalog, lang)


def reminder_rows(every, catalog: Catalog, lang: str) -> list[dict[str, Any]]:
    """Every reminder of ``services.every_reminder`` as a list shows it: kind, day, package (None
    for the others) and the sentence in ``lang``."""
    from ..domain.notify import budget_data
    from .notify import sentence

    rows = [{"kind": r.kind, "day": r.day, "package_id": r.package_id, "message": reminder_message(r, catalog, lang)}
            for r in every.packages]
    rows += [{"kind": r.kind, "day": r.day, "package_id": None, "message": wallet_reminder_message(r, lang)} for r in every.wallet]
    rows += [{"kind": "anomaly", "day": a.day, "package_id": None, "message": anomaly_message(a, catalog, lang)} for a in every.anomalies]
    rows += [{"kind": "rebuy_failed", "day": x.day, "package_id": None, "message": rebuy_refusal_message(x.data, catalog, lang)}
             for x in every.refusals]
    rows += [{"kind": "budget", "day": every.day, "package_id": None, "message": sentence("reminder.budget", budget_data(a), catalog, lang)}
             for a in every.budget]
    return rows


def rebuy_refusal_message(data: dict[str, Any], catalog: Catalog, lang: str) -> str:
    """R28: a rebuy refused, as its message says it (the service and package by name, why, when it is tried again)."""
    from .notify import sentence

    return sentence("reminder.rebuy_failed", data, catalog, lang)


def reminders_json(every, catalog: Catalog) -> list[dict[str, Any]]:
    """The API's reminders: each with its sentence in English and in Chinese."""
    return [{**en, "day": en["day"].isoformat(), "message_zh": zh["message"]}
            for en, zh in zip(reminder_rows(every, catalog, "en"), reminder_rows(every, catalog, "zh"), strict=True)]


def wallet_reminder_message(r, lang: str = "en") -> str:
    """R19, R20 reminders as sentences."""
    bal = money(r.balance)
    deadline = f"{r.deadline.astimezone(SHANGHAI):%Y-%m-%d %H:%M}" if r.deadline else ""
    if lang == "zh":
        return {
            "low_balance": f"您的现金余额 {bal} 元已低于预警值 {money(r.threshold) if r.threshold is not None else ''} 元，请及时充值。",
            "arrears": f"您的账户已欠费（余额 {bal} 元）。请于 {deadline} 前充值，否则未被资源包覆盖的服务将停止。",
            "suspended": f"您的账户因欠费已停服（余额 {bal} 元）。充值后立即恢复；{deadline} 后资源将被回收。",
            "reclaim_due": f"您的账户长期欠费（余额 {bal} 元），资源待回收。",
        }[r.kind]
    return {
        "low_balance": f"Your cash balance of {bal} CNY is below your alert of "
                       f"{money(r.threshold) if r.threshold is not None else ''} CNY; please top up.",
        "arrears": f"Your account is in arrears (balance {bal} CNY). Top up before {deadline}, or services not covered by a "
                   "package will stop.",
        "suspended": f"Your account is suspended for arrears (balance {bal} CNY). A top-up restores it at once; its resources "
                     f"are reclaimed after {deadline}.",
        "reclaim_due": f"Your account has been in arrears for long (balance {bal} CNY) and is due for reclaim.",
    }[r.kind]
