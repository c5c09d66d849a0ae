"""/healthz, /readyz, /metrics and /v1/whoami."""

from fastapi import APIRouter
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST
from starlette.concurrency import run_in_threadpool

from ... import services
from ...services import metrics
from .. import schemas
from ..deps import Deps


def router(deps: Deps) -> APIRouter:
    r = APIRouter(tags=["service"])
    ctx = deps.ctx

    @r.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @r.get("/readyz", responses={503: {"description": "the database does not answer"}})
    async def readyz():
        """Ready to serve: the database answers (a load balancer's check; /healthz says the process is up)."""
        try:
            await run_in_threadpool(services.ping, ctx)
        except services.Unavailable as exc:
            return JSONResponse({"status": "unavailable", "reason": exc.message}, status_code=503, headers={"Retry-After": "5"})
        return {"status": "ready"}

    @r.get("/metrics", include_in_schema=False)
    async def prometheus() -> Response:
        """Prometheus text format: this process's counters and the database's gauges."""
        try:
            body = await run_in_threadpool(metrics.exposition, ctx)
        except services.Unavailable:
            body = metrics.exposition(ctx, metrics.CollectorRegistry())  # the counters, without the database's gauges
        return Response(body, media_type=CONTENT_TYPE_LATEST)

    @r.get("/v1/whoami", response_model=schemas.WhoAmIOut)
    def whoami(principal: deps.Caller):
        return {"role": "operator" if principal.is_operator else "account", "account_id": principal.account_id,
                "operator_role": principal.role.value if principal.is_operator else None, "actor": principal.actor}

    return r
