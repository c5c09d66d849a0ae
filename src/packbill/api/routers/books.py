"""The books (R21, R22): monthly statements (JSON, CSV, PDF) and invoices. Revenue and the month's close: ``revenue.py``."""


from typing import Literal

from fastapi import APIRouter, Request
from fastapi.responses import Response

from ... import present
from ...pdf import PdfUnavailable, html_to_pdf
from ...present.books import statement_csv, statement_html, statement_json
from ...services import books
from .. import schemas
from ..deps import Deps, Month
from ..errors import ApiError
from ..idempotent import key_of, respond
from .money import money


def router(deps: Deps) -> APIRouter:
    r = APIRouter(route_class=deps.Route, tags=["books"])
    ctx = deps.ctx

    @r.get("/v1/accounts/{account_id}/statements/{month}", response_model=schemas.StatementOut,
           responses={200: {"content": {"text/csv": {}, "application/pdf": {}}}}, **deps.action("read"))
    def statement(account_id: deps.AccountId, month: Month, format: Literal["json", "csv", "pdf"] = "json",
                  lang: Literal["zh", "en"] = "zh"):
        """The account's statement of a month (YYYY-MM): provisional until the month is over and
        settled, then final, numbered and frozen. ``format=csv`` or ``pdf`` gives it as a file
        (``lang``: its language, zh or en)."""
        s = books.statement(ctx, account_id, books.parse_month(month))
        name = f"statement-{account_id}-{s.month:%Y-%m}"
        if format == "csv":
            return Response(statement_csv(s, ctx.catalog, lang, ctx.issuer).encode("utf-8-sig"), media_type="text/csv; charset=utf-8",
                            headers={"Content-Disposition": f'attachment; filename="{name}.csv"'})
        if format == "pdf":
            try:
                pdf = html_to_pdf(statement_html(s, ctx.catalog, lang, ctx.issuer), ctx.chromium)
            except PdfUnavailable as exc:
                raise ApiError("service_unavailable", str(exc)) from None
            return Response(pdf, media_type="application/pdf", headers={"Content-Disposition": f'attachment; filename="{name}.pdf"'})
        return statement_json(s)

    @r.post("/v1/accounts/{account_id}/invoices", status_code=201, response_model=schemas.InvoiceOut, **deps.action("invoice.create"))
    def invoice(account_id: deps.AccountId, body: schemas.InvoiceIn, request: Request):
        """Record an invoice the operator issued; refused with ``conflict`` above the invoiceable amount."""
        def out(i: books.Invoice) -> dict:
            return {"id": i.id, "number": i.number, "amount": present.money_json(i.amount), "at": i.at.isoformat(),
                    "invoiceable": present.money_json(i.invoiceable)}

        def rebuild(ref: str):
            found = [i for i in books.invoices(ctx, account_id) if str(i[0]) == ref]
            invoice_id, number, amount, _at = found[0]
            return 201, {"id": invoice_id, "number": number, "amount": present.money_json(amount), "at": None,
                         "invoiceable": present.money_json(books.invoiceable_now(ctx, account_id))}

        idem = key_of(request, account_id, body.model_dump())
        return respond(ctx, idem, lambda: (201, out(books.record_invoice(ctx, account_id, money(body.amount, "amount"), body.number, idem))),
                       rebuild)

    @r.get("/v1/accounts/{account_id}/invoices", response_model=schemas.InvoicesOut, **deps.action("read"))
    def invoices(account_id: deps.AccountId):
        """The invoices recorded for the account, and what is invoiceable now."""
        from ...domain.days import from_us

        return {"invoices": [{"id": i, "number": n, "amount": present.money_json(a), "at": from_us(at).isoformat()}
                             for i, n, a, at in books.invoices(ctx, account_id)],
                "invoiceable": present.money_json(books.invoiceable_now(ctx, account_id))}

    return r
