"""The web console: server-rendered pages on the same services as the API.

No script and no asset comes from outside: the stylesheet ships in ``static/`` and the charts
are inline SVG drawn on the server. Chinese by default, English on request. Each resource's
pages are in ``routes/``; what every page opens with is ``pages.Pages``.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.staticfiles import StaticFiles

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
