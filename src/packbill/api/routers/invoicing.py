"""Invoices for China (R33): /invoice-titles, /invoice-requests (the account's and the operator's),
issuing and rejecting, the batch export."""

from typing import Literal

from fastapi import APIRouter, Request
from fastapi.responses import Response

from ...present.invoices import request_json, requests_csv, requests_xlsx, title_json
from ...services import invoicing
from .. import schemas
from ..deps import Deps
from ..idempotent import key_of, respond
from .money import money

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def router(deps: Deps) -> APIRouter:
    r = APIRouter(route_class=deps.Route, tags=["invoices"])
    _titles(r, deps)
    _requests(r, deps)
    return r


def _titles(r: APIRouter, deps: Deps) -> None:
    ctx = deps.ctx

    @r.get("/v1/accounts/{account_id}/invoice-titles", response_model=schemas.TitlesOut, **deps.action("read"))
    def titles(account_id: deps.AccountId):
        """The account's invoice titles (抬头)."""
        return {"titles": [title_json(t) for t in invoicing.titles(ctx, account_id)]}

    @r.post("/v1/accounts/{account_id}/invoice-titles", status_code=201, response_model=schemas.TitleOut,
            **deps.action("invoice_title.create"))
    def add_title(account_id: deps.AccountId, body: schemas.TitleIn):
        """A title: normal needs the name and the unified social credit code (its check character
        verified); special also the address, telephone, bank and account."""
        return title_json(invoicing.add_title(ctx, account_id, body.model_dump()))

    @r.delete("/v1/accounts/{account_id}/invoice-titles/{title_id}", response_model=schemas.TitlesOut,
              **deps.action("invoice_title.delete"))
    def delete_title(account_id: deps.AccountId, title_id: str):
        """Remove a title (requests that name it keep it); the titles left."""
        invoicing.delete_title(ctx, account_id, title_id)
        return {"titles": [title_json(t) for t in invoicing.titles(ctx, account_id)]}


def _requests(r: APIRouter, deps: Deps) -> None:
    ctx = deps.ctx

    @r.post("/v1/accounts/{account_id}/invoice-requests", status_code=201, response_model=schemas.InvoiceRequestOut,
            **deps.action("invoice.request"))
    def request_invoice(account_id: deps.AccountId, body: schemas.InvoiceRequestIn, request: Request):
        """Ask for an invoice of ``amount`` (tax included, split at the operator's rate) up to what is
        invoiceable now less pending requests (else ``conflict``); ``Idempotency-Key`` honoured."""
        idem = key_of(request, account_id, body.model_dump())
        return respond(ctx, idem, lambda: (201, request_json(invoicing.request(ctx, account_id, body.title_id,
                                                                                money(body.amount, "amount"), idem))),
                       lambda ref: (201, request_json(invoicing.request_by_id(ctx, ref, account_id))))

    @r.get("/v1/accounts/{account_id}/invoice-requests", response_model=schemas.InvoiceRequestsOut, **deps.action("read"))
    def account_requests(account_id: deps.AccountId, status: Literal["pending", "issued", "rejected"] | None = None):
        """The account's invoice requests, red-letter ones included, oldest first."""
        return {"requests": [request_json(x) for x in invoicing.requests(ctx, account_id, status)]}

    @r.get("/v1/invoice-requests", response_model=schemas.InvoiceRequestsOut,
           responses={200: {"content": {XLSX: {}, "text/csv": {}}}}, **deps.action("read.all"))
    def all_requests(status: Literal["pending", "issued", "rejected"] | None = None, format: Literal["json", "xlsx", "csv"] = "json",
                     lang: Literal["zh", "en"] = "zh"):
        """Every account's invoice requests (``status`` to filter); ``format=xlsx`` or ``csv``: one
        row per invoice line for batch issuing (buyer, code, item, amount, rate, net, tax)."""
        found = invoicing.requests(ctx, None, status)
        if format == "json":
            return {"requests": [request_json(x) for x in found]}
        titles = invoicing.titles_of(ctx, found)
        name = f"invoice-requests-{status or 'all'}"
        if format == "xlsx":
            return Response(requests_xlsx(found, titles, lang), media_type=XLSX,
                            headers={"Content-Disposition": f'attachment; filename="{name}.xlsx"'})
        return Response(requests_csv(found, titles, lang).encode("utf-8-sig"), media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": f'attachment; filename="{name}.csv"'})

    @r.post("/v1/invoice-requests/{request_id}/issue", response_model=schemas.InvoiceRequestOut, **deps.action("invoice.issue"))
    def issue(request_id: str, body: schemas.IssueIn):
        """Record the invoice issued for a pending request (its 20-digit number; a number already
        recorded is ``conflict``); a red-letter request's invoice is recorded below zero."""
        return request_json(invoicing.issue(ctx, request_id, body.number))

    @r.post("/v1/invoice-requests/{request_id}/reject", response_model=schemas.InvoiceRequestOut, **deps.action("invoice.reject"))
    def reject(request_id: str, body: schemas.RejectIn):
        """Reject a pending request, saying why."""
        return request_json(invoicing.reject(ctx, request_id, body.reason))
