"""Invoices (发票, R33) and vouchers (代金券) in the console: an account's invoice page (titles,
requests with their status, the invoices issued and reversed, what is invoiceable now) and its
vouchers page; the operator's list of requests to issue or reject, and their batch export."""

from typing import Annotated

from fastapi import APIRouter, Depends, Form
from fastapi.responses import Response

from ... import services
from ...domain.days import from_us, shanghai_day
from ...domain.errors import BillingError
from ...domain.money import parse_typed
from ...present.invoices import requests_xlsx
from ...services import books, invoicing
from ..pages import Pages, Visit, redirect
from .money import run_form

PAGE = "/invoices"
"""Where an account's invoice forms return to."""


def router(pages: Pages) -> APIRouter:
    r = APIRouter(include_in_schema=False)
    _account_pages(r, pages)
    _operator_pages(r, pages)
    return r


def _account_pages(r: APIRouter, pages: Pages) -> None:
    """An account's invoice and voucher tabs, and the customer's forms."""
    ctx = pages.ctx

    @r.get("/console/accounts/{account_id}/invoices")
    def account_invoices(account_id: str, v: Visit = Depends(pages.account)) -> Response:
        titles = invoicing.titles(ctx, account_id)
        every_title = invoicing.titles_of(ctx, invoicing.requests(ctx, account_id))
        return v.page("invoices.html", account=v.account, tab="invoices", titles=titles, every_title=every_title,
                      requests=list(reversed(invoicing.requests(ctx, account_id))),
                      invoices=[(number, amount, from_us(at)) for _, number, amount, at in books.invoices(ctx, account_id)],
                      invoiceable=books.invoiceable_now(ctx, account_id), rate=f"{(ctx.vat_rate * 100).normalize():f}",
                      idem=pages.new_form_key())

    @r.post("/console/accounts/{account_id}/invoice-titles")
    def add_title(account_id: str, type: str = Form("normal"), name: str = Form(""), tax_id: str = Form(""), address: str = Form(""),
                  phone: str = Form(""), bank: str = Form(""), bank_account: str = Form(""),
                  *, v: Annotated[Visit, Depends(pages.permitted("invoice_title.create"))]) -> Response:
        fields = {"type": type, "name": name, "tax_id": tax_id, "address": address, "phone": phone, "bank": bank, "bank_account": bank_account}
        return run_form(v, account_id, "invoice_title.create", fields, lambda: invoicing.add_title(ctx, account_id, fields), page=PAGE)

    @r.post("/console/accounts/{account_id}/invoice-titles/{title_id}/remove")
    def remove_title(account_id: str, title_id: str, *, v: Annotated[Visit, Depends(pages.permitted("invoice_title.delete"))]) -> Response:
        return run_form(v, account_id, "invoice_title.delete", {"title_id": title_id},
                        lambda: invoicing.delete_title(ctx, account_id, title_id), page=PAGE)

    @r.post("/console/accounts/{account_id}/invoice-requests")
    def request_invoice(account_id: str, title_id: str = Form(""), amount: str = Form(""), idem: str = Form(""),
                        *, v: Annotated[Visit, Depends(pages.permitted("invoice.request"))]) -> Response:
        return run_form(v, account_id, "invoice.request", {"title_id": title_id, "amount": amount},
                        lambda: invoicing.request(ctx, account_id, title_id, parse_typed(amount),
                                                  idem=v.form_key(account_id, idem, "invoice", title_id, amount)), page=PAGE)

    @r.get("/console/accounts/{account_id}/vouchers")
    def vouchers(account_id: str, v: Visit = Depends(pages.account)) -> Response:
        view = services.wallet(ctx, account_id)
        granted = {e["ref"]: e["at"] for e in services.journal_entries(ctx, account_id) if e["kind"] == "voucher"}
        return v.page("vouchers.html", account=v.account, tab="vouchers", vouchers=view.vouchers, granted=granted,
                      today=shanghai_day(ctx.now()))


def _operator_pages(r: APIRouter, pages: Pages) -> None:
    """Issuing and rejecting (from an account's tab or the list), the list of requests and its export."""
    ctx = pages.ctx

    def decide(v: Visit, request_id: str, action: str, parameters: dict, change) -> Response:
        """Issue or reject, from the account's invoice page or the operator's list (``?back=list``)."""
        listed = v.request.query_params.get("back") == "list"
        try:
            account_id = invoicing.request_by_id(ctx, request_id).account_id
        except BillingError as exc:
            return redirect("/console/invoice-requests", v.sentence(exc))
        return run_form(v, account_id, action, {"request_id": request_id, **parameters}, change, page=PAGE,
                        to="/console/invoice-requests" if listed else None)

    @r.post("/console/invoice-requests/{request_id}/issue")
    def issue(request_id: str, number: str = Form(""), *, v: Annotated[Visit, Depends(pages.permitted("invoice.issue"))]) -> Response:
        return decide(v, request_id, "invoice.issue", {"number": number}, lambda: invoicing.issue(ctx, request_id, number))

    @r.post("/console/invoice-requests/{request_id}/reject")
    def reject(request_id: str, reason: str = Form(""), *, v: Annotated[Visit, Depends(pages.permitted("invoice.reject"))]) -> Response:
        return decide(v, request_id, "invoice.reject", {"reason": reason}, lambda: invoicing.reject(ctx, request_id, reason))

    @r.get("/console/invoice-requests")
    def operator_requests(*, v: Annotated[Visit, Depends(pages.signed_in("read.all"))]) -> Response:
        status = v.request.query_params.get("status") or "pending"
        status = status if status in ("pending", "issued", "rejected") else "pending"
        found = invoicing.requests(ctx, None, status)
        names = {a.id: a.name for a in services.list_accounts(ctx)}
        return v.page("invoice_requests.html", requests=found, titles=invoicing.titles_of(ctx, found), wanted=status, names=names)

    @r.get("/console/invoice-requests.xlsx")
    def export(*, v: Annotated[Visit, Depends(pages.signed_in("read.all"))]) -> Response:
        found = invoicing.requests(ctx, None, "pending")
        return Response(requests_xlsx(found, invoicing.titles_of(ctx, found), v.lang),
                        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                        headers={"Content-Disposition": 'attachment; filename="invoice-requests-pending.xlsx"'})

