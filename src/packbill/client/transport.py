"""How the client talks to a packbill server: one request, its retries, its errors.

Every answer that is not 2xx becomes an ``ApiError`` (a subclass per code of the contract)
carrying the code, the message and the details of the error body. A request is sent again on a
connection failure, a 429, 502, 503 or 504 (waiting ``Retry-After`` when the server says how
long) only when sending it twice cannot do it twice: reads, PUT and DELETE, usage (its event ids
count once), and the money POSTs, which carry one ``Idempotency-Key`` for all their attempts so
that the server answers a repeat with the first answer.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import httpx

RETRY_STATUSES = frozenset({429, 502, 503, 504})
MAX_WAIT_SECONDS = 30.0


class ApiError(Exception):
    """An answer of the server that is not a success: ``code`` is the contract's error code."""

    code = "error"

    def __init__(self, status: int, code: str, message: str, details: Any = None) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status, self.code, self.message, self.details = status, code, message, details


class InvalidRequest(ApiError):
    code = "invalid_request"


class Unauthorized(ApiError):
    code = "unauthorized"


class Forbidden(ApiError):
    code = "forbidden"


class NotFound(ApiError):
    code = "not_found"


class Conflict(ApiError):
    code = "conflict"


class InsufficientFunds(ApiError):
    code = "insufficient_funds"


class Unavailable(ApiError):
    code = "service_unavailable"


ERRORS: dict[str, type[ApiError]] = {c.code: c for c in (InvalidRequest, Unauthorized, Forbidden, NotFound, Conflict,
                                                         InsufficientFunds, Unavailable)}


def error_of(response: httpx.Response) -> ApiError:
    """The error an answer carries (``{"error": {"code", "message", "details"}}``), as its class."""
    try:
        body = response.json()["error"]
        code, message, details = str(body["code"]), str(body["message"]), body.get("details")
    except (ValueError, KeyError, TypeError):
        code, message, details = f"http_{response.status_code}", response.text[:200] or response.reason_phrase, None
    return ERRORS.get(code, ApiError)(response.status_code, code, message, details)


@dataclass(frozen=True, slots=True)
class Call:
    """One operation as sent: method, path, query, body, and whether it may be sent again."""

    method: str
    path: str
    params: dict[str, Any] = field(default_factory=dict)
    body: Any = None
    money: bool = False
    """A POST that creates or moves money: sent with an Idempotency-Key, the same on every attempt."""
    repeatable: bool = False
    """A POST that counts once however often it is sent (usage: its event ids)."""
    raw: bool = False
    """The answer's bytes (a CSV, a PDF, an XLSX) rather than JSON."""

    def may_repeat(self) -> bool:
        return self.method in ("GET", "PUT", "DELETE") or self.money or self.repeatable

    def request(self, key: str | None, headers: dict[str, str]) -> dict[str, Any]:
        params = {k: v for k, v in self.params.items() if v is not None}
        headers = {**headers, "Idempotency-Key": key} if key else dict(headers)
        out: dict[str, Any] = {"method": self.method, "url": self.path, "params": params, "headers": headers}
        if self.body is not None:
            out["json"] = self.body
        return out


def new_key() -> str:
    return f"pbc-{uuid.uuid4()}"


def wait_for(response: httpx.Response | None, attempt: int) -> float:
    """Seconds before the next attempt: the server's Retry-After, else 0.5, 1, 2, 4 ... (at most 30)."""
    if response is not None:
        try:
            return min(MAX_WAIT_SECONDS, max(0.0, float(response.headers.get("Retry-After", ""))))
        except ValueError:
            pass
    return min(MAX_WAIT_SECONDS, 0.5 * 2**attempt)


def answer(call: Call, response: httpx.Response) -> Any:
    if response.status_code >= 400:
        raise error_of(response)
    if call.raw:
        return response.content
    return response.json() if response.content else None


def send(http: httpx.Client, call: Call, retries: int, headers: dict[str, str], sleep=time.sleep) -> tuple[int, Any]:
    """``call`` on a synchronous connection, with its retries: (the answer's status, its body)."""
    key = new_key() if call.money else None
    for attempt in range(retries + 1):
        last = attempt == retries or not call.may_repeat()
        try:
            response = http.request(**call.request(key, headers))
        except httpx.TransportError:
            if last:
                raise
            sleep(wait_for(None, attempt))
            continue
        if response.status_code in RETRY_STATUSES and not last:
            sleep(wait_for(response, attempt))
            continue
        return response.status_code, answer(call, response)
    raise AssertionError("unreachable")  # pragma: no cover


async def send_async(http: httpx.AsyncClient, call: Call, retries: int, headers: dict[str, str], sleep=None) -> tuple[int, Any]:
    """``call`` on an asynchronous connection, with its retries: (the answer's status, its body)."""
    import asyncio

    pause = sleep or asyncio.sleep
    key = new_key() if call.money else None
    for attempt in range(retries + 1):
        last = attempt == retries or not call.may_repeat()
        try:
            response = await http.request(**call.request(key, headers))
        except httpx.TransportError:
            if last:
                raise
            await pause(wait_for(None, attempt))
            continue
        if response.status_code in RETRY_STATUSES and not last:
            await pause(wait_for(response, attempt))
            continue
        return response.status_code, answer(call, response)
    raise AssertionError("unreachable")  # pragma: no cover
