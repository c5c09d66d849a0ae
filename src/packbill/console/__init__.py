"""The web console (issue 5). Until it is built, / points to the API document."""

from fastapi import FastAPI
from fastapi.responses import HTMLResponse


def mount(app: FastAPI) -> None:
    @app.get("/", include_in_schema=False)
    def index() -> HTMLResponse:
        return HTMLResponse(
            "<!doctype html><meta charset=utf-8><title>packbill</title>"
            "<h1>packbill</h1><p>API v1: <a href='/openapi.json'>/openapi.json</a></p>"
        )
