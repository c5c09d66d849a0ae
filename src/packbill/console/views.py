"""Console routes. Each handler resolves who is signed in, calls services, renders a template."""

from __future__ import annotations

from calendar import monthrange
from datetime import date, timedelta
from decimal import Decimal
from urllib.parse import quote, urlsplit
import hmac
import secrets

from fastapi import APIRouter, Depends, Form, Request
from markupsafe import Markup, escape
from starlette.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from jinja2 import Environment, PackageLoader, select_autoescape

import json
import uuid

from .. import present, services
from ..domain.days import check_supported
from ..domain.money import parse_decimal
from ..domain.wallet import WalletState, contracted
from ..domain import SHANGHAI, TRAFFIC_SERVICES, BillingError, PackageStatus, UnknownSku, check_refund, shanghai_day
from ..domain.errors import InvalidRequest
from ..pdf import PdfUnavailable, html_to_pdf
from ..present.books import STYLE as STATEMENT_STYLE
from ..present.books import statement_body_html, statement_csv, statement_html
from ..present.charts import PALETTE, PAYG, drawn_vs_payg, line_chart, stacked_bars
from ..domain.advice import SolverUnavailable
from ..present.advice import cost_chart as advice_cost_chart
from ..present.advice import reason as advice_reason
from ..services import advice as advice_service
from ..domain.access import CHANGES, OPERATOR_ROLES
from ..present.notify import event_time, sentence
from ..services import archive, books, metrics, notify, operators, schedule
from ..domain.limits import BODY_TOO_LARGE as TOO_LARGE
from ..services.lockout import Lockout
from .i18n import LANGS, error_sentence, t

SESSION_COOKIE = "pb_session"
"""The session's random id (HttpOnly, SameSite=Strict, Secure over TLS); never a token."""
SIGNIN_COOKIE = "pb_signin"
"""Before sign-in: the value the sign-in form must carry back (login CSRF)."""
LANG_COOKIE = "pb_lang"
FLASH_COOKIE = "pb_flash"

env = Environment(loader=PackageLoader("packbill.console", "templates"), autoescape=select_autoescape(["html"]))
env.globals["money"] = present.money
env.filters["plainjson"] = lambda value: json.dumps(value, ensure_ascii=False, sort_keys=True)  # autoescaped as text
env.globals["when"] = lambda at: at.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M:%S") if at else ""
env.globals["statement_style"] = STATEMENT_STYLE
STATIC_MOUNT = ("/static", StaticFiles(packages=[("packbill.console", "static")]), "static")
"""The console's stylesheet: the composition root mounts it beside the router."""


def _lang(request: Request) -> str:
    lang = request.cookies.get(LANG_COOKIE, "zh")
    return lang if lang in LANGS else "zh"


def _redirect(url: str, flash: str | None = None) -> RedirectResponse:
    response = RedirectResponse(url, status_code=303)
    if flash:
        response.set_cookie(FLASH_COOKIE, quote(flash), path="/", httponly=True, samesite="strict")
    return response


def _flash_text(request: Request) -> str | None:
    from urllib.parse import unquote

    raw = request.cookies.get(FLASH_COOKIE)
    return unquote(raw) if raw else None


def _may_see(viewer: services.Principal | None, account_id: str) -> bool:
    return viewer is not None and viewer.may("read") and viewer.may_see(account_id)



def _day(text: str) -> date:
    """A day from a form or a query, within the days packbill supports (else ValueError)."""
    return check_supported(date.fromisoformat(text))

def _same_origin(request: Request) -> bool:
    """A POST whose Origin (else Referer) names another site is refused; one naming neither is
    left to the CSRF token."""
    claimed = request.headers.get("origin") or request.headers.get("referer")
    if not claimed or claimed == "null":
        return claimed is None
    parts = urlsplit(claimed)
    return f"{parts.scheme}://{parts.netloc}".lower() == f"{request.url.scheme}://{request.headers.get('host', '')}".lower()


def _client(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def console_router(ctx: services.Context, operator_token: str | None, lockout: Lockout | None = None) -> APIRouter:
    """The console's pages, on the same services as the API. Every POST is checked first (its
    origin and its CSRF token, ``_post_guard``); a refused one is recorded like any refusal."""
    lockout = lockout or Lockout()

    async def _post_guard(request: Request) -> None:
        """Before a POST's handler: its verdict in ``request.state.post_refusal`` (None: it may go on)."""
        request.state.post_refusal = None
        if request.method != "POST":
            return
        if TOO_LARGE in request.scope:
            request.state.post_refusal = "the form is too large"
            return
        if not _same_origin(request):
            request.state.post_refusal = "sent from another site"
            return
        form = await request.form()
        sent = str(form.get("csrf") or "")
        if request.url.path == "/console/signin":
            expected = request.cookies.get(SIGNIN_COOKIE)
        else:
            found = await run_in_threadpool(_session, request)
            expected = found.csrf if found else None
        if not expected or not sent or not hmac.compare_digest(sent.encode(), expected.encode()):
            request.state.post_refusal = "the form's CSRF token is missing or wrong"

    app = APIRouter(include_in_schema=False, dependencies=[Depends(_post_guard)])

    def _session(request: Request) -> operators.Session | None:
        """The session the cookie names: looked up once per request (a handler, its checks, its
        audit record and its page all ask)."""
        sid = request.cookies.get(SESSION_COOKIE)
        known = getattr(request.state, "session", None)
        if known is None or known[0] != sid:
            known = request.state.session = (sid, operators.session(ctx, sid, operator_token))
        return known[1]

    def _viewer(request: Request) -> services.Principal | None:
        found = _session(request)
        return found.principal if found else None

    def _csrf(request: Request) -> str:
        found = _session(request)
        return found.csrf if found else request.cookies.get(SIGNIN_COOKIE, "")

    def _recorded(request: Request, action: str, account_id: str | None = None, target: str | None = None, **parameters):
        """R24: the console's changes go to the audit trail like the API's, refusals included."""
        return operators.recorded(ctx, _viewer(request), "console", action, target=target or account_id, account_id=account_id,
                                  parameters=parameters)

    def _refused(request: Request, action: str, account_id: str | None = None) -> Response | None:
        """The error page when the viewer may not do ``action`` (on ``account_id``), else None.
        Every refused change is recorded (R24): a cross-site or tokenless form, a role without
        the grant, another account's token (which sees a page that does not exist)."""
        viewer = _viewer(request)
        lang = _lang(request)
        why = getattr(request.state, "post_refusal", None)
        if why is not None:
            if viewer is None:
                operators.record_anonymous(ctx, "console", action, client=_client(request), outcome="forbidden", detail=why)
            elif action in CHANGES:
                operators.record(ctx, viewer, "console", action, target=account_id, account_id=account_id if viewer.is_operator else None,
                                 outcome="forbidden", detail=why)
            return page(request, "error.html", status=403, error=t(lang, "forbidden"))
        if viewer is None:
            return _redirect("/")
        if account_id is not None and not _may_see(viewer, account_id):
            if action in CHANGES:
                operators.record(ctx, viewer, "console", action, target=account_id, outcome="not_found",
                                 detail="another account's page")
            return page(request, "error.html", status=404, error=t(lang, "not_found"))
        if not viewer.may(action):
            if action in CHANGES:  # R24: a refused change is recorded too
                operators.record(ctx, viewer, "console", action, target=account_id, account_id=account_id if viewer.is_operator else None,
                                 outcome="forbidden", detail="the role may not do this")
            return page(request, "error.html", status=403, error=t(lang, "forbidden"))
        return None

    def _render(request: Request, template: str, status: int = 200, **values) -> HTMLResponse:
        lang = _lang(request)
        flash = request.cookies.get(FLASH_COOKIE)
        viewer = _viewer(request)
        if viewer is not None and viewer.account_id is not None:
            values.setdefault("unread", notify.unread(ctx, viewer.account_id))
        body = env.get_template(template).render(
            lang=lang, t=lambda key, **kw: t(lang, key, **kw), viewer=viewer, flash=flash,
            can=lambda action: viewer is not None and viewer.may(action),
            csrf_field=lambda: Markup(f'<input type="hidden" name="csrf" value="{escape(_csrf(request))}">'),
            package_name=lambda sku: present.package_name(ctx.catalog, sku, lang),
            path=request.url.path + (f"?{request.url.query}" if request.url.query else ""), **values
        )
        response = HTMLResponse(body, status_code=status)
        if flash:
            response.delete_cookie(FLASH_COOKIE, path="/")
        return response

    def page(request: Request, template: str, status: int = 200, **values) -> HTMLResponse:
        values.setdefault("message", _flash_text(request))
        return _render(request, template, status, **values)

    @app.get("/", include_in_schema=False)
    def index(request: Request) -> Response:
        viewer = _viewer(request)
        if viewer is None:
            return _signin_page(request)
        if viewer.account_id is not None:
            return _redirect(f"/console/accounts/{viewer.account_id}")
        if not viewer.may("read.all"):
            return page(request, "error.html", status=403, error=t(_lang(request), "forbidden_role", role=viewer.role.value))
        return _redirect("/console/accounts")

    def _signin_page(request: Request, status: int = 200, **values) -> HTMLResponse:
        """The sign-in page, with the value its form must carry back (set as a cookie if new)."""
        value = request.cookies.get(SIGNIN_COOKIE) or secrets.token_urlsafe(24)
        request.cookies[SIGNIN_COOKIE] = value
        response = page(request, "signin.html", status=status, **values)
        response.set_cookie(SIGNIN_COOKIE, value, path="/console/signin", httponly=True, samesite="strict",
                            secure=request.url.scheme == "https")
        return response

    @app.post("/console/signin", include_in_schema=False)
    def signin(request: Request, token: str = Form("")) -> Response:
        lang, client = _lang(request), _client(request)
        wait = lockout.retry_after(client)
        if wait is not None:
            return _signin_page(request, status=429, error=t(lang, "locked_out", seconds=wait))
        why = request.state.post_refusal
        if why is not None:
            operators.record_anonymous(ctx, "console", operators.SIGNIN, client=client, outcome="forbidden", detail=why)
            return _signin_page(request, status=403, error=t(lang, "forbidden"))
        opened = operators.open_session(ctx, token.strip(), operator_token)
        if opened is None:
            lockout.failed(client)
            operators.record_anonymous(ctx, "console", operators.SIGNIN, client=client, outcome="unauthorized",
                                       detail="a sign-in with a token that is not valid")
            return _signin_page(request, status=401, error=t(lang, "bad_token"))
        lockout.succeeded(client)
        operators.record_signin(ctx, opened.principal, client)
        response = _redirect("/")
        response.set_cookie(SESSION_COOKIE, opened.id, path="/", httponly=True, samesite="strict", secure=request.url.scheme == "https",
                            max_age=operators.SESSION_HOURS * 3600)
        response.delete_cookie(SIGNIN_COOKIE, path="/console/signin")
        return response

    @app.post("/console/signout", include_in_schema=False)
    def signout(request: Request) -> Response:
        if request.state.post_refusal is None:  # a cross-site form cannot sign anyone out
            operators.close_session(ctx, request.cookies.get(SESSION_COOKIE))
        response = _redirect("/")
        response.delete_cookie(SESSION_COOKIE, path="/")
        return response

    @app.get("/console/lang/{lang}", include_in_schema=False)
    def set_lang(lang: str, next: str = "/") -> Response:
        local = next.startswith("/") and not next.startswith("//") and "\\" not in next
        response = _redirect(next if local else "/")
        response.set_cookie(LANG_COOKIE, lang if lang in LANGS else "zh", path="/", samesite="strict")
        return response

    @app.get("/console/accounts", include_in_schema=False)
    def accounts(request: Request) -> Response:
        viewer = _viewer(request)
        if viewer is None:
            return _redirect("/")
        if not viewer.may("read.all"):
            return page(request, "error.html", status=403, error=t(_lang(request), "forbidden"))
        return _accounts_page(request)

    def _accounts_page(request: Request, **extra) -> HTMLResponse:
        q = request.query_params
        state = q.get("state") or None
        sort = q.get("sort") or "created"
        descending = q.get("desc") == "1"
        try:
            number = int(q.get("page") or 1)
        except ValueError:
            number = 1
        try:
            rows, pages = services.account_page(ctx, state=state, sort=sort, descending=descending, page=number)
        except BillingError as exc:
            rows, pages = [], 1
            extra.setdefault("message", error_sentence(_lang(request), exc))
        yesterday = shanghai_day(ctx.now()) - timedelta(days=1)
        return page(request, "accounts.html", rows=rows, pages=pages, number=min(max(1, number), pages), state=state or "",
                    sort=sort, desc=descending, states=[s.value for s in WalletState], yesterday=yesterday, **extra)

    @app.post("/console/accounts", include_in_schema=False)
    def create_account(request: Request, name: str = Form(""), site: str = Form("cn"), payment: str = Form("balance")) -> Response:
        refused = _refused(request, "account.create")
        if refused:
            return refused
        try:
            with _recorded(request, "account.create", name=name, site=site, payment=payment) as found:
                account, token = services.create_account(ctx, name, site, payment=payment)
                found["target"] = account.id
        except BillingError as exc:
            return _redirect("/console/accounts", error_sentence(_lang(request), exc))
        return _accounts_page(request, new_token=token, new_account=account)

    @app.post("/console/settle", include_in_schema=False)
    def settle(request: Request, through: str = Form("")) -> Response:
        lang = _lang(request)
        refused = _refused(request, "settlement.run")
        if refused:
            return refused
        try:
            with _recorded(request, "settlement.run", through=through):
                result = services.settle(ctx, _day(through))
            message = t(lang, "settled", days=result.days, lines=result.lines)
        except ValueError:
            message = error_sentence(lang, BillingError("YYYY-MM-DD"))
        except BillingError as exc:
            message = error_sentence(lang, exc)
        return _redirect("/console/accounts", message)

    def _account_or_error(request: Request, account_id: str):
        viewer = _viewer(request)
        if viewer is None:
            return None, _redirect("/")
        if not _may_see(viewer, account_id):
            return None, page(request, "error.html", status=404, error=t(_lang(request), "not_found"))
        try:
            return services.account_view(ctx, account_id), None
        except BillingError:
            return None, page(request, "error.html", status=404, error=t(_lang(request), "not_found"))

    @app.get("/console/accounts/{account_id}", include_in_schema=False)
    def account(request: Request, account_id: str) -> Response:
        view, error = _account_or_error(request, account_id)
        if error:
            return error
        today = shanghai_day(ctx.now())
        packages = services.list_packages(ctx, account_id)
        refundable = _refundable(ctx, view, packages)
        lang = _lang(request)
        now_left = services.remaining_now(ctx, account_id)  # R26: with the usage not settled yet, estimated
        rows = [
            {"view": v, "share": 100 * v.remaining / v.package.size,
             "remaining": present.quantity(v.package.service, v.remaining, lang),
             "now": present.quantity(v.package.service, now_left[v.package.id], lang)
             if now_left.get(v.package.id, v.remaining) != v.remaining else None,
             "size": present.quantity(v.package.service, v.package.size, lang),
             "days_left": (v.package.last_day - today).days + 1 if v.status.value not in ("expired", "refunded") else None,
             "refundable": v.package.id in refundable}
            for v in packages
        ]
        reminders = [{"kind": r.kind, "day": r.day, "message": present.reminder_message(r, ctx.catalog, lang)}
                     for r in services.reminders(ctx, account_id)]
        reminders += [{"kind": r.kind, "day": r.day, "message": present.wallet_reminder_message(r, lang)}
                      for r in services.wallet_reminders(ctx, account_id)]
        wallet = services.wallet(ctx, account_id)
        return page(request, "account.html", account=view, rows=rows, reminders=reminders, tab="overview",
                    wallet=wallet, wallet_note=_wallet_note(lang, wallet, ctx.delays), today=today, idem=uuid.uuid4().hex,
                    stopped=[present.service_name(ctx.catalog, s_, lang) for s_, st in wallet.service_status.items() if st == "suspended"],
                    any_frozen=any(v.status is PackageStatus.FROZEN for v in packages))

    @app.get("/console/accounts/{account_id}/catalog", include_in_schema=False)
    def catalog(request: Request, account_id: str) -> Response:
        view, error = _account_or_error(request, account_id)
        if error:
            return error
        cat = ctx.catalog
        lang = _lang(request)
        rate = services.wallet_rate(ctx, account_id)
        items = [{"sku": p, "name": present.package_name(cat, p.sku, lang), "size": present.quantity(p.service, p.size, lang),
                  "price": present.money(p.price),
                  "yours": present.money(contracted(p.price, rate)[1]) if rate != 1 else None,
                  "service": present.service_name(cat, p.service, lang), "validity": present.validity(p.validity, lang)}
                 for p in cat.packages.values()]
        payg = [{"s": s, "per": present.price_unit(cat, s.service, lang)} for s in cat.services.values()]
        return page(request, "catalog.html", account=view, items=items, payg=payg, tab="catalog", idem=uuid.uuid4().hex,
                    advice=_advice_block(account_id, lang))

    def _advice_block(account_id: str, lang: str) -> dict | None:
        """R27 above the catalog: the plan, its reasons, a chart of the cost with and without it."""
        try:
            found = advice_service.advise(ctx, account_id)
        except (BillingError, SolverUnavailable):
            return None
        a = found.advice
        if not a.services and found.what_if is None:
            return None
        chart = advice_cost_chart(found, lang)
        now_buys = [p for p in found.plan if p.buy_on == found.today]
        return {"plan": [{"p": p, "reason": advice_reason(p, ctx.catalog, lang)} for p in found.plan], "now": now_buys,
                "now_total": present.money(sum((p.cost for p in now_buys), Decimal(0))),
                "with": present.money(a.total("with_plan")), "without": present.money(a.total("without_plan")),
                "saving": present.money(a.total("without_plan") - a.total("with_plan")), "forfeited": present.money(a.forfeited),
                "lower": present.money(a.total("lower")), "higher": present.money(a.total("higher")), "chart": chart,
                "what_if": found.what_if, "mode": found.traffic_billing.value,
                "what_if_traffic": present.money(found.what_if.traffic) if found.what_if else None,
                "what_if_bandwidth": present.money(found.what_if.bandwidth) if found.what_if else None}

    @app.post("/console/accounts/{account_id}/buy-plan", include_in_schema=False)
    def buy_plan(request: Request, account_id: str, idem: str = Form(""), sku: list[str] = Form([]), count: list[str] = Form([])) -> Response:
        """Buy what the plan says to buy today, each through the normal purchase (funds check
        included); stops at the first refusal and says what was bought."""
        refused = _refused(request, "package.buy", account_id)
        if refused:
            return refused
        view, error = _account_or_error(request, account_id)
        if error:
            return error
        lang = _lang(request)
        wanted = [(s, int(c)) for s, c in zip(sku, count) if c.isdigit() and 0 < int(c) <= 100]
        if not wanted:
            return _redirect(f"/console/accounts/{account_id}/catalog", t(lang, "plan_empty"))
        spent = Decimal(0)
        for one, n in wanted:
            try:
                with _recorded(request, "package.buy", account_id, sku=one, count=n, plan=True):
                    spent += services.buy(ctx, account_id, one, n, idem=_form_key(account_id, idem, "plan", one, n)).amount
            except services.Replayed:
                continue
            except (BillingError, UnknownSku) as exc:
                message = error_sentence(lang, exc)
                if spent:
                    message = t(lang, "plan_partly", amount=present.money(spent)) + " " + message
                return _redirect(f"/console/accounts/{account_id}/catalog", message)
        return _redirect(f"/console/accounts/{account_id}", t(lang, "bought", amount=present.money(spent)))

    @app.post("/console/accounts/{account_id}/buy", include_in_schema=False)
    def buy(request: Request, account_id: str, sku: str = Form(""), count: int = Form(1), idem: str = Form("")) -> Response:
        refused = _refused(request, "package.buy", account_id)
        if refused:
            return refused
        view, error = _account_or_error(request, account_id)
        if error:
            return error
        lang = _lang(request)
        try:
            with _recorded(request, "package.buy", account_id, sku=sku, count=count):
                result = services.buy(ctx, account_id, sku, count, idem=_form_key(account_id, idem, "buy", sku, count))
        except services.Replayed:
            return _redirect(f"/console/accounts/{account_id}", t(lang, "already_done"))
        except (BillingError, UnknownSku) as exc:
            return _redirect(f"/console/accounts/{account_id}/catalog", error_sentence(lang, exc))
        return _redirect(f"/console/accounts/{account_id}", t(lang, "bought", amount=present.money(result.amount)))

    def _money_action(request: Request, account_id: str, name: str, parameters: dict, action, done) -> Response:
        """Run a money action from a form: refusals and bad amounts as sentences, a repeated form as 'already done'."""
        lang = _lang(request)
        refused = _refused(request, name, account_id)
        if refused:
            return refused
        target = f"/console/accounts/{account_id}"
        try:
            with _recorded(request, name, account_id, **parameters):
                result = action()
        except services.Replayed:
            return _redirect(target, t(lang, "already_done"))
        except ValueError as exc:
            return _redirect(target, error_sentence(lang, BillingError(str(exc))))
        except (BillingError, UnknownSku) as exc:
            return _redirect(target, error_sentence(lang, exc))
        return _redirect(target, done(result) if done else t(lang, "done"))

    @app.post("/console/accounts/{account_id}/topup", include_in_schema=False)
    def topup(request: Request, account_id: str, amount: str = Form(""), reference: str = Form(""), idem: str = Form("")) -> Response:
        lang = _lang(request)
        return _money_action(
            request, account_id, "topup.create", {"amount": amount, "reference": reference},
            lambda: services.topup(ctx, account_id, parse_decimal(amount), reference,
                                   idem=_form_key(account_id, idem, "topup", amount, reference)),
            lambda r: t(lang, "topped_up", amount=present.money(r.amount), balance=present.money(r.balance)))

    @app.post("/console/accounts/{account_id}/adjust", include_in_schema=False)
    def adjust(request: Request, account_id: str, amount: str = Form(""), reason: str = Form(""), idem: str = Form("")) -> Response:
        return _money_action(request, account_id, "adjustment.create", {"amount": amount, "reason": reason}, lambda: services.adjust(
            ctx, account_id, parse_decimal(amount), reason, idem=_form_key(account_id, idem, "adjust", amount, reason)), None)

    @app.post("/console/accounts/{account_id}/voucher", include_in_schema=False)
    def voucher(request: Request, account_id: str, amount: str = Form(""), expires_on: str = Form(""), idem: str = Form("")) -> Response:
        return _money_action(request, account_id, "voucher.grant", {"amount": amount, "expires_on": expires_on}, lambda: services.grant_voucher(
            ctx, account_id, parse_decimal(amount), _day(expires_on),
            idem=_form_key(account_id, idem, "voucher", amount, expires_on)), None)

    @app.post("/console/accounts/{account_id}/discount", include_in_schema=False)
    def discount(request: Request, account_id: str, rate: str = Form(""), effective_day: str = Form("")) -> Response:
        return _money_action(request, account_id, "discount.set", {"rate": rate, "effective_day": effective_day}, lambda: services.set_discount(
            ctx, account_id, parse_decimal(rate), _day(effective_day)), None)

    @app.post("/console/accounts/{account_id}/credit-limit", include_in_schema=False)
    def credit_limit(request: Request, account_id: str, amount: str = Form("")) -> Response:
        return _money_action(request, account_id, "credit_limit.set", {"amount": amount},
                             lambda: services.set_credit_limit(ctx, account_id, parse_decimal(amount)), None)

    @app.post("/console/accounts/{account_id}/terms", include_in_schema=False)
    def terms(request: Request, account_id: str, payment: str = Form("")) -> Response:
        return _money_action(request, account_id, "account.payment.set", {"payment": payment},
                             lambda: services.set_payment_terms(ctx, account_id, payment), None)

    @app.post("/console/accounts/{account_id}/balance-alert", include_in_schema=False)
    def balance_alert(request: Request, account_id: str, threshold: str = Form("")) -> Response:
        value = threshold.strip()
        return _money_action(request, account_id, "balance_alert.set", {"threshold": value}, lambda: services.set_balance_alert(
            ctx, account_id, parse_decimal(value) if value else None), None)

    @app.post("/console/accounts/{account_id}/packages/{package_id}/refund", include_in_schema=False)
    def refund(request: Request, account_id: str, package_id: str) -> Response:
        refused = _refused(request, "package.refund", account_id)
        if refused:
            return refused
        view, error = _account_or_error(request, account_id)
        if error:
            return error
        lang = _lang(request)
        try:
            with _recorded(request, "package.refund", account_id, target=package_id):
                amount = services.refund(ctx, account_id, package_id).amount
            message = t(lang, "refunded", amount=present.money(amount))
        except BillingError as exc:
            message = error_sentence(lang, exc)
        return _redirect(f"/console/accounts/{account_id}", message)

    @app.post("/console/accounts/{account_id}/traffic-billing", include_in_schema=False)
    def traffic_billing(request: Request, account_id: str, mode: str = Form("")) -> Response:
        refused = _refused(request, "traffic_billing.switch", account_id)
        if refused:
            return refused
        view, error = _account_or_error(request, account_id)
        if error:
            return error
        lang = _lang(request)
        try:
            with _recorded(request, "traffic_billing.switch", account_id, mode=mode):
                mode_value, day = services.switch_traffic_billing(ctx, account_id, mode)
            message = t(lang, "switched", mode=t(lang, f"mode_{mode_value.value}"), day=day)
        except BillingError as exc:
            message = error_sentence(lang, exc)
        return _redirect(f"/console/accounts/{account_id}", message)

    @app.get("/console/accounts/{account_id}/bills", include_in_schema=False)
    def bills(request: Request, account_id: str) -> Response:
        view, error = _account_or_error(request, account_id)
        if error:
            return error
        lang = _lang(request)
        today = shanghai_day(ctx.now())
        first = today.replace(day=1)
        last = today.replace(day=monthrange(today.year, today.month)[1])
        problem, lines = None, []
        try:
            first = _day(request.query_params.get("from") or str(first))
            last = _day(request.query_params.get("to") or str(last))
            if first > last:
                problem = t(lang, "range_reversed")
            elif (last - first).days > 366:
                problem = t(lang, "range_too_long")
            else:
                lines = services.bills(ctx, account_id, first, last)
        except ValueError:
            problem = t(lang, "bad_day")
        except BillingError as exc:
            problem = error_sentence(lang, exc)
        names = {v.package.id: f"{present.package_name(ctx.catalog, v.package.sku, lang)} ({v.package.id[-4:]})"
                 for v in services.list_packages(ctx, account_id)}
        charts = _charts(lang, lines, first, last, names, ctx.catalog)
        rows = [{"line": l, "service": present.service_name(ctx.catalog, l.service, lang),
                 "quantity": present.quantity(l.service, l.quantity, lang), "payg": present.quantity(l.service, l.payg_quantity, lang),
                 "drawn": [(names.get(d.package_id, d.package_id), d.package_id, present.quantity(l.service, d.quantity, lang))
                           for d in l.drawn],
                 "amount": present.money(l.amount)} for l in lines]
        total = present.money(sum((l.amount for l in lines), Decimal(0)))
        return page(request, "bills.html", account=view, rows=rows, total=total, charts=charts, first=first, last=last, tab="bills",
                    **({"message": problem} if problem else {}))

    @app.get("/console/accounts/{account_id}/statements", include_in_schema=False)
    def statements(request: Request, account_id: str) -> Response:
        view, error = _account_or_error(request, account_id)
        if error:
            return error
        lang = _lang(request)
        months = books.statement_months(ctx, account_id)
        wanted = request.query_params.get("month") or f"{months[0]:%Y-%m}"
        try:
            statement = books.statement(ctx, account_id, books.parse_month(wanted))
        except BillingError as exc:
            return page(request, "statements.html", account=view, months=months, month=wanted, statement=None, tab="statements",
                        error=error_sentence(lang, exc))
        return page(request, "statements.html", account=view, months=months, month=f"{statement.month:%Y-%m}", statement=statement,
                    tab="statements", body=statement_body_html(statement, ctx.catalog, lang))

    @app.get("/console/accounts/{account_id}/statements/{month}.{kind}", include_in_schema=False)
    def statement_file(request: Request, account_id: str, month: str, kind: str) -> Response:
        view, error = _account_or_error(request, account_id)
        if error:
            return error
        lang = request.query_params.get("lang") or _lang(request)
        try:
            statement = books.statement(ctx, account_id, books.parse_month(month))
            if kind not in ("pdf", "csv"):
                raise InvalidRequest("a statement downloads as .pdf or .csv")
            name = f"statement-{account_id}-{statement.month:%Y-%m}.{kind}"
            if kind == "csv":
                return Response(statement_csv(statement).encode("utf-8-sig"), media_type="text/csv; charset=utf-8",
                                headers={"Content-Disposition": f'attachment; filename="{name}"'})
            pdf = html_to_pdf(statement_html(statement, ctx.catalog, lang if lang in LANGS else "zh"), ctx.chromium)
            return Response(pdf, media_type="application/pdf", headers={"Content-Disposition": f'attachment; filename="{name}"'})
        except BillingError as exc:
            return page(request, "error.html", status=422, error=error_sentence(_lang(request), exc))
        except PdfUnavailable:
            return page(request, "error.html", status=503, error=t(_lang(request), "pdf_unavailable"))

    @app.get("/console/revenue", include_in_schema=False)
    def revenue(request: Request) -> Response:
        viewer = _viewer(request)
        if viewer is None:
            return _redirect("/")
        lang = _lang(request)
        if not viewer.may("read.all"):
            return page(request, "error.html", status=403, error=t(lang, "forbidden"))
        today = shanghai_day(ctx.now())
        problem = None
        default = (today - timedelta(days=29), today)
        try:
            last = _day(request.query_params.get("to") or str(today))
            first = _day(request.query_params.get("from") or str(last - timedelta(days=29)))
        except ValueError:
            problem, (first, last) = t(lang, "bad_day"), default
        if first > last:
            problem, (first, last) = t(lang, "range_reversed"), default
        try:
            days = books.revenue(ctx, first, last)
        except BillingError as exc:  # a period too long
            problem, (first, last) = error_sentence(lang, exc), default
            days = books.revenue(ctx, first, last)
        labels = [d.day.strftime("%m-%d") for d in days]

        def total(d, kind):
            return float(sum((f[kind] for f in d.services.values()), Decimal(0)))

        charts = [
            stacked_bars(t(lang, "revenue_chart"), labels,
                         {t(lang, "recognised"): [total(d, "recognised") for d in days], t(lang, "payg_revenue"): [total(d, "payg") for d in days],
                          t(lang, "breakage"): [total(d, "breakage") for d in days]},
                         unit="CNY", colours={t(lang, "recognised"): "#2563eb", t(lang, "payg_revenue"): "#16a34a", t(lang, "breakage"): "#9ca3af"}),
            line_chart(t(lang, "deferred_chart"), labels, {t(lang, "deferred"): [float(d.deferred) for d in days]}, unit="CNY",
                       colours={t(lang, "deferred"): "#6b4fbb"}),
        ]
        rows = [{"day": d.day, "service": present.service_name(ctx.catalog, s, lang) if s != "vouchers" else t(lang, "vouchers"),
                 "recognised": present.money(f["recognised"]), "breakage": present.money(f["breakage"]), "payg": present.money(f["payg"]),
                 "deferred": present.money(d.deferred)} for d in days for s, f in d.services.items()]
        sums = {k: present.money(sum((f[k] for d in days for f in d.services.values()), Decimal(0))) for k in ("recognised", "breakage", "payg")}
        return page(request, "revenue.html", charts=charts, rows=rows, sums=sums, first=first, last=last,
                    deferred=present.money(days[-1].deferred) if days else "0.00", **({"message": problem} if problem else {}))

    @app.get("/console/keys", include_in_schema=False)
    def keys(request: Request) -> Response:
        refused = _refused(request, "keys.read")
        if refused:
            return refused
        return _keys_page(request)

    def _keys_page(request: Request, **extra) -> HTMLResponse:
        return page(request, "keys.html", keys=operators.list_keys(ctx), roles=[r.value for r in OPERATOR_ROLES], **extra)

    @app.post("/console/keys", include_in_schema=False)
    def create_key(request: Request, name: str = Form(""), role: str = Form("")) -> Response:
        refused = _refused(request, "key.create")
        if refused:
            return refused
        try:
            with _recorded(request, "key.create", name=name, role=role) as found:
                key, token = operators.create_key(ctx, name, role, _viewer(request))
                found["target"] = key.id
        except BillingError as exc:
            return _redirect("/console/keys", error_sentence(_lang(request), exc))
        return _keys_page(request, new_token=token, new_key=key)

    @app.post("/console/keys/{key_id}/revoke", include_in_schema=False)
    def revoke_key(request: Request, key_id: str) -> Response:
        refused = _refused(request, "key.revoke")
        if refused:
            return refused
        lang = _lang(request)
        try:
            with _recorded(request, "key.revoke", target=key_id):
                key = operators.revoke_key(ctx, key_id)
        except BillingError as exc:
            return _redirect("/console/keys", error_sentence(lang, exc))
        return _redirect("/console/keys", t(lang, "key_revoked", name=key.name))

    @app.get("/console/audit", include_in_schema=False)
    def audit(request: Request) -> Response:
        refused = _refused(request, "audit.read")
        if refused:
            return refused
        lang = _lang(request)
        q = request.query_params
        problem, first, last = None, None, None
        try:
            first = _day(q["from"]) if q.get("from") else None
            last = _day(q["to"]) if q.get("to") else None
        except ValueError:
            problem = t(lang, "bad_day")
        before = q.get("before")
        filters = {k: (q.get(k) or "").strip()[:80] or None for k in ("actor", "account_id", "action")}
        records = []
        if problem is None:
            try:
                records = operators.records(ctx, first=first, last=last, before=int(before) if before and before.isdigit() else None,
                                            limit=100, **filters)
            except BillingError as exc:
                problem = t(lang, "range_reversed") if first and last and first > last else error_sentence(lang, exc)
        from urllib.parse import urlencode

        query = urlencode({k: v for k, v in {"from": q.get("from"), "to": q.get("to"), **filters}.items() if v})
        return page(request, "audit.html", records=records, first=first, last=last, actions=sorted({*CHANGES, operators.SIGNIN}), query=query,
                    next=records[-1].id if len(records) == 100 else None, **filters, **({"message": problem} if problem else {}))

    @app.get("/console/operations", include_in_schema=False)
    def operations(request: Request) -> Response:
        refused = _refused(request, "read.all")
        if refused:
            return refused
        viewer = _viewer(request)
        return page(request, "operations.html", runs=schedule.last_runs(ctx, 14), settlements=services.runs(ctx, 10),
                    depth=notify.outbox_depth(ctx), hooks=notify.endpoints(ctx, viewer), hook_status=notify.endpoint_status,
                    consumers=metrics.consumers(ctx), archives=archive.archives(ctx))

    @app.get("/console/accounts/{account_id}/messages", include_in_schema=False)
    def messages(request: Request, account_id: str) -> Response:
        view, error = _account_or_error(request, account_id)
        if error:
            return error
        lang = _lang(request)
        before = request.query_params.get("before")
        found = notify.messages(ctx, account_id, 50, int(before) if before and before.isdigit() and len(before) < 18 else None)
        items = [{"seq": e.seq, "type": e.type, "unread": e.seq > found.read_seq, "when": event_time(e.at),
                  "text": sentence(e.type, e.data, ctx.catalog, lang)} for e in found.events]
        viewer = _viewer(request)
        return page(request, "messages.html", account=view, tab="messages", items=items, unread=found.unread,
                    can_mark=viewer.account_id == account_id, next=items[-1]["seq"] if len(items) == 50 else None)

    @app.post("/console/accounts/{account_id}/messages/read", include_in_schema=False)
    def messages_read(request: Request, account_id: str, through: str = Form("0")) -> Response:
        refused = _refused(request, "messages.mark_read", account_id)
        if refused:
            return refused
        viewer = _viewer(request)
        if viewer is None or viewer.account_id != account_id:  # only the customer marks its own messages read
            operators.record(ctx, viewer, "console", "messages.mark_read", target=account_id, outcome="forbidden",
                             detail="only the account itself marks its messages read")
            return page(request, "error.html", status=403, error=t(_lang(request), "forbidden"))
        if through.isdigit() and len(through) < 18:
            with _recorded(request, "messages.mark_read", account_id, through=through):
                notify.mark_read(ctx, account_id, int(through))
        return _redirect(f"/console/accounts/{account_id}/messages")

    return app


def _form_key(account_id: str, key: str, *parts) -> services.IdempotencyKey | None:
    """A form's own Idempotency-Key (one per rendered form): a double click does it once."""
    key = (key or "").strip()
    if not key or len(key) > 64:
        return None
    return services.IdempotencyKey.of(account_id, "console-" + key, "POST", "/console", [str(p) for p in parts])


def _wallet_note(lang: str, wallet, delays) -> str | None:
    """R19: what the customer should do about arrears, and by when."""
    purse = wallet.purse
    if purse.arrears_since is None or wallet.state is WalletState.NORMAL:
        return None
    since = purse.arrears_since.astimezone(SHANGHAI)
    floor = present.money(-purse.credit_limit)
    if wallet.state is WalletState.ARREARS:
        deadline = since + delays.suspend_after
        return t(lang, "arrears_help", since=f"{since:%Y-%m-%d %H:%M}", deadline=f"{deadline:%Y-%m-%d %H:%M}", floor=floor)
    if wallet.state is WalletState.SUSPENDED:
        reclaim = since + delays.suspend_after + delays.reclaim_after
        return t(lang, "suspended_help", since=f"{since:%Y-%m-%d %H:%M}", reclaim=f"{reclaim:%Y-%m-%d}", floor=floor)
    return t(lang, "reclaim_help", floor=floor)


def _refundable(ctx, view, packages) -> set[str]:
    """Packages the R10 refund would accept now (the check itself stays in the domain)."""
    out = set()
    for v in packages:
        try:
            check_refund(v.package, v.package.size - v.remaining, view.account.refunds, ctx.now())
            out.add(v.package.id)
        except BillingError:
            pass
    return out


def _charts(lang: str, lines, first: date, last: date, names: dict[str, str], catalog) -> list[str]:
    days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    colours = {n: PALETTE[i % len(PALETTE)] for i, n in enumerate(names.values())}
    colours[t(lang, "payg")] = PAYG
    charts = []
    for service, series in sorted(drawn_vs_payg(lines, days, names, t(lang, "payg")).items()):
        charts.append(stacked_bars(t(lang, "chart_title", service=present.service_name(catalog, service, lang)), [d.strftime("%m-%d") for d in days], series,
                                   unit="GB" if service in TRAFFIC_SERVICES else ("次" if lang == "zh" else "calls"),
                                   colours=colours))
    return charts
