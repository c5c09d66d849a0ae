"""The webhooks' HTTP sender (R25), guarded: every address a host resolves to is checked when
the connection is made (``domain.netguard``), and the connection goes to the address that was
checked, so a name cannot resolve to a public address for the check and a private one for the
connection. What a customer sees of a failed delivery is an HTTP status, ``refused`` or ``no
answer``: never a socket's error, which would make the dispatcher a scanner of the network."""

from __future__ import annotations

import socket
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpcore
import httpx

from ..domain.netguard import Network, address_refused, host_refused

SEND_TIMEOUT = 10.0
"""Seconds a receiver has to answer one delivery."""
REFUSED = "refused: the address is not a public one"
NO_ANSWER = "no answer"


@dataclass(frozen=True, slots=True)
class SendResult:
    code: int | None
    error: str | None
    """None: delivered (a 2xx answer)."""
    ms: int


Sender = Callable[[str, dict[str, str], str], SendResult]


class Refused(Exception):
    """The guard refused the address before connecting."""


class _GuardedBackend(httpcore.SyncBackend):
    def __init__(self, allowed: tuple[Network, ...]) -> None:
        self.allowed = allowed

    def connect_tcp(self, host, port, timeout=None, local_address=None, socket_options=None):
        try:
            infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except OSError:
            raise httpcore.ConnectError("the name does not resolve") from None
        addresses = list(dict.fromkeys(info[4][0] for info in infos))
        if not addresses or any(address_refused(a, self.allowed) for a in addresses):
            raise Refused(host)
        return super().connect_tcp(addresses[0], port, timeout=timeout, local_address=local_address,
                                   socket_options=socket_options)


def guarded_sender(allowed: Iterable[Network] = (), guard: bool = True, timeout: float = SEND_TIMEOUT) -> Sender:
    """A sender that refuses what is not public (``guard=False``: a lab, every address allowed)."""
    allowed = tuple(allowed)
    transport = httpx.HTTPTransport()
    if guard:  # httpx takes no network backend of its own: its transport's pool is made again with ours
        transport._pool = httpcore.ConnectionPool(ssl_context=httpx.create_ssl_context(), network_backend=_GuardedBackend(allowed),
                                                  max_connections=20, max_keepalive_connections=0)
    client = httpx.Client(transport=transport, trust_env=False, follow_redirects=False, timeout=timeout)

    def send(url: str, headers: dict[str, str], body: str) -> SendResult:
        started = time.monotonic()

        def took() -> int:
            return int((time.monotonic() - started) * 1000)

        if guard:
            try:
                problem = host_refused(urlsplit(url).hostname or "", allowed)
            except ValueError:
                problem = "not a valid address"
            if problem:
                return SendResult(None, REFUSED, took())
        try:
            response = client.post(url, content=body.encode("utf-8"), headers=headers)
        except Refused:
            return SendResult(None, REFUSED, took())
        except httpx.TimeoutException:
            return SendResult(None, f"{NO_ANSWER} within {timeout:g} s", took())
        except (httpx.HTTPError, httpcore.ConnectError, OSError, ValueError):
            return SendResult(None, NO_ANSWER, took())
        if 200 <= response.status_code < 300:
            return SendResult(response.status_code, None, took())
        return SendResult(response.status_code, f"HTTP {response.status_code}", took())

    return send
