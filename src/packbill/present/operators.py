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
