"""Buying one package type from the catalog: a confirmation first (R2, R4, R13, R16, R18), then the purchase."""

from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Depends, Form
from fastapi.responses import Response

from ... import present, services
from ...domain.catalog import UnknownSku
from ...domain.errors import BillingError
from ..pages import Pages, Visit, redirect


def router(pages: Pages) -> APIRouter:
    r = APIRouter(include_in_schema=False)
    ctx = pages.ctx

    @r.get("/console/accounts/{account_id}/buy")
    def confirm(account_id: str, sku: str = "", count: str = "1",
                *, v: Annotated[Visit, Depends(pages.permitted("package.buy", load=True))]) -> Response:
        """What buying would mean, before buying: the package, its validity, list price,
        discount, voucher and cash parts and the balance after; money short, or a traffic
        package that would stay frozen, said before the button."""
        try:
            n = int(count) if count.strip().isdigit() else 0
            found = services.confirmation(ctx, account_id, sku, n)
        except (BillingError, UnknownSku) as exc:
            return redirect(f"/console/accounts/{account_id}/catalog", v.sentence(exc))
        return v.page("buy.html", account=v.account, tab="catalog", c=found, q=found.quote, idem=pages.new_form_key(),
                      summary=_summary(found.quote, ctx, v), costs=_costs(found), topup_help=ctx.topup_instructions)

    @r.post("/console/accounts/{account_id}/buy")
    def buy(account_id: str, sku: str = Form(""), count: int = Form(1), idem: str = Form(""), understood: str = Form(""),
            *, v: Annotated[Visit, Depends(pages.permitted("package.buy", load=True))]) -> Response:
        try:
            if understood != "frozen" and services.freezes(ctx, account_id, sku):  # R13: bought only after the warning
                return redirect(f"/console/accounts/{account_id}/buy?sku={sku}&count={count}", v.t("frozen_confirm_first"))
            with v.recorded("package.buy", account_id, sku=sku, count=count):
                result = services.buy(ctx, account_id, sku, count, idem=v.form_key(account_id, idem, "buy", sku, count))
        except services.Replayed:
            return redirect(f"/console/accounts/{account_id}", v.t("already_done"))
        except (BillingError, UnknownSku) as exc:
            return redirect(f"/console/accounts/{account_id}/catalog", v.sentence(exc))
        return redirect(f"/console/accounts/{account_id}", v.t("bought_summary", **_said(ctx, v, sku, count, result)))

    return r


def _summary(q, ctx: services.Context, v: Visit) -> list[tuple[str, str]]:
    """The confirmation's rows: what the buyer reads before the button."""
    name = present.package_name(ctx.catalog, q.sku, v.lang)
    return [(v.t("package"), f"{name} × {q.count}"), (v.t("validity"), v.t("day_range", first=q.first_day, last=q.last_day)),
            (v.t("list_price"), present.money(q.list_amount)), (v.t("discount"), present.money(q.discount)),
            (v.t("amount_due"), present.money(q.amount)), (v.t("voucher_part"), present.money(q.voucher)),
            (v.t("cash_part"), present.money(q.cash)), (v.t("balance_after"), present.money(q.balance_after))]


def _costs(found: services.Confirmation) -> dict | None:
    if found.costs is None:
        return None
    return {"days": found.costs.days, "traffic": present.money(found.costs.traffic), "bandwidth": present.money(found.costs.bandwidth)}


def _said(ctx: services.Context, v: Visit, sku: str, count: int, result: services.Purchase) -> dict[str, str]:
    """The figures of the sentence after buying: the same as the confirmation's."""
    first = result.packages[0]
    return {"name": present.package_name(ctx.catalog, sku, v.lang), "count": str(count),
            "range": v.t("day_range", first=first.first_day, last=first.last_day), "list": present.money(result.list_amount),
            "discount": present.money(result.list_amount - result.amount), "voucher": present.money(result.paid.voucher_total),
            "cash": present.money(result.paid.cash), "balance": present.money(result.balance or Decimal(0))}
