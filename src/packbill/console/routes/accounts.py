"""The operator's list of accounts: opening one, and running settlement."""

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Form
from fastapi.responses import HTMLResponse, Response

from ... import services
from ...domain.days import shanghai_day
from ...domain.errors import BillingError
from ...domain.wallet import WalletState
from ..pages import Pages, Visit, parse_day, redirect


def router(pages: Pages) -> APIRouter:
    r = APIRouter(include_in_schema=False)
    ctx = pages.ctx

    @r.get("/console/accounts")
    def accounts(*, v: Annotated[Visit, Depends(pages.signed_in("read.all"))]) -> Response:
        return accounts_page(v)

    @r.post("/console/accounts")
    def create_account(name: str = Form(""), site: str = Form("cn"), payment: str = Form("balance"),
                       *, v: Annotated[Visit, Depends(pages.permitted("account.create"))]) -> Response:
        try:
            with v.recorded("account.create", name=name, site=site, payment=payment) as found:
                account, token = services.create_account(ctx, name, site, payment=payment)
                found["target"] = account.id
        except BillingError as exc:
            return redirect("/console/accounts", v.sentence(exc))
        return accounts_page(v, new_token=token, new_account=account)

    @r.post("/console/settle")
    def settle(through: str = Form(""), *, v: Annotated[Visit, Depends(pages.permitted("settlement.run"))]) -> Response:
        try:
            with v.recorded("settlement.run", through=through):
                result = services.settle(ctx, parse_day(through))
            message = v.t("settled", days=result.days, lines=result.lines)
        except ValueError:
            message = v.sentence(BillingError("YYYY-MM-DD"))
        except BillingError as exc:
            message = v.sentence(exc)
        return redirect("/console/accounts", message)

    return r


def accounts_page(v: Visit, **extra) -> HTMLResponse:
    q = v.request.query_params
    state = q.get("state") or None
    sort = q.get("sort") or "created"
    descending = q.get("desc") == "1"
    try:
        number = int(q.get("page") or 1)
    except ValueError:
        number = 1
    try:
        rows, pages = services.account_page(v.ctx, state=state, sort=sort, descending=descending, page=number)
    except BillingError as exc:
        rows, pages = [], 1
        extra.setdefault("message", v.sentence(exc))
    yesterday = shanghai_day(v.ctx.now()) - timedelta(days=1)
    return v.page("accounts.html", rows=rows, pages=pages, number=min(max(1, number), pages), state=state or "",
                  sort=sort, desc=descending, states=[s.value for s in WalletState], yesterday=yesterday, **extra)
