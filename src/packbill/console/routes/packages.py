"""An account's packages and traffic billing: the no-reason refund (R10) and the switch (R13)."""

from typing import Annotated

from fastapi import APIRouter, Depends, Form
from fastapi.responses import Response

from ... import present, services
from ...domain.errors import BillingError
from ..pages import Pages, Visit, redirect


def router(pages: Pages) -> APIRouter:
    r = APIRouter(include_in_schema=False)
    ctx = pages.ctx

    @r.post("/console/accounts/{account_id}/packages/{package_id}/refund")
    def refund(account_id: str, package_id: str, *, v: Annotated[Visit, Depends(pages.permitted("package.refund", load=True))]) -> Response:
        try:
            with v.recorded("package.refund", account_id, target=package_id):
                amount = services.refund(ctx, account_id, package_id).amount
            message = v.t("refunded", amount=present.money(amount))
        except BillingError as exc:
            message = v.sentence(exc)
        return redirect(f"/console/accounts/{account_id}", message)

    @r.post("/console/accounts/{account_id}/traffic-billing")
    def traffic_billing(account_id: str, mode: str = Form(""),
                        *, v: Annotated[Visit, Depends(pages.permitted("traffic_billing.switch", load=True))]) -> Response:
        try:
            with v.recorded("traffic_billing.switch", account_id, mode=mode):
                mode_value, day = services.switch_traffic_billing(ctx, account_id, mode)
            message = v.t("switched", mode=v.t(f"mode_{mode_value.value}"), day=day)
        except BillingError as exc:
            message = v.sentence(exc)
        return redirect(f"/console/accounts/{account_id}", message)

    return r
