"""The composition root: builds the web application (API v1 and the console, side by side)
from one ``Settings``, and runs it with one or several server processes."""

from __future__ import annotations

import gc
import os
import re
import shutil
import signal
import socket
import sys
import tempfile
from contextlib import asynccontextmanager
from datetime import timedelta

from fastapi import FastAPI

from . import console as console_pages
from . import httpserver
from .api import install_api
from .api.schemas import ErrorOut
from .domain.books import Issuer
from .domain.netguard import parse_networks
from .process import instruments, logs
from .process.loop import Loop
from .services import LIMIT, Context, Lockout, Touched, schedule, sweep, webhooks
from .settings import Settings

ERROR_RESPONSES = {
    401: "unauthorized: no token, or one that stands for no one",
    402: "insufficient_funds: vouchers and balance (down to the credit limit) do not reach; nothing was bought",
    403: "forbidden: the token's role may not do this (R24); site_not_eligible: packages are for the China site",
    404: "not_found: nothing at this address, or another account's (which reads as missing)",
    405: "method_not_allowed: the address does not take this method (the Allow header names those it does)",
    409: "conflict or refund_not_allowed: refused by the rules as things stand (a number used, above what is invoiceable, "
         "an Idempotency-Key reused with another body)",
    413: "payload_too_large: a body above the limit",
    422: "invalid_request, unknown_sku or invalid_usage: the request names what is wrong; nothing was stored",
    429: "rate_limited: this address sent too many bad tokens; try again after Retry-After seconds",
    503: "service_unavailable: the database cannot answer now; nothing was changed, try again",
}
"""What any operation may answer besides its success, each with the contract's error body."""


def create_app(ctx: Context, operator_token: str | None = None, console: bool = True, auth_failures: int = LIMIT) -> FastAPI:
    """The service on ``ctx``: API v1 at /v1, the console at / and /console. ``auth_failures``:
    bad tokens and failed sign-ins an address may send a minute before it is locked out."""
    app = FastAPI(
        title="packbill",
        version="1",
        description=(
            "Billing of prepaid resource packages for a video-AI cloud (API v1). Money is a decimal string in CNY; "
            "quantities are integers (calls, bytes); peak bandwidth is a decimal string in Mbps; days are YYYY-MM-DD "
            "in Asia/Shanghai; times are ISO 8601 with an offset. The contract, in prose: docs/api.md."
        ),
        docs_url=None,  # Swagger UI would load from a CDN; the document is at /openapi.json
        redoc_url=None,
        responses={code: {"model": ErrorOut, "description": words} for code, words in ERROR_RESPONSES.items()},
    )
    install_api(app, ctx, operator_token, Lockout(auth_failures))
    if console:
        console_pages.install(app, ctx, operator_token, Lockout(auth_failures))
    if ctx.db.replica is not None:
        read_reports_from_replica(app, ctx)
    return app


REPORTS = re.compile(r"^/v1/(revenue|audit|close/[^/]+|invoice-requests|accounts/[^/]+/(statements/[^/]+|bills|journal|invoices))$")
"""The API's reads that are reports (statements, revenue, the close, the audit trail, bills,
exports): with a read replica they come from it. The other reads of the API stay on the
primary; the console's pages (every GET outside /v1 but the service's own) all come from it."""

SERVICE_PATHS = ("/healthz", "/readyz", "/metrics", "/openapi.json")


def read_reports_from_replica(app: FastAPI, ctx: Context) -> None:
    """Reads of the console's pages and of the API's reports may come from the replica (when it
    has caught up with the primary at the request's start; else they read the primary)."""

    @app.middleware("http")
    async def _from_replica(request, call_next):
        path = request.url.path
        if request.method in ("GET", "HEAD") and (REPORTS.match(path) or not (path.startswith("/v1/") or path in SERVICE_PATHS)):
            with ctx.db.reporting():
                return await call_next(request)
        return await call_next(request)


def context(settings: Settings) -> Context:
    """The services' context for ``settings`` (the CLI's and the server's alike)."""
    ctx = Context.open(settings.db, settings.catalog, delays=settings.delays(), lateness_days=settings.lateness_days,
                       webhook_local=settings.webhook_local, webhook_allow=parse_networks(settings.webhook_allow),
                       read_url=settings.read_db, replica_wait=settings.replica_wait_seconds)
    ctx.chromium = settings.chromium
    ctx.issuer = Issuer(settings.issuer_name.strip(), settings.issuer_address.strip(), settings.issuer_tax_id.strip())
    ctx.vat_rate = settings.vat_rate
    ctx.topup_instructions = settings.topup_instructions.strip()
    return ctx


def background(ctx: Context, settings: Settings) -> list[Loop]:
    """What a server process runs beside its requests: the webhook dispatcher (R25), the live
    sweep of fresh usage's reminders (R26) and the daily schedule."""
    ctx.touched = Touched()
    loops = [Loop("sweep", lambda: sweep.sweep_touched(ctx), settings.sweep_seconds)]
    if settings.dispatch:
        lease = timedelta(seconds=settings.dispatch_lease_seconds)
        loops.append(Loop("dispatcher", lambda: webhooks.dispatch_until_idle(ctx, lease=lease), 1.0))
    if settings.schedule:
        at = schedule.parse_time(settings.settle_at)
        loops.append(Loop("schedule", schedule.Scheduler(ctx, at), 30.0))
    return loops


def build_app(settings: Settings) -> FastAPI:
    ctx = context(settings)
    loops = background(ctx, settings)

    @asynccontextmanager
    async def lifespan(_app):
        for loop in loops:
            loop.start()
        yield
        for loop in loops:
            loop.stop()

    app = create_app(ctx, settings.operator_token, auth_failures=settings.auth_failures_per_minute)
    app.router.lifespan_context = lifespan
    return app


def settle_heap() -> None:
    """Once started, move everything alive (modules, the app, the catalog) out of the cyclic
    collector's way: a full collection then walks only what requests made since, not the whole
    heap (about 30 ms each time otherwise, a read's whole p99)."""
    gc.collect()
    gc.freeze()


METRICS_PREFIX = "packbill-metrics-"


def sweep_metrics_directories(folder: str | None = None) -> list[str]:
    """Remove the metrics directories of ``serve --workers N`` parents that are gone (killed with
    SIGKILL, they could not clean up); each is named after its parent's process id."""
    folder = folder or tempfile.gettempdir()
    removed = []
    for name in os.listdir(folder):
        if not name.startswith(METRICS_PREFIX):
            continue
        pid_text = name[len(METRICS_PREFIX):].split("-", 1)[0]
        if not pid_text.isdigit():
            continue
        try:
            os.kill(int(pid_text), 0)
            continue  # its parent still runs
        except ProcessLookupError:
            pass
        except PermissionError:
            continue  # another user's process
        shutil.rmtree(os.path.join(folder, name), ignore_errors=True)
        removed.append(name)
    return removed


def listening_socket(host: str, port: int) -> socket.socket:
    """The socket the forked workers share. It names its protocol, IPPROTO_TCP: asyncio sets
    TCP_NODELAY only on connections accepted from a socket that says so, and without it every
    answer of a server with several workers waited about 40 ms for the client's delayed
    acknowledgement (Nagle's algorithm), a request of 2 ms taking 44."""
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def serve(settings: Settings, log_level: str = "info") -> None:
    """Listen on settings.host:port with settings.workers processes, each with its own app.

    One listening socket is opened here and shared by forked workers (each builds its app and
    its database pool after the fork); the parent waits and stops them on SIGINT/SIGTERM.
    """
    import uvicorn

    config = logs.log_config(settings.log_format, log_level)
    if settings.workers == 1:
        app = build_app(settings)
        settle_heap()
        uvicorn.run(app, host=settings.host, port=settings.port, log_level=log_level, log_config=config,
                    http=httpserver.protocol(settings.header_timeout_seconds))
        return
    sock = listening_socket(settings.host, settings.port)
    sweep_metrics_directories()
    shared = instruments.shared_directory() or tempfile.mkdtemp(prefix=f"{METRICS_PREFIX}{os.getpid()}-")
    made_here = shared != instruments.shared_directory()
    children = []
    for _ in range(settings.workers):
        pid = os.fork()
        if pid == 0:  # a worker
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            instruments.share(shared)
            app = build_app(settings)
            settle_heap()
            server = uvicorn.Server(uvicorn.Config(app, log_level=log_level, log_config=config,
                                                  http=httpserver.protocol(settings.header_timeout_seconds)))
            server.run(sockets=[sock])
            os._exit(0)
        children.append(pid)

    def stop(signum, _frame):
        for child in children:
            try:
                os.kill(child, signal.SIGTERM)
            except ProcessLookupError:
                pass

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    status = 0
    for child in children:
        while True:
            try:
                _, code = os.waitpid(child, 0)
                status = status or (code >> 8)
                break
            except InterruptedError:
                continue
    if made_here:
        shutil.rmtree(shared, ignore_errors=True)
    sys.exit(status)
