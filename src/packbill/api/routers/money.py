"""The wallet (R15 to R20): balance and state, top-ups, adjustments, vouchers, and the journal.
The account's terms (discount, credit limit, balance alert, payment) are ``terms.py``."""

from datetime import date
from decimal import Decimal
from typing import Any

from fastapi import APIRouter, Request

from ... import present, services
from ...domain.days import shanghai_day
from ...domain.money import parse_decimal
from .. import schemas
from ..deps import AsOf, Deps, FromDayOpt, ToDayOpt, day, moment, override_at
from ..errors import ApiError
from ..idempotent import key_of, respond


def money(value: Any, name: str) -> Decimal:
    try:
        return parse_decimal(value)
    except ValueError as exc:
        raise ApiError("invalid_request", f"'{name}': {exc}") from None


def router(deps: Deps) -> APIRouter:
    r = APIRouter(route_class=deps.Route, tags=["money"])
    ctx = deps.ctx

    @r.get("/v1/accounts/{account_id}/wallet", response_model=schemas.WalletOut, **deps.action("read"))
    def wallet(account_id: deps.AccountId, as_of: AsOf = None):
        return present.wallet_json(services.wallet(ctx, account_id, moment(as_of, "as_of")))

    @r.post("/v1/accounts/{account_id}/topups", status_code=201, response_model=schemas.TopUpOut, **deps.action("topup.create"),
            responses={200: {"model": schemas.TopUpOut, "description": "the same reference again: the top-up it recorded (R15)"}})
    def topup(account_id: deps.AccountId, body: schemas.TopUpIn, principal: deps.Caller, request: Request):
        def out(t: services.TopUp) -> dict:
            return {"id": t.id, "amount": present.money_json(t.amount), "reference": t.reference, "balance": present.money_json(t.balance)}

        def produce():
            result = services.topup(ctx, account_id, money(body.amount, "amount"), body.reference, override_at(body.at, principal), idem)
            return (201 if result.created else 200), out(result)

        idem = key_of(request, account_id, body.model_dump())
        return respond(ctx, idem, produce, lambda ref: (200, out(services.topup_by_id(ctx, account_id, ref))))

    @r.post("/v1/accounts/{account_id}/adjustments", status_code=201, response_model=schemas.AdjustmentOut, **deps.action("adjustment.create"))
    def adjustment(account_id: deps.AccountId, body: schemas.AdjustmentIn, principal: deps.Caller, request: Request):
        def out(a: services.Adjustment) -> dict:
            return {"id": a.id, "amount": present.money_json(a.amount), "balance": present.money_json(a.balance)}

        idem = key_of(request, account_id, body.model_dump())
        return respond(ctx, idem, lambda: (201, out(services.adjust(ctx, account_id, money(body.amount, "amount"), body.reason,
                                                                    override_at(body.at, principal), idem))),
                       lambda ref: (201, out(services.adjustment_by_id(ctx, account_id, ref))))

    @r.post("/v1/accounts/{account_id}/vouchers", status_code=201, response_model=schemas.VoucherOut, **deps.action("voucher.grant"))
    def voucher(account_id: deps.AccountId, body: schemas.VoucherIn, request: Request):
        today = shanghai_day(ctx.now())  # for the voucher's status in the answer

        def produce():
            v = services.grant_voucher(ctx, account_id, money(body.amount, "amount"), day(body.expires_on, "expires_on"), body.services,
                                       idem=idem)
            return 201, present.voucher_json(v, today)

        idem = key_of(request, account_id, body.model_dump())
        return respond(ctx, idem, produce, lambda ref: (201, present.voucher_json(services.voucher_by_id(ctx, account_id, ref), today)))

    @r.get("/v1/accounts/{account_id}/journal", response_model=schemas.JournalOut, **deps.action("read"))
    def journal(account_id: deps.AccountId, from_: FromDayOpt = None, to: ToDayOpt = None):
        first: date | None = day(from_, "from") if from_ else None
        last: date | None = day(to, "to") if to else None
        if first and last and first > last:
            raise ApiError("invalid_request", "'from' must not be after 'to'")
        return {"entries": [present.entry_json(e) for e in services.journal_entries(ctx, account_id, first, last)]}

    return r
