"""``packbill.client``: a typed Python client of packbill's HTTP API v1.

    from packbill.client import Client, InsufficientFunds

    with Client("https://billing.example.com", token="pbk_...") as pb:
        account = pb.create_account("金龙餐饮", "cn", payment="balance")
        pb.topup(account.id, "500.00", reference="bank-20270601")
        try:
            pb.buy(account.id, "ai.kitchen.100k")
        except InsufficientFunds as refused:
            print(refused.message)
        for record in pb.iter_audit(account_id=account.id):
            print(record.at, record.action, record.outcome)

Answers are the server's own response models (``packbill.api.schemas``); refusals raise
``ApiError`` subclasses carrying the contract's code; money POSTs carry an ``Idempotency-Key``
kept across retries, so a purchase or a top-up sent again after a lost answer happens once.
``AsyncClient`` has the same methods, each an awaitable.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import httpx

from ..api import schemas
from .operations import OPERATIONS, Operations, T
from .transport import (
    ApiError,
    Call,
    Conflict,
    Forbidden,
    InsufficientFunds,
    InvalidRequest,
    NotFound,
    Unauthorized,
    Unavailable,
    send,
    send_async,
)

DEFAULT_RETRIES = 3


def _headers(token: str | None) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", "User-Agent": "packbill-client"} if token else {"User-Agent": "packbill-client"}


def _read(answer: Any, model: type[T] | None) -> Any:
    return model.model_validate(answer) if model is not None else answer


def _pages(fetch: Callable[[int | None], Any], items: str) -> Iterator[Any]:
    """The ``items`` of every page ``fetch(before)`` answers, following each page's ``next``."""
    before = None
    while True:
        page = fetch(before)
        yield from getattr(page, items)
        if page.next is None:
            return
        before = page.next


class Client(Operations):
    """A synchronous client. ``transport`` (or a whole ``http`` client, e.g. a test's) lets an
    app or a test hand it a server in process."""

    def __init__(self, base_url: str = "", token: str | None = None, *, timeout: float = 60.0, retries: int = DEFAULT_RETRIES,
                 transport: httpx.BaseTransport | None = None, http: httpx.Client | None = None) -> None:
        self.retries = retries
        self.sleep = time.sleep
        """How the client waits between attempts (a test puts its own here)."""
        self.last_status: int | None = None
        """The status of the last answer (201 a top-up recorded, 200 the same reference again)."""
        self.headers = _headers(token)
        self.http = http or httpx.Client(base_url=base_url.rstrip("/"), timeout=timeout, transport=transport)

    def _run(self, call: Call, model: type[T] | None = None) -> Any:
        self.last_status, body = send(self.http, call, self.retries, self.headers, self.sleep)
        return _read(body, model)

    def iter_audit(self, limit: int = 200, **filters: str | None) -> Iterator[schemas.AuditRecordOut]:
        """Every record matching ``filters``, newest first, page after page."""
        return _pages(lambda before: self.audit(before=before, limit=limit, **filters), "records")

    def iter_messages(self, account_id: str, category: str | None = None, limit: int = 100) -> Iterator[schemas.MessageOut]:
        return _pages(lambda before: self.messages(account_id, category=category, before=before, limit=limit), "messages")

    def iter_deliveries(self, webhook_id: str, limit: int = 100) -> Iterator[schemas.DeliveryOut]:
        return _pages(lambda before: self.deliveries(webhook_id, before=before, limit=limit), "deliveries")

    def close(self) -> None:
        """Close the connection (the month close is ``month_close``)."""
        self.http.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.http.close()


class AsyncClient(Operations):
    """The same operations, each an awaitable: ``await client.buy(account_id, sku)``."""

    def __init__(self, base_url: str = "", token: str | None = None, *, timeout: float = 60.0, retries: int = DEFAULT_RETRIES,
                 transport: httpx.AsyncBaseTransport | None = None, http: httpx.AsyncClient | None = None) -> None:
        self.retries = retries
        self.last_status: int | None = None
        self.headers = _headers(token)
        self.http = http or httpx.AsyncClient(base_url=base_url.rstrip("/"), timeout=timeout, transport=transport)

    def _run(self, call: Call, model: type[T] | None = None) -> Any:
        async def run() -> Any:
            self.last_status, body = await send_async(self.http, call, self.retries, self.headers)
            return _read(body, model)

        return run()

    async def iter_audit(self, limit: int = 200, **filters: str | None) -> AsyncIterator[schemas.AuditRecordOut]:
        before = None
        while True:
            page = await self.audit(before=before, limit=limit, **filters)  # type: ignore[misc]
            for record in page.records:
                yield record
            if page.next is None:
                return
            before = page.next

    async def aclose(self) -> None:
        await self.http.aclose()

    async def __aenter__(self) -> AsyncClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.http.aclose()


__all__ = ["OPERATIONS", "schemas", "ApiError", "AsyncClient", "Client", "Conflict", "Forbidden", "InsufficientFunds", "InvalidRequest",
           "NotFound", "Unauthorized", "Unavailable"]
