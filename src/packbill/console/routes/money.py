"""An account's money from the operator's forms: top-ups, adjustments, vouchers, discounts,
credit limits, payment terms and balance alerts."""

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form
from fastapi.responses import Response

from ... import present, services
from ...domain.catalog import UnknownSku
from ...domain.errors import BillingError, InvalidRequest
from ...domain.money import parse_typed
from ..pages import Pages, Visit, parse_day, redirect


def run_form(v: Visit, account_id: str, name: str, parameters: dict, action: Callable[[], Any],
             done: Callable[[Any], str] | None = None, page: str = "", to: str | None = None) -> Response:
    """Run a change from a form, recorded: refusals and bad amounts as sentences, a repeated form
    as 'already done', back to the account's page (``page``: one of its tabs, e.g. "/controls"), or ``to``."""
    target = to or f"/console/accounts/{account_id}{page}"
    try:
        with v.recorded(name, account_id, **parameters):
            result = action()
    except services.Replayed:
        return redirect(target, v.t("already_done"))
    except ValueError as exc:
        return redirect(target, v.sentence(BillingError(str(exc))))
    except (BillingError, UnknownSku) as exc:
        return redirect(target, v.sentence(exc))
    return redirect(target, done(result) if done else v.t("done"))


def router(pages: Pages) -> APIRouter:
    r = APIRouter(include_in_schema=False)
    ctx = pages.ctx

    @r.post("/console/accounts/{account_id}/topup")
    def topup(account_id: str, amount: str = Form(""), reference: str = Form(""), idem: str = Form(""),
              *, v: Annotated[Visit, Depends(pages.permitted("topup.create"))]) -> Response:
        return run_form(v, account_id, "topup.create", {"amount": amount, "reference": reference},
                    lambda: services.topup(ctx, account_id, parse_typed(amount), reference,
                                           idem=v.form_key(account_id, idem, "topup", amount, reference)),
                    lambda x: v.t("topped_up", amount=present.money(x.amount), balance=present.money(x.balance)))

    @r.post("/console/accounts/{account_id}/adjust")
    def adjust(account_id: str, amount: str = Form(""), reason: str = Form(""), idem: str = Form(""),
               *, v: Annotated[Visit, Depends(pages.permitted("adjustment.create"))]) -> Response:
        return run_form(v, account_id, "adjustment.create", {"amount": amount, "reason": reason}, lambda: services.adjust(
            ctx, account_id, parse_typed(amount), reason, idem=v.form_key(account_id, idem, "adjust", amount, reason)))

    @r.post("/console/accounts/{account_id}/voucher")
    def voucher(account_id: str, amount: str = Form(""), expires_on: str = Form(""), idem: str = Form(""),
                *, v: Annotated[Visit, Depends(pages.permitted("voucher.grant"))]) -> Response:
        return run_form(v, account_id, "voucher.grant", {"amount": amount, "expires_on": expires_on}, lambda: services.grant_voucher(
            ctx, account_id, parse_typed(amount), parse_day(expires_on), idem=v.form_key(account_id, idem, "voucher", amount, expires_on)))

    @r.post("/console/accounts/{account_id}/discount")
    def discount(account_id: str, rate: str = Form(""), effective_day: str = Form(""),
                 *, v: Annotated[Visit, Depends(pages.permitted("discount.set"))]) -> Response:
        return run_form(v, account_id, "discount.set", {"rate": rate, "effective_day": effective_day},
                    lambda: services.set_discount(ctx, account_id, parse_typed(rate), parse_day(effective_day)))

    @r.post("/console/accounts/{account_id}/credit-limit")
    def credit_limit(account_id: str, amount: str = Form(""), *, v: Annotated[Visit, Depends(pages.permitted("credit_limit.set"))]) -> Response:
        return run_form(v, account_id, "credit_limit.set", {"amount": amount},
                    lambda: services.set_credit_limit(ctx, account_id, parse_typed(amount)))

    @r.post("/console/accounts/{account_id}/terms")
    def terms(account_id: str, payment: str = Form(""), *, v: Annotated[Visit, Depends(pages.permitted("account.payment.set"))]) -> Response:
        return run_form(v, account_id, "account.payment.set", {"payment": payment},
                    lambda: services.set_payment_terms(ctx, account_id, payment))

    @r.post("/console/accounts/{account_id}/package-alerts/{service}")
    def package_alert(account_id: str, service: str, threshold: str = Form(""),
                      *, v: Annotated[Visit, Depends(pages.permitted("package_alert.set"))]) -> Response:
        value = threshold.strip().rstrip("%").strip()

        def change() -> object:
            if value and not (value.isdigit() and 1 <= int(value) <= 99):
                raise InvalidRequest("A package alert is a whole percent from 1 to 99; leave it empty to switch it off.")
            return services.set_package_alert(ctx, account_id, service, int(value) if value else None)

        return run_form(v, account_id, "package_alert.set", {"service": service, "threshold_percent": value or None}, change)

    @r.post("/console/accounts/{account_id}/balance-alert")
    def balance_alert(account_id: str, threshold: str = Form(""), *, v: Annotated[Visit, Depends(pages.permitted("balance_alert.set"))]) -> Response:
        value = threshold.strip()
        return run_form(v, account_id, "balance_alert.set", {"threshold": value}, lambda: services.set_balance_alert(
            ctx, account_id, parse_typed(value) if value else None))

    return r
