"""Every operation of API v1 as a method, with the server's own response models.

``Operations`` builds each request (a ``Call``) and hands it to ``_run`` with the model its answer
is read into; ``Client`` runs it at once, ``AsyncClient`` returns an awaitable. ``OPERATIONS``
names the method of every (method, path) the OpenAPI document publishes: a test keeps the two in
step. Money is sent as decimal strings, days as YYYY-MM-DD, moments as ISO 8601 with an offset.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal, TypeVar

from pydantic import BaseModel

from ..api import schemas as s
from .transport import Call

T = TypeVar("T", bound=BaseModel)
Amount = Decimal | str | int
Day = date | str
Moment = datetime | str


def money(value: Amount | None) -> str | None:
    return None if value is None else (f"{value:f}" if isinstance(value, Decimal) else str(value))


def day(value: Day | None) -> str | None:
    return None if value is None else (value.isoformat() if isinstance(value, date) else value)


def moment(value: Moment | None) -> str | None:
    return None if value is None else (value.isoformat() if isinstance(value, datetime) else value)


def acc(account_id: str) -> str:
    return f"/v1/accounts/{account_id}"


OPERATIONS: dict[tuple[str, str], str] = {
    ("GET", "/healthz"): "health", ("GET", "/readyz"): "ready", ("GET", "/v1/whoami"): "whoami",
    ("GET", "/v1/catalog"): "catalog", ("GET", "/v1/catalog/versions"): "catalog_versions",
    ("POST", "/v1/catalog/versions"): "publish_catalog_version", ("DELETE", "/v1/catalog/versions/{version_id}"): "withdraw_catalog_version",
    ("GET", "/v1/accounts"): "list_accounts", ("POST", "/v1/accounts"): "create_account",
    ("GET", "/v1/accounts/{account_id}"): "get_account", ("POST", "/v1/accounts/{account_id}/token"): "rotate_token",
    ("PUT", "/v1/accounts/{account_id}/traffic-billing"): "switch_traffic_billing",
    ("PUT", "/v1/accounts/{account_id}/payment"): "set_payment",
    ("PUT", "/v1/accounts/{account_id}/payer"): "set_payer", ("GET", "/v1/accounts/{account_id}/members"): "members",
    ("GET", "/v1/accounts/{account_id}/packages"): "list_packages", ("POST", "/v1/accounts/{account_id}/packages"): "buy",
    ("POST", "/v1/accounts/{account_id}/packages/{package_id}/refund"): "refund",
    ("GET", "/v1/accounts/{account_id}/package-alerts"): "package_alerts",
    ("PUT", "/v1/accounts/{account_id}/package-alerts/{service}"): "set_package_alert",
    ("POST", "/v1/accounts/{account_id}/usage"): "send_usage", ("GET", "/v1/accounts/{account_id}/usage"): "daily_usage",
    ("GET", "/v1/accounts/{account_id}/bills"): "bills", ("GET", "/v1/accounts/{account_id}/reminders"): "reminders",
    ("GET", "/v1/accounts/{account_id}/wallet"): "wallet", ("GET", "/v1/accounts/{account_id}/journal"): "journal",
    ("POST", "/v1/accounts/{account_id}/topups"): "topup", ("POST", "/v1/accounts/{account_id}/adjustments"): "adjust",
    ("POST", "/v1/accounts/{account_id}/vouchers"): "grant_voucher", ("PUT", "/v1/accounts/{account_id}/discount"): "set_discount",
    ("PUT", "/v1/accounts/{account_id}/credit-limit"): "set_credit_limit",
    ("PUT", "/v1/accounts/{account_id}/balance-alert"): "set_balance_alert",
    ("GET", "/v1/accounts/{account_id}/statements/{month}"): "statement",
    ("GET", "/v1/accounts/{account_id}/invoices"): "invoices", ("POST", "/v1/accounts/{account_id}/invoices"): "record_invoice",
    ("GET", "/v1/accounts/{account_id}/invoice-titles"): "invoice_titles",
    ("POST", "/v1/accounts/{account_id}/invoice-titles"): "add_invoice_title",
    ("DELETE", "/v1/accounts/{account_id}/invoice-titles/{title_id}"): "remove_invoice_title",
    ("GET", "/v1/accounts/{account_id}/invoice-requests"): "account_invoice_requests",
    ("POST", "/v1/accounts/{account_id}/invoice-requests"): "request_invoice",
    ("GET", "/v1/invoice-requests"): "invoice_requests", ("POST", "/v1/invoice-requests/{request_id}/issue"): "issue_invoice",
    ("POST", "/v1/invoice-requests/{request_id}/reject"): "reject_invoice",
    ("GET", "/v1/accounts/{account_id}/advice"): "advice", ("POST", "/v1/accounts/{account_id}/advice"): "advice_for",
    ("GET", "/v1/accounts/{account_id}/auto-rebuy"): "auto_rebuy_rules",
    ("PUT", "/v1/accounts/{account_id}/auto-rebuy/{service}"): "set_auto_rebuy",
    ("DELETE", "/v1/accounts/{account_id}/auto-rebuy/{service}"): "remove_auto_rebuy",
    ("GET", "/v1/accounts/{account_id}/budget"): "budget", ("PUT", "/v1/accounts/{account_id}/budget"): "set_budget",
    ("PUT", "/v1/accounts/{account_id}/caps/{service}"): "set_cap",
    ("GET", "/v1/accounts/{account_id}/messages"): "messages", ("POST", "/v1/accounts/{account_id}/messages/read"): "mark_read",
    ("GET", "/v1/settlements"): "settlement_runs", ("POST", "/v1/settlements"): "settle",
    ("GET", "/v1/revenue"): "revenue", ("GET", "/v1/close/{month}"): "month_close",
    ("GET", "/v1/audit"): "audit", ("GET", "/v1/keys"): "keys", ("POST", "/v1/keys"): "create_key", ("DELETE", "/v1/keys/{key_id}"): "revoke_key",
    ("GET", "/v1/webhooks"): "webhooks", ("POST", "/v1/webhooks"): "add_webhook", ("DELETE", "/v1/webhooks/{webhook_id}"): "remove_webhook",
    ("GET", "/v1/webhooks/{webhook_id}/deliveries"): "deliveries",
    ("POST", "/v1/webhooks/{webhook_id}/deliveries/{delivery_id}/resend"): "resend_delivery",
}
"""(method, path template) -> the client's method for it."""


class Operations:
    """API v1, one method per operation. ``_run(call, model)`` is the client's."""

    def _run(self, call: Call, model: type[T] | None = None) -> Any:  # pragma: no cover - each client defines it
        raise NotImplementedError

    # -- the service, the caller and the catalog (R31) ------------------------------------------
    def health(self) -> dict[str, Any]:
        return self._run(Call("GET", "/healthz"))

    def ready(self) -> dict[str, Any]:
        return self._run(Call("GET", "/readyz"))

    def whoami(self) -> s.WhoAmIOut:
        return self._run(Call("GET", "/v1/whoami"), s.WhoAmIOut)

    def catalog(self, as_of: Moment | None = None) -> dict[str, Any]:
        return self._run(Call("GET", "/v1/catalog", {"as_of": moment(as_of)}))

    def catalog_versions(self) -> s.CatalogVersionsOut:
        return self._run(Call("GET", "/v1/catalog/versions"), s.CatalogVersionsOut)

    def publish_catalog_version(self, effective_on: Day, catalog: Mapping[str, Any]) -> s.CatalogVersionOut:
        return self._run(Call("POST", "/v1/catalog/versions", body={"effective_on": day(effective_on), "catalog": dict(catalog)}),
                         s.CatalogVersionOut)

    def withdraw_catalog_version(self, version_id: str) -> s.CatalogVersionOut:
        return self._run(Call("DELETE", f"/v1/catalog/versions/{version_id}"), s.CatalogVersionOut)

    # -- accounts --------------------------------------------------------------------------------
    def list_accounts(self, as_of: Moment | None = None) -> s.AccountListOut:
        return self._run(Call("GET", "/v1/accounts", {"as_of": moment(as_of)}), s.AccountListOut)

    def create_account(self, name: str, site: Literal["cn", "intl"], payment: Literal["balance", "invoice"] | None = None
                       ) -> s.AccountCreatedOut:
        return self._run(Call("POST", "/v1/accounts", body={"name": name, "site": site, "payment": payment}), s.AccountCreatedOut)

    def get_account(self, account_id: str, as_of: Moment | None = None) -> s.AccountDetailOut:
        return self._run(Call("GET", acc(account_id), {"as_of": moment(as_of)}), s.AccountDetailOut)

    def rotate_token(self, account_id: str) -> s.TokenOut:
        return self._run(Call("POST", f"{acc(account_id)}/token"), s.TokenOut)

    def switch_traffic_billing(self, account_id: str, mode: Literal["traffic", "daily_peak_bandwidth"], at: Moment | None = None
                               ) -> s.TrafficBillingOut:
        return self._run(Call("PUT", f"{acc(account_id)}/traffic-billing", body={"mode": mode, "at": moment(at)}), s.TrafficBillingOut)

    def set_payment(self, account_id: str, payment: Literal["balance", "invoice"]) -> dict[str, Any]:
        return self._run(Call("PUT", f"{acc(account_id)}/payment", body={"payment": payment}))

    def set_payer(self, account_id: str, payer: str | None, at: Moment | None = None) -> s.PayerOut:
        """R32: ``payer`` pays for the account from the day after ``at`` (None: it pays for itself)."""
        return self._run(Call("PUT", f"{acc(account_id)}/payer", body={"payer": payer, "at": moment(at)}), s.PayerOut)

    def members(self, account_id: str) -> s.MembersOut:
        return self._run(Call("GET", f"{acc(account_id)}/members"), s.MembersOut)

    # -- packages --------------------------------------------------------------------------------
    def list_packages(self, account_id: str, status: str | None = None, as_of: Moment | None = None) -> s.PackageListOut:
        return self._run(Call("GET", f"{acc(account_id)}/packages", {"status": status, "as_of": moment(as_of)}), s.PackageListOut)

    def buy(self, account_id: str, sku: str, count: int = 1, at: Moment | None = None) -> s.PurchaseOut:
        return self._run(Call("POST", f"{acc(account_id)}/packages", body={"sku": sku, "count": count, "at": moment(at)}, money=True),
                         s.PurchaseOut)

    def refund(self, account_id: str, package_id: str, at: Moment | None = None) -> s.RefundOut:
        return self._run(Call("POST", f"{acc(account_id)}/packages/{package_id}/refund", body={"at": moment(at)}, money=True), s.RefundOut)

    def package_alerts(self, account_id: str) -> s.PackageAlertListOut:
        return self._run(Call("GET", f"{acc(account_id)}/package-alerts"), s.PackageAlertListOut)

    def set_package_alert(self, account_id: str, service: str, threshold_percent: int | None) -> s.PackageAlertOut:
        return self._run(Call("PUT", f"{acc(account_id)}/package-alerts/{service}", body={"threshold_percent": threshold_percent}),
                         s.PackageAlertOut)

    # -- usage, bills and reminders --------------------------------------------------------------
    def send_usage(self, account_id: str, events: Sequence[Mapping[str, Any]]) -> s.UsageAcceptedOut:
        """At most 10,000 events; sent again on a failure, each event id still counts once (R14)."""
        body = {"events": [{**e, "timestamp": moment(e.get("timestamp"))} for e in events]}
        return self._run(Call("POST", f"{acc(account_id)}/usage", body=body, repeatable=True), s.UsageAcceptedOut)

    def daily_usage(self, account_id: str, first: Day, last: Day) -> s.DailyUsageListOut:
        return self._run(Call("GET", f"{acc(account_id)}/usage", {"from": day(first), "to": day(last)}), s.DailyUsageListOut)

    def bills(self, account_id: str, first: Day, last: Day) -> s.BillOut:
        return self._run(Call("GET", f"{acc(account_id)}/bills", {"from": day(first), "to": day(last)}), s.BillOut)

    def bills_csv(self, account_id: str, first: Day, last: Day, lang: Literal["zh", "en"] = "zh") -> bytes:
        return self._run(Call("GET", f"{acc(account_id)}/bills", {"from": day(first), "to": day(last), "format": "csv", "lang": lang},
                              raw=True))

    def reminders(self, account_id: str, as_of: Moment | None = None) -> s.ReminderListOut:
        return self._run(Call("GET", f"{acc(account_id)}/reminders", {"as_of": moment(as_of)}), s.ReminderListOut)

    # -- the wallet (R15-R20) --------------------------------------------------------------------
    def wallet(self, account_id: str, as_of: Moment | None = None) -> s.WalletOut:
        return self._run(Call("GET", f"{acc(account_id)}/wallet", {"as_of": moment(as_of)}), s.WalletOut)

    def journal(self, account_id: str, first: Day | None = None, last: Day | None = None) -> s.JournalOut:
        return self._run(Call("GET", f"{acc(account_id)}/journal", {"from": day(first), "to": day(last)}), s.JournalOut)

    def topup(self, account_id: str, amount: Amount, reference: str, at: Moment | None = None) -> s.TopUpOut:
        return self._run(Call("POST", f"{acc(account_id)}/topups", body={"amount": money(amount), "reference": reference, "at": moment(at)},
                              money=True), s.TopUpOut)

    def adjust(self, account_id: str, amount: Amount, reason: str, at: Moment | None = None) -> s.AdjustmentOut:
        return self._run(Call("POST", f"{acc(account_id)}/adjustments", body={"amount": money(amount), "reason": reason, "at": moment(at)},
                              money=True), s.AdjustmentOut)

    def grant_voucher(self, account_id: str, amount: Amount, expires_on: Day, services: Iterable[str] | None = None) -> s.VoucherOut:
        body = {"amount": money(amount), "expires_on": day(expires_on), "services": list(services) if services is not None else None}
        return self._run(Call("POST", f"{acc(account_id)}/vouchers", body=body, money=True), s.VoucherOut)

    def set_discount(self, account_id: str, rate: Amount, effective_day: Day) -> dict[str, Any]:
        return self._run(Call("PUT", f"{acc(account_id)}/discount", body={"rate": money(rate), "effective_day": day(effective_day)}))

    def set_credit_limit(self, account_id: str, amount: Amount) -> dict[str, Any]:
        return self._run(Call("PUT", f"{acc(account_id)}/credit-limit", body={"amount": money(amount)}))

    def set_balance_alert(self, account_id: str, threshold: Amount | None) -> dict[str, Any]:
        return self._run(Call("PUT", f"{acc(account_id)}/balance-alert", body={"threshold": money(threshold)}))

    # -- statements and invoices (R22, R33) ------------------------------------------------------
    def statement(self, account_id: str, month: str) -> s.StatementOut:
        """``month``: YYYY-MM."""
        return self._run(Call("GET", f"{acc(account_id)}/statements/{month}"), s.StatementOut)

    def statement_file(self, account_id: str, month: str, format: Literal["csv", "pdf"] = "pdf", lang: Literal["zh", "en"] = "zh") -> bytes:
        return self._run(Call("GET", f"{acc(account_id)}/statements/{month}", {"format": format, "lang": lang}, raw=True))

    def invoices(self, account_id: str) -> s.InvoicesOut:
        return self._run(Call("GET", f"{acc(account_id)}/invoices"), s.InvoicesOut)

    def record_invoice(self, account_id: str, amount: Amount, number: str) -> s.InvoiceOut:
        return self._run(Call("POST", f"{acc(account_id)}/invoices", body={"amount": money(amount), "number": number}, money=True),
                         s.InvoiceOut)

    def invoice_titles(self, account_id: str) -> s.TitlesOut:
        return self._run(Call("GET", f"{acc(account_id)}/invoice-titles"), s.TitlesOut)

    def add_invoice_title(self, account_id: str, type: Literal["normal", "special"], name: str, tax_id: str, **special: str) -> s.TitleOut:
        """``special``: address, phone, bank, bank_account (a 专票 needs them)."""
        return self._run(Call("POST", f"{acc(account_id)}/invoice-titles", body={"type": type, "name": name, "tax_id": tax_id, **special}),
                         s.TitleOut)

    def remove_invoice_title(self, account_id: str, title_id: str) -> s.TitlesOut:
        return self._run(Call("DELETE", f"{acc(account_id)}/invoice-titles/{title_id}"), s.TitlesOut)

    def account_invoice_requests(self, account_id: str, status: str | None = None) -> s.InvoiceRequestsOut:
        return self._run(Call("GET", f"{acc(account_id)}/invoice-requests", {"status": status}), s.InvoiceRequestsOut)

    def request_invoice(self, account_id: str, title_id: str, amount: Amount) -> s.InvoiceRequestOut:
        return self._run(Call("POST", f"{acc(account_id)}/invoice-requests", body={"title_id": title_id, "amount": money(amount)}, money=True),
                         s.InvoiceRequestOut)

    def invoice_requests(self, status: str | None = None) -> s.InvoiceRequestsOut:
        return self._run(Call("GET", "/v1/invoice-requests", {"status": status}), s.InvoiceRequestsOut)

    def invoice_requests_file(self, status: str | None = "pending", format: Literal["xlsx", "csv"] = "xlsx",
                              lang: Literal["zh", "en"] = "zh") -> bytes:
        """The requests as one row per invoice line, for batch issuing: an XLSX workbook or a CSV."""
        return self._run(Call("GET", "/v1/invoice-requests", {"status": status, "format": format, "lang": lang}, raw=True))

    def issue_invoice(self, request_id: str, number: str) -> s.InvoiceRequestOut:
        return self._run(Call("POST", f"/v1/invoice-requests/{request_id}/issue", body={"number": number}), s.InvoiceRequestOut)

    def reject_invoice(self, request_id: str, reason: str) -> s.InvoiceRequestOut:
        return self._run(Call("POST", f"/v1/invoice-requests/{request_id}/reject", body={"reason": reason}), s.InvoiceRequestOut)

    # -- advice and the customer's controls (R27-R30) --------------------------------------------
    def advice(self, account_id: str, **params: Any) -> dict[str, Any]:
        """``params``: window_days, horizon_months, what_if_days, lang, method."""
        return self._run(Call("GET", f"{acc(account_id)}/advice", dict(params)))

    def advice_for(self, account_id: str, forecast: Mapping[str, Sequence[int]], lang: str | None = None) -> dict[str, Any]:
        return self._run(Call("POST", f"{acc(account_id)}/advice", {"lang": lang}, body={"forecast": {k: list(v) for k, v in forecast.items()}}))

    def auto_rebuy_rules(self, account_id: str) -> s.RebuyRulesOut:
        return self._run(Call("GET", f"{acc(account_id)}/auto-rebuy"), s.RebuyRulesOut)

    def set_auto_rebuy(self, account_id: str, service: str, sku: str, monthly_cap: Amount, days_before: int | None = None
                       ) -> s.RebuyRuleOut:
        body = {"sku": sku, "trigger": "exhausted" if days_before is None else "expiring", "days_before": days_before,
                "monthly_cap": money(monthly_cap)}
        return self._run(Call("PUT", f"{acc(account_id)}/auto-rebuy/{service}", body=body), s.RebuyRuleOut)

    def remove_auto_rebuy(self, account_id: str, service: str) -> s.RebuyRulesOut:
        return self._run(Call("DELETE", f"{acc(account_id)}/auto-rebuy/{service}"), s.RebuyRulesOut)

    def budget(self, account_id: str) -> s.BudgetOut:
        return self._run(Call("GET", f"{acc(account_id)}/budget"), s.BudgetOut)

    def set_budget(self, account_id: str, monthly: Amount | None) -> s.BudgetOut:
        return self._run(Call("PUT", f"{acc(account_id)}/budget", body={"monthly": money(monthly)}), s.BudgetOut)

    def set_cap(self, account_id: str, service: str, monthly: Amount | None) -> s.BudgetOut:
        return self._run(Call("PUT", f"{acc(account_id)}/caps/{service}", body={"monthly": money(monthly)}), s.BudgetOut)

    def messages(self, account_id: str, category: str | None = None, before: int | None = None, limit: int | None = None,
                 lang: str | None = None) -> s.MessagesOut:
        params = {"category": category, "before": before, "limit": limit, "lang": lang}
        return self._run(Call("GET", f"{acc(account_id)}/messages", params), s.MessagesOut)

    def mark_read(self, account_id: str, through: int) -> s.MessagesOut:
        return self._run(Call("POST", f"{acc(account_id)}/messages/read", body={"through": through}), s.MessagesOut)

    # -- the operator's books and runs -----------------------------------------------------------
    def settlement_runs(self, limit: int | None = None) -> s.RunListOut:
        return self._run(Call("GET", "/v1/settlements", {"limit": limit}), s.RunListOut)

    def settle(self, through: Day, at: Moment | None = None) -> s.SettlementOut:
        return self._run(Call("POST", "/v1/settlements", body={"through": day(through), "at": moment(at)}, money=True), s.SettlementOut)

    def revenue(self, first: Day, last: Day) -> s.RevenueOut:
        return self._run(Call("GET", "/v1/revenue", {"from": day(first), "to": day(last)}), s.RevenueOut)

    def revenue_csv(self, first: Day, last: Day, lang: Literal["zh", "en"] = "zh") -> bytes:
        return self._run(Call("GET", "/v1/revenue", {"from": day(first), "to": day(last), "format": "csv", "lang": lang}, raw=True))

    def month_close(self, month: str) -> s.CloseOut:
        """``month``: YYYY-MM."""
        return self._run(Call("GET", f"/v1/close/{month}"), s.CloseOut)

    def audit(self, before: int | None = None, limit: int | None = None, **filters: str | None) -> s.AuditOut:
        """``filters``: actor, account_id, action, from, to."""
        return self._run(Call("GET", "/v1/audit", {"before": before, "limit": limit, **filters}), s.AuditOut)

    def keys(self) -> s.KeysOut:
        return self._run(Call("GET", "/v1/keys"), s.KeysOut)

    def create_key(self, name: str, role: Literal["admin", "finance", "support", "metering"]) -> s.KeyCreatedOut:
        return self._run(Call("POST", "/v1/keys", body={"name": name, "role": role}), s.KeyCreatedOut)

    def revoke_key(self, key_id: str) -> s.KeyOut:
        return self._run(Call("DELETE", f"/v1/keys/{key_id}"), s.KeyOut)

    def webhooks(self) -> s.WebhooksOut:
        return self._run(Call("GET", "/v1/webhooks"), s.WebhooksOut)

    def add_webhook(self, url: str, events: Iterable[str] | None = None, account_id: str | None = None) -> s.WebhookCreatedOut:
        body = {"url": url, "events": list(events) if events is not None else None, "account_id": account_id}
        return self._run(Call("POST", "/v1/webhooks", body=body), s.WebhookCreatedOut)

    def remove_webhook(self, webhook_id: str) -> s.WebhookOut:
        return self._run(Call("DELETE", f"/v1/webhooks/{webhook_id}"), s.WebhookOut)

    def deliveries(self, webhook_id: str, before: int | None = None, limit: int | None = None) -> s.DeliveriesOut:
        return self._run(Call("GET", f"/v1/webhooks/{webhook_id}/deliveries", {"before": before, "limit": limit}), s.DeliveriesOut)

    def resend_delivery(self, webhook_id: str, delivery_id: int) -> s.DeliveryOut:
        return self._run(Call("POST", f"/v1/webhooks/{webhook_id}/deliveries/{delivery_id}/resend"), s.DeliveryOut)
