"""Signing in and out, the language, and the front door."""

from __future__ import annotations

import secrets

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, Response

from ...services import operators
from ..i18n import LANGS
from ..pages import LANG_COOKIE, SESSION_COOKIE, SIGNIN_COOKIE, Pages, Visit, client_of, redirect


def router(pages: Pages) -> APIRouter:
    r = APIRouter(include_in_schema=False)
    ctx, lockout = pages.ctx, pages.lockout

    @r.get("/")
    def index(v: Visit = Depends(pages.visit)) -> Response:
        if v.viewer is None:
            return signin_page(v)
        if v.viewer.account_id is not None:
            return redirect(f"/console/accounts/{v.viewer.account_id}")
        if not v.viewer.may("read.all"):
            return v.error(403, "forbidden_role", role=v.viewer.role.value)
        return redirect("/console/accounts")

    @r.post("/console/signin")
    def signin(request: Request, token: str = Form(""), v: Visit = Depends(pages.visit)) -> Response:
        client = client_of(request)
        wait = lockout.retry_after(client)
        if wait is not None:
            return signin_page(v, status=429, error=v.t("locked_out", seconds=wait))
        why = request.state.post_refusal
        if why is not None:
            operators.record_anonymous(ctx, "console", operators.SIGNIN, client=client, outcome="forbidden", detail=why)
            return signin_page(v, status=403, error=v.t("forbidden"))
        opened = operators.open_session(ctx, token.strip(), pages.operator_token)
        if opened is None:
            lockout.failed(client)
            operators.record_anonymous(ctx, "console", operators.SIGNIN, client=client, outcome="unauthorized",
                                       detail="a sign-in with a token that is not valid")
            return signin_page(v, status=401, error=v.t("bad_token"))
        lockout.succeeded(client)
        operators.record_signin(ctx, opened.principal, client)
        response = redirect("/")
        response.set_cookie(SESSION_COOKIE, opened.id, path="/", httponly=True, samesite="strict", secure=request.url.scheme == "https",
                            max_age=operators.SESSION_HOURS * 3600)
        response.delete_cookie(SIGNIN_COOKIE, path="/console/signin")
        return response

    @r.post("/console/signout")
    def signout(request: Request) -> Response:
        if request.state.post_refusal is None:  # a cross-site form cannot sign anyone out
            operators.close_session(ctx, request.cookies.get(SESSION_COOKIE))
        response = redirect("/")
        response.delete_cookie(SESSION_COOKIE, path="/")
        return response

    @r.get("/console/lang/{lang}")
    def set_lang(lang: str, next: str = "/") -> Response:
        local = next.startswith("/") and not next.startswith("//") and "\\" not in next
        response = redirect(next if local else "/")
        response.set_cookie(LANG_COOKIE, lang if lang in LANGS else "zh", path="/", samesite="strict")
        return response

    return r


def signin_page(v: Visit, status: int = 200, **values) -> HTMLResponse:
    """The sign-in page, with the value its form must carry back (set as a cookie if new)."""
    request = v.request
    value = request.cookies.get(SIGNIN_COOKIE) or secrets.token_urlsafe(24)
    request.cookies[SIGNIN_COOKIE] = value
    response = v.page("signin.html", status=status, **values)
    response.set_cookie(SIGNIN_COOKIE, value, path="/console/signin", httponly=True, samesite="strict",
                        secure=request.url.scheme == "https")
    return response
