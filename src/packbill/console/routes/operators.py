"""The operator's own pages: API keys, the audit trail, and operations (runs, webhooks, consumers, archives)."""

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form
from fastapi.responses import HTMLResponse, Response

from ... import services
from ...domain.access import CHANGES, OPERATOR_ROLES
from ...domain.errors import BillingError
from ...services import archive, inbox, metrics, operators, schedule, webhooks
from ..pages import Pages, Visit, parse_day, redirect


def router(pages: Pages) -> APIRouter:
    r = APIRouter(include_in_schema=False)
    ctx = pages.ctx

    @r.get("/console/keys")
    def keys(*, v: Annotated[Visit, Depends(pages.permitted("keys.read"))]) -> Response:
        return keys_page(v)

    @r.post("/console/keys")
    def create_key(name: str = Form(""), role: str = Form(""), *, v: Annotated[Visit, Depends(pages.permitted("key.create"))]) -> Response:
        try:
            with v.recorded("key.create", name=name, role=role) as found:
                key, token = operators.create_key(ctx, name, role, v.viewer)
                found["target"] = key.id
        except BillingError as exc:
            return redirect("/console/keys", v.sentence(exc))
        return keys_page(v, new_token=token, new_key=key)

    @r.post("/console/keys/{key_id}/revoke")
    def revoke_key(key_id: str, *, v: Annotated[Visit, Depends(pages.permitted("key.revoke"))]) -> Response:
        try:
            with v.recorded("key.revoke", target=key_id):
                key = operators.revoke_key(ctx, key_id)
        except BillingError as exc:
            return redirect("/console/keys", v.sentence(exc))
        return redirect("/console/keys", v.t("key_revoked", name=key.name))

    @r.get("/console/audit")
    def audit(*, v: Annotated[Visit, Depends(pages.permitted("audit.read"))]) -> Response:
        q = v.request.query_params
        problem, first, last = None, None, None
        try:
            first = parse_day(q["from"]) if q.get("from") else None
            last = parse_day(q["to"]) if q.get("to") else None
        except ValueError:
            problem = v.t("bad_day")
        before = q.get("before")
        filters = {k: (q.get(k) or "").strip()[:80] or None for k in ("actor", "account_id", "action")}
        records = []
        if problem is None:
            try:
                records = operators.records(ctx, first=first, last=last, before=int(before) if before and before.isdigit() else None,
                                            limit=100, **filters)
            except BillingError as exc:
                problem = v.t("range_reversed") if first and last and first > last else v.sentence(exc)
        query = urlencode({k: x for k, x in {"from": q.get("from"), "to": q.get("to"), **filters}.items() if x})
        return v.page("audit.html", records=records, first=first, last=last, actions=sorted({*CHANGES, operators.SIGNIN}), query=query,
                      next=records[-1].id if len(records) == 100 else None, **filters, **({"message": problem} if problem else {}))

    @r.get("/console/operations")
    def operations(*, v: Annotated[Visit, Depends(pages.permitted("read.all"))]) -> Response:
        return v.page("operations.html", runs=schedule.last_runs(ctx, 14), settlements=services.runs(ctx, 10),
                      depth=inbox.outbox_depth(ctx), hooks=webhooks.endpoints(ctx, v.viewer), hook_status=webhooks.endpoint_status,
                      consumers=metrics.consumers(ctx), archives=archive.archives(ctx), replica=metrics.replica_state(ctx))

    return r


def keys_page(v: Visit, **extra) -> HTMLResponse:
    return v.page("keys.html", keys=operators.list_keys(v.ctx), roles=[x.value for x in OPERATOR_ROLES], **extra)
