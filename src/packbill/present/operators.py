"""Operators' keys and audit records as the API and the command line show them (R24)."""

from __future__ import annotations

from . import moment_json


def key_json(k) -> dict:
    """A key (``services.operators.KeyRecord``); never its token."""
    return {"id": k.id, "name": k.name, "role": k.role.value, "created_at": moment_json(k.created_at), "created_by": k.created_by,
            "revoked_at": moment_json(k.revoked_at)}


def record_json(r) -> dict:
    """An audit record (``services.operators.AuditRecord``)."""
    return {"id": r.id, "at": moment_json(r.at), "actor": r.actor, "role": r.role, "via": r.via, "action": r.action, "target": r.target,
            "account_id": r.account_id, "parameters": r.parameters, "outcome": r.outcome, "detail": r.detail}


def webhook_json(e, status: str) -> dict:
    """A webhook endpoint (``services.webhooks.Endpoint``) with its status (``webhooks.endpoint_status``); never its secret."""
    return {"id": e.id, "url": e.url, "events": list(e.events) if e.events is not None else None, "account_id": e.account_id,
            "created_at": moment_json(e.created_at), "status": status,
            "failing_since": moment_json(e.failing_since)}


def delivery_json(d) -> dict:
    """A delivery with its attempts (``services.webhooks``)."""
    return {"id": d.id, "event_id": d.event.id, "type": d.event.type, "status": d.status, "attempts": d.attempts,
            "next_at": moment_json(d.next_at), "last_at": moment_json(d.last_at), "last_code": d.last_code, "last_error": d.last_error,
            "log": [{"at": moment_json(a.at), "code": a.code, "error": a.error, "ms": a.ms} for a in d.log]}
