"""An account's monthly statements: on the page, and as PDF (in either language) or CSV."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from fastapi.responses import Response

from ...domain.errors import BillingError, InvalidRequest
from ...pdf import PdfUnavailable, html_to_pdf
from ...present.books import statement_body_html, statement_csv, statement_html
from ...services import books
from ..i18n import LANGS
from ..pages import Pages, Visit


def router(pages: Pages) -> APIRouter:
    r = APIRouter(include_in_schema=False)
    ctx = pages.ctx

    @r.get("/console/accounts/{account_id}/statements")
    def statements(account_id: str, v: Visit = Depends(pages.account)) -> Response:
        months = books.statement_months(ctx, account_id)
        wanted = v.request.query_params.get("month")
        try:
            statement = books.statement(ctx, account_id, books.parse_month(wanted)) if wanted else _latest_busy(account_id, months)
        except BillingError as exc:
            return v.page("statements.html", account=v.account, months=months, month=wanted or "", statement=None, tab="statements",
                          error=v.sentence(exc))
        return v.page("statements.html", account=v.account, months=months, month=f"{statement.month:%Y-%m}", statement=statement,
                      tab="statements", body=statement_body_html(statement, ctx.catalog, v.lang, ctx.issuer))

    def _latest_busy(account_id: str, months):
        """Opened without a month: the newest of the last three months in which something happened
        (early in a month, the month before, whose statement is final), else this month's."""
        found = [books.statement(ctx, account_id, m) for m in months[:3]]
        return next((s for s in found if not s.quiet), found[0])

    @r.get("/console/accounts/{account_id}/statements/{month}.{kind}")
    def statement_file(account_id: str, month: str, kind: str, v: Visit = Depends(pages.account)) -> Response:
        lang = v.request.query_params.get("lang") or v.lang
        lang = lang if lang in LANGS else v.lang
        try:
            statement = books.statement(ctx, account_id, books.parse_month(month))
            if kind not in ("pdf", "csv"):
                raise InvalidRequest("a statement downloads as .pdf or .csv")
            name = f"statement-{account_id}-{statement.month:%Y-%m}.{kind}"
            if kind == "csv":
                return Response(statement_csv(statement, ctx.catalog, lang, ctx.issuer).encode("utf-8-sig"),
                                media_type="text/csv; charset=utf-8",
                                headers={"Content-Disposition": f'attachment; filename="{name}"'})
            pdf = html_to_pdf(statement_html(statement, ctx.catalog, lang, ctx.issuer), ctx.chromium)
            return Response(pdf, media_type="application/pdf", headers={"Content-Disposition": f'attachment; filename="{name}"'})
        except BillingError as exc:
            return v.page("error.html", status=422, error=v.sentence(exc))
        except PdfUnavailable:
            return v.error(503, "pdf_unavailable")

    return r
