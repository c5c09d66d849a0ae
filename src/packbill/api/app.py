"""The FastAPI application: API v1 of ../shared/API.md, plus the console at /."""

from __future__ import annotations

import json
import os
from decimal import Decimal
from typing import Annotated, Any

from fastapi import FastAPI, Query, Request
from starlette.concurrency import run_in_threadpool

from .. import services
from ..domain import SHANGHAI, BillLine, PackageView, Reminder
from ..domain.catalog import PRICE_UNIT_LABEL
from ..domain.money import format_mbps, format_money
from ..services import Context
from . import errors, schemas
from .deps import AccountIdDep, CtxDep, OperatorDep, PrincipalDep, day, moment, override_at
from .errors import ApiError

MAX_BODY = 32 * 1024 * 1024


def package_out(view: PackageView) -> dict[str, Any]:
    p = view.package
    return {
        "id": p.id,
        "sku": p.sku,
        "service": p.service,
        "size": p.size,
        "remaining": view.remaining,
        "price": format_money(p.price),
        "purchased_at": p.purchased_at.astimezone(SHANGHAI).isoformat(),
        "first_day": p.first_day.isoformat(),
        "last_day": p.last_day.isoformat(),
        "status": view.status.value,
    }


def line_out(line: BillLine) -> dict[str, Any]:
    bandwidth = line.service.startswith("bandwidth.")
    return {
        "day": line.day.isoformat(),
        "service": line.service,
        "quantity": format_mbps(line.quantity) if bandwidth else line.quantity,
        "drawn": [{"package_id": d.package_id, "quantity": d.quantity} for d in line.drawn],
        "payg_quantity": format_mbps(line.payg_quantity) if bandwidth else line.payg_quantity,
        "amount": format_money(line.amount),
        "supplement": line.supplement,
    }


def reminder_out(r: Reminder) -> dict[str, Any]:
    return {"kind": r.kind, "package_id": r.package_id, "day": r.day.isoformat(), "message": r.message, "message_zh": r.message_zh}


def account_out(view: services.accounts.AccountView) -> dict[str, Any]:
    a = view.account
    pending = view.traffic_billing_next
    return {
        "id": a.id,
        "name": a.name,
        "site": a.site.value,
        "traffic_billing": view.traffic_billing.value,
        "traffic_billing_next": {"mode": pending[0].value, "effective_day": pending[1].isoformat()} if pending else None,
    }


def catalog_out(ctx: Context) -> dict[str, Any]:
    cat = ctx.catalog
    payg = []
    for s in cat.services.values():
        entry: dict[str, Any] = {"service": s.service, "unit": s.unit, "price_unit": PRICE_UNIT_LABEL[s.unit],
                                 "name_zh": s.name_zh, "name_en": s.name_en}
        if s.flat_price is not None:
            entry["price"] = f"{s.flat_price:f}"
        else:
            entry["tiers"] = [{"up_to": t.up_to, "price": f"{t.price:f}"} for t in s.tiers]
        payg.append(entry)
    return {
        "packages": [
            {"sku": p.sku, "service": p.service, "size": p.size, "unit": cat.services[p.service].unit,
             "price": format_money(p.price), "validity": str(p.validity), "label_zh": p.label_zh}
            for p in cat.packages.values()
        ],
        "payg": payg,
    }


def _ingest_body(ctx: Context, account_id: str, raw: bytes):
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise ApiError("invalid_request", "the body is not valid JSON") from None
    if not isinstance(body, dict) or "events" not in body:
        raise ApiError("invalid_request", "the body must be an object with a list 'events'")
    return services.ingest(ctx, account_id, body["events"])


def create_app(ctx: Context, operator_token: str | None = None, console: bool = True) -> FastAPI:
    """The service. ``operator_token`` defaults to $PACKBILL_OPERATOR_TOKEN."""
    app = FastAPI(
        title="packbill",
        version="1",
        description="Billing of prepaid resource packages for a video-AI cloud (API v1).",
        docs_url=None,  # Swagger UI would load from a CDN; the document is at /openapi.json
        redoc_url=None,
        responses={422: {"model": schemas.ErrorOut}},
    )
    app.state.ctx = ctx
    app.state.operator_token = operator_token if operator_token is not None else os.environ.get("PACKBILL_OPERATOR_TOKEN")
    errors.install(app)

    @app.middleware("http")
    async def _limit_body(request: Request, call_next):
        length = request.headers.get("content-length")
        if length is not None and (not length.isdigit() or int(length) > MAX_BODY):
            return errors.error_response("payload_too_large", f"a request body is at most {MAX_BODY} bytes")
        return await call_next(request)

    @app.get("/healthz", tags=["service"])
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/v1/whoami", response_model=schemas.WhoAmIOut, tags=["service"])
    def whoami(principal: PrincipalDep):
        return {"role": principal.role, "account_id": principal.account_id}

    @app.get("/v1/catalog", tags=["catalog"])
    def catalog(ctx: CtxDep, principal: PrincipalDep) -> dict[str, Any]:
        return catalog_out(ctx)

    @app.post("/v1/accounts", status_code=201, response_model=schemas.AccountCreatedOut, tags=["accounts"])
    def create_account(body: schemas.AccountIn, ctx: CtxDep, _: OperatorDep):
        account, token = services.create_account(ctx, body.name, body.site)
        view = services.account_view(ctx, account.id)
        return {**account_out(view), "token": token}

    @app.get("/v1/accounts", response_model=schemas.AccountListOut, tags=["accounts"])
    def list_accounts(ctx: CtxDep, _: OperatorDep, as_of: str | None = None):
        at = moment(as_of, "as_of")
        return {"accounts": [account_out(view) for view in services.account_views(ctx, at)]}

    @app.get("/v1/accounts/{account_id}", response_model=schemas.AccountDetailOut, tags=["accounts"])
    def get_account(account_id: AccountIdDep, ctx: CtxDep, as_of: str | None = None):
        return account_out(services.account_view(ctx, account_id, moment(as_of, "as_of")))

    @app.post("/v1/accounts/{account_id}/packages", status_code=201, response_model=schemas.PurchaseOut, tags=["packages"])
    def buy(account_id: AccountIdDep, body: schemas.PurchaseIn, ctx: CtxDep, principal: PrincipalDep):
        result = services.buy(ctx, account_id, body.sku, body.count, override_at(body.at, principal))
        views = services.list_packages(ctx, account_id, as_of=max(ctx.now(), result.packages[0].purchased_at))
        ids = {p.id for p in result.packages}
        return {"packages": [package_out(v) for v in views if v.package.id in ids], "amount": format_money(result.amount)}

    @app.get("/v1/accounts/{account_id}/packages", response_model=schemas.PackageListOut, tags=["packages"])
    def list_packages(account_id: AccountIdDep, ctx: CtxDep, status: str | None = None, as_of: str | None = None):
        views = services.list_packages(ctx, account_id, moment(as_of, "as_of"), status)
        return {"packages": [package_out(v) for v in views]}

    @app.post("/v1/accounts/{account_id}/packages/{package_id}/refund", response_model=schemas.RefundOut, tags=["packages"])
    def refund(account_id: AccountIdDep, package_id: str, ctx: CtxDep, principal: PrincipalDep, body: schemas.RefundIn | None = None):
        at = override_at(body.at if body else None, principal)
        package, amount = services.refund(ctx, account_id, package_id, at)
        (view,) = [v for v in services.list_packages(ctx, account_id, as_of=max(ctx.now(), package.refunded_at)) if v.package.id == package_id]
        return {"package": package_out(view), "amount": format_money(amount)}

    @app.put("/v1/accounts/{account_id}/traffic-billing", response_model=schemas.TrafficBillingOut, tags=["accounts"])
    def traffic_billing(account_id: AccountIdDep, body: schemas.TrafficBillingIn, ctx: CtxDep, principal: PrincipalDep):
        mode, effective = services.switch_traffic_billing(ctx, account_id, body.mode, override_at(body.at, principal))
        return {"mode": mode.value, "effective_day": effective.isoformat()}

    @app.post(
        "/v1/accounts/{account_id}/usage",
        status_code=202,
        response_model=schemas.UsageAcceptedOut,
        tags=["usage"],
        openapi_extra={
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": schemas.UsageBatchIn.model_json_schema(ref_template="#/components/schemas/{model}")}},
            }
        },
    )
    async def usage(account_id: AccountIdDep, request: Request, ctx: CtxDep):
        raw = await request.body()
        # decoding and storing run off the event loop: a 10,000-event body takes milliseconds
        result = await run_in_threadpool(_ingest_body, ctx, account_id, raw)
        return {"accepted": result.accepted, "duplicates": result.duplicates}

    @app.get("/v1/accounts/{account_id}/usage", response_model=schemas.DailyUsageListOut, tags=["usage"])
    def daily_usage(account_id: AccountIdDep, ctx: CtxDep, from_: Annotated[str, Query(alias="from")], to: str):
        rows = services.daily_usage(ctx, account_id, day(from_, "from"), day(to, "to"))
        return {"usage": [{"day": r.day.isoformat(), "service": r.service, "mainland": r.mainland, "other": r.other,
                           "settled": r.settled} for r in rows]}

    @app.post("/v1/settlements", response_model=schemas.SettlementOut, tags=["settlement"])
    def settle(body: schemas.SettlementIn, ctx: CtxDep, principal: OperatorDep):
        result = services.settle(ctx, day(body.through, "through"), override_at(body.at, principal))
        return {"days": result.days, "lines": result.lines}

    @app.get("/v1/accounts/{account_id}/bills", response_model=schemas.BillOut, tags=["bills"])
    def bills(account_id: AccountIdDep, ctx: CtxDep, from_: Annotated[str, Query(alias="from")], to: str):
        lines = services.bills(ctx, account_id, day(from_, "from"), day(to, "to"))
        return {"lines": [line_out(l) for l in lines], "total": format_money(sum((l.amount for l in lines), Decimal(0)))}

    @app.get("/v1/accounts/{account_id}/reminders", response_model=schemas.ReminderListOut, tags=["reminders"])
    def reminders(account_id: AccountIdDep, ctx: CtxDep, as_of: str | None = None):
        return {"reminders": [reminder_out(r) for r in services.reminders(ctx, account_id, moment(as_of, "as_of"))]}

    if console:
        from ..console import mount

        mount(app)
    return app

