"""What every console page opens with, in one place: who is signed in, in which language, what
they may do, the account the page is about, the audit record of a change, its error page or
redirect. A route names what it needs (``Pages.visit``, ``Pages.signed_in``, ``Pages.account``, ``Pages.permitted``)
and gets a ``Visit``; when the visitor may not go on, the dependency raises ``Turned`` with the
page to answer instead (the composition root answers it: ``console.install``).
"""

from __future__ import annotations

import hmac
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import quote, unquote, urlsplit

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup, escape
from starlette.concurrency import run_in_threadpool

from .. import present, services
from ..domain.access import CHANGES
from ..domain.days import SHANGHAI, check_supported
from ..domain.errors import BillingError
from ..domain.limits import BODY_TOO_LARGE
from ..present.books import STYLE as STATEMENT_STYLE
from ..present.words import words
from ..services import Lockout, inbox, operators
from .i18n import LANGS, error_sentence, t

SESSION_COOKIE = "pb_session"
"""The session's random id (HttpOnly, SameSite=Strict, Secure over TLS); never a token."""
SIGNIN_COOKIE = "pb_signin"
"""Before sign-in: the value the sign-in form must carry back (login CSRF)."""
LANG_COOKIE = "pb_lang"
AUDIT_WORDS = words("audit")
"""The audit trail's actions and outcomes by name (an unknown one shows its code)."""
FLASH_COOKIE = "pb_flash"


def templates() -> Environment:
    """The console's templates, with the helpers every page uses."""
    env = Environment(loader=PackageLoader("packbill.console", "templates"), autoescape=select_autoescape(["html"]))
    env.globals["money"] = present.money
    env.globals["when"] = lambda at: at.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M:%S") if at else ""
    env.globals["statement_style"] = STATEMENT_STYLE
    return env


class Turned(Exception):
    """The visitor may not go on: answer ``response`` instead of the page."""

    def __init__(self, response: Response) -> None:
        super().__init__("turned away")
        self.response = response


def redirect(url: str, flash: str | None = None) -> RedirectResponse:
    """A 303 to ``url``, with ``flash`` shown once on the page it lands on."""
    response = RedirectResponse(url, status_code=303)
    if flash:
        response.set_cookie(FLASH_COOKIE, quote(flash), path="/", httponly=True, samesite="strict")
    return response


def parse_day(text: str) -> date:
    """A day from a form or a query, within the days packbill supports (else ValueError)."""
    return check_supported(date.fromisoformat(text))


def language(request: Request) -> str:
    lang = request.cookies.get(LANG_COOKIE, "zh")
    return lang if lang in LANGS else "zh"


def client_of(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def same_origin(request: Request) -> bool:
    """A POST whose Origin (else Referer) names another site is refused; one naming neither is
    left to the CSRF token."""
    claimed = request.headers.get("origin") or request.headers.get("referer")
    if not claimed or claimed == "null":
        return claimed is None
    parts = urlsplit(claimed)
    return f"{parts.scheme}://{parts.netloc}".lower() == f"{request.url.scheme}://{request.headers.get('host', '')}".lower()


@dataclass
class Visit:
    """One request to the console: the visitor, the language, the account the page is about."""

    pages: Pages
    request: Request
    lang: str
    viewer: services.Principal | None
    account: Any = None
    """The account's view (``services.account_view``) on an account's pages."""

    @property
    def ctx(self) -> services.Context:
        return self.pages.ctx

    def t(self, key: str, **kw: Any) -> str:
        return t(self.lang, key, **kw)

    def sentence(self, exc: Exception) -> str:
        """An error in the visitor's language."""
        return error_sentence(self.lang, exc)

    def page(self, template: str, status: int = 200, **values: Any) -> HTMLResponse:
        values.setdefault("message", _flash_text(self.request))
        return self.pages.render(self, template, status, **values)

    def error(self, status: int, key: str, **kw: Any) -> HTMLResponse:
        return self.page("error.html", status=status, error=self.t(key, **kw))

    def recorded(self, action: str, account_id: str | None = None, target: str | None = None, **parameters: Any):
        """R24: the console's changes go to the audit trail like the API's, refusals included."""
        return operators.recorded(self.ctx, self.viewer, "console", action, target=target or account_id, account_id=account_id,
                                  parameters=parameters)

    def form_key(self, account_id: str, key: str, *parts: Any) -> services.IdempotencyKey | None:
        """A form's own Idempotency-Key (one per rendered form): a double click does it once."""
        key = (key or "").strip()
        if not key or len(key) > 64:
            return None
        return services.IdempotencyKey.of(account_id, "console-" + key, "POST", "/console", [str(p) for p in parts])


def _flash_text(request: Request) -> str | None:
    raw = request.cookies.get(FLASH_COOKIE)
    return unquote(raw) if raw else None


class Pages:
    """The console's dependencies, on one context."""

    def __init__(self, ctx: services.Context, operator_token: str | None, lockout: Lockout | None = None) -> None:
        self.ctx = ctx
        self.operator_token = operator_token
        self.lockout = lockout or Lockout()
        self.env = templates()

    # -- who is there ----------------------------------------------------------------------------

    def session(self, request: Request) -> operators.Session | None:
        """The session the cookie names: looked up once per request."""
        sid = request.cookies.get(SESSION_COOKIE)
        known = getattr(request.state, "session", None)
        if known is None or known[0] != sid:
            known = request.state.session = (sid, operators.session(self.ctx, sid, self.operator_token))
        return known[1]

    def viewer(self, request: Request) -> services.Principal | None:
        found = self.session(request)
        return found.principal if found else None

    def csrf(self, request: Request) -> str:
        found = self.session(request)
        return found.csrf if found else request.cookies.get(SIGNIN_COOKIE, "")

    async def post_guard(self, request: Request) -> None:
        """Before a POST's handler: its verdict in ``request.state.post_refusal`` (None: it may go on):
        its size, its origin and its CSRF token."""
        request.state.post_refusal = None
        if request.method != "POST":
            return
        if BODY_TOO_LARGE in request.scope:
            request.state.post_refusal = "the form is too large"
            return
        if not same_origin(request):
            request.state.post_refusal = "sent from another site"
            return
        form = await request.form()
        sent = str(form.get("csrf") or "")
        if request.url.path == "/console/signin":
            expected = request.cookies.get(SIGNIN_COOKIE)
        else:
            found = await run_in_threadpool(self.session, request)
            expected = found.csrf if found else None
        if not expected or not sent or not hmac.compare_digest(sent.encode(), expected.encode()):
            request.state.post_refusal = "the form's CSRF token is missing or wrong"

    # -- the dependencies ------------------------------------------------------------------------

    def visit(self, request: Request) -> Visit:
        """Any page: who is there (maybe no one) and the language."""
        return Visit(self, request, language(request), self.viewer(request))

    def signed_in(self, permission: str | None = None) -> Callable[[Request], Visit]:
        """A page for someone signed in (else to the sign-in page) who may ``permission``."""

        def opened(request: Request) -> Visit:
            v = self.visit(request)
            if v.viewer is None:
                raise Turned(redirect("/"))
            if permission is not None and not v.viewer.may(permission):
                raise Turned(v.error(403, "forbidden"))
            return v

        return opened

    def account(self, request: Request, account_id: str) -> Visit:
        """An account's page: 404 to someone who may not see it, as to a missing one."""
        v = self.visit(request)
        if v.viewer is None:
            raise Turned(redirect("/"))
        self._load(v, account_id)
        return v

    def permitted(self, action: str, *, load: bool = False) -> Callable[[Request], Visit]:
        """A page or a change only for those who may ``action`` (on the account the path names).
        A change refused is recorded (R24): one from another site or without its form's token, a
        role without the grant, another account's page. ``load``: the account's view too (404
        when it does not exist)."""

        def opened(request: Request) -> Visit:
            v = self.visit(request)
            account_id = request.path_params.get("account_id")
            refusal = self._refusal(v, action, account_id)
            if refusal is not None:
                raise Turned(refusal)
            if load and account_id is not None:
                self._load(v, account_id)
            return v

        return opened

    def _load(self, v: Visit, account_id: str) -> None:
        if not _may_see(v.viewer, account_id):
            raise Turned(v.error(404, "not_found"))
        try:
            v.account = services.account_view(self.ctx, account_id)
        except BillingError:
            raise Turned(v.error(404, "not_found")) from None

    def _refusal(self, v: Visit, action: str, account_id: str | None) -> Response | None:
        """The error page when the visitor may not do ``action`` (on ``account_id``), else None.
        Every refused change is recorded (R24): a cross-site or tokenless form, a role without
        the grant, another account's token (which sees a page that does not exist)."""
        viewer, ctx = v.viewer, self.ctx
        why = getattr(v.request.state, "post_refusal", None)
        on_account = account_id if viewer is not None and viewer.is_operator else None
        if why is not None:
            if viewer is None:
                operators.record_anonymous(ctx, "console", action, client=client_of(v.request), outcome="forbidden", detail=why)
            elif action in CHANGES:
                operators.record(ctx, viewer, "console", action, target=account_id, account_id=on_account, outcome="forbidden", detail=why)
            return v.error(403, "forbidden")
        if viewer is None:
            return redirect("/")
        if account_id is not None and not _may_see(viewer, account_id):
            if action in CHANGES:
                operators.record(ctx, viewer, "console", action, target=account_id, outcome="not_found", detail="another account's page")
            return v.error(404, "not_found")
        if not viewer.may(action):
            if action in CHANGES:  # R24: a refused change is recorded too
                operators.record(ctx, viewer, "console", action, target=account_id, account_id=on_account, outcome="forbidden",
                                 detail="the role may not do this")
            return v.error(403, "forbidden")
        return None

    # -- the page --------------------------------------------------------------------------------

    def render(self, v: Visit, template: str, status: int = 200, **values: Any) -> HTMLResponse:
        request, lang, viewer = v.request, v.lang, v.viewer
        flash = request.cookies.get(FLASH_COOKIE)
        if viewer is not None and viewer.account_id is not None:
            values.setdefault("unread", inbox.unread(self.ctx, viewer.account_id))
        body = self.env.get_template(template).render(
            lang=lang, t=lambda key, **kw: t(lang, key, **kw), viewer=viewer, flash=flash,
            can=lambda action: viewer is not None and viewer.may(action),
            csrf_field=lambda: Markup(f'<input type="hidden" name="csrf" value="{escape(self.csrf(request))}">'),
            package_name=lambda sku: present.package_name(self.ctx.catalog, sku, lang),
            service_name=lambda service: present.service_name(self.ctx.catalog, service, lang),
            audit_word=lambda key: AUDIT_WORDS.get(key, {}).get(lang, key),
            actor_name=lambda actor: actor_name(actor, lang),
            audit_parameters=lambda params: audit_parameters(params, lang, self.ctx.catalog),
            path=request.url.path + (f"?{request.url.query}" if request.url.query else ""), **values
        )
        response = HTMLResponse(body, status_code=status)
        if flash:
            response.delete_cookie(FLASH_COOKIE, path="/")
        return response

    @staticmethod
    def new_form_key() -> str:
        return uuid.uuid4().hex


def actor_name(actor: str, lang: str) -> str:
    """Who acted, as people read it: the bootstrap token, the schedule, the command line's user or
    an anonymous address in words; a key's or an account's id as it is."""
    word = AUDIT_WORDS.get(f"actor:{actor}")
    if word is not None:
        return word[lang]
    for prefix in ("os:", "anonymous@"):
        if actor.startswith(prefix):
            return AUDIT_WORDS[f"actor:{prefix}"][lang].format(actor.removeprefix(prefix))
    return actor


def audit_parameters(params: Any, lang: str, catalog) -> str:
    """An audit record's parameters as people read them: "金额 100.00；资源包 人脸检测资源包-100万次"
    (a parameter without a name shows its key; a value that is not plain, its JSON)."""
    if not isinstance(params, dict):
        return "" if params in (None, "", [], {}) else json.dumps(params, ensure_ascii=False)
    parts = []
    for key, value in sorted(params.items()):
        name = AUDIT_WORDS.get(f"param:{key}", {}).get(lang, key)
        if key == "sku" and isinstance(value, str):
            value = present.package_name(catalog, value, lang)
        elif isinstance(value, bool):
            value = ("是" if value else "否") if lang == "zh" else ("yes" if value else "no")
        text = value if isinstance(value, str | int | float) else json.dumps(value, ensure_ascii=False)
        parts.append(f"{name} {text}")
    return ("；" if lang == "zh" else "; ").join(parts)


def _may_see(viewer: services.Principal | None, account_id: str) -> bool:
    return viewer is not None and viewer.may("read") and viewer.may_see(account_id)
