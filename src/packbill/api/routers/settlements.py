"""/v1/settlements: run settlement through a day (R12); list the runs and their state."""

from fastapi import APIRouter, Request

from ... import services
from .. import schemas
from ..deps import Deps, day, override_at
from ..idempotent import key_of, respond


def _failed(failed):
    return [{"account_id": a, "reason": reason} for a, reason in failed]


def router(deps: Deps) -> APIRouter:
    r = APIRouter(route_class=deps.Route, tags=["settlement"])
    ctx = deps.ctx

    def out(result: services.SettlementResult) -> tuple[int, dict]:
        return 200, {"days": result.days, "lines": result.lines, "run_id": result.run_id, "failed": _failed(result.failed)}

    @r.post("/v1/settlements", response_model=schemas.SettlementOut, **deps.action("settlement.run"))
    def settle(body: schemas.SettlementIn, principal: deps.Caller, request: Request):
        idem = key_of(request, "operator", body.model_dump())
        return respond(ctx, idem, lambda: out(services.settle(ctx, day(body.through, "through"), override_at(body.at, principal),
                                                              idem=idem)),
                       lambda ref: out(services.run_result(ctx, int(ref))))

    @r.get("/v1/settlements", response_model=schemas.RunListOut, **deps.action("read.all"))
    def runs(limit: int = 20):
        return {"runs": [{"id": v.run.id, "through": v.run.through.isoformat(), "status": v.status,
                          "started_at": v.run.started_at.isoformat(),
                          "finished_at": v.run.finished_at.isoformat() if v.run.finished_at else None,
                          "days": v.run.days, "lines": v.run.lines, "failed": _failed(v.failed)}
                         for v in services.runs(ctx, max(1, min(limit, 200)))]}

    return r
