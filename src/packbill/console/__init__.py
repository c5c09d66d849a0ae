"""The web console: server-rendered pages on the same services as the API.

No script and no asset comes from outside: the stylesheet ships in ``static/`` and the charts
are inline SVG drawn on the server. Chinese by default, English on request. Each resource's
pages are in ``routes/``; what every page opens with is ``pages.Pages``.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.staticfiles import StaticFiles
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException

from ..services import Context, Lockout
from .pages import Pages, Turned
from .routes import routers

__all__ = ["install"]


def install(app: FastAPI, ctx: Context, operator_token: str | None, lockout: Lockout | None = None) -> None:
    """Put the console on ``app``: its stylesheet, its pages, and the answer to a visitor turned away."""
    pages = Pages(ctx, operator_token, lockout)
    app.mount("/static", StaticFiles(packages=[("packbill.console", "static")]), "static")
    router = APIRouter(include_in_schema=False, dependencies=[Depends(pages.post_guard)])
    for one in routers(pages):
        router.include_router(one)
    app.include_router(router)

    async def turned(request: Request, exc: Turned):
        return exc.response

    app.add_exception_handler(Turned, turned)
    api_answer = app.exception_handlers.get(HTTPException)

    async def no_page(request: Request, exc: HTTPException):
        """An address of the console with no page (a typo, a stale link) or that takes no GET: a
        page in the visitor's language with a way home, not the API's JSON."""
        if request.url.path.startswith("/console") and exc.status_code in (404, 405) or api_answer is None:
            v = await run_in_threadpool(pages.visit, request)  # who is there is read from the database
            return await run_in_threadpool(v.error, exc.status_code, "no_page" if exc.status_code == 404 else "no_method")
        return await api_answer(request, exc)

    app.add_exception_handler(HTTPException, no_page)
