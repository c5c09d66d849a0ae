"""Operators' keys and audit records as the API and the command line show them (R24)."""

from __future__ import annotations

def key_json(k) -> dict:
    """A key (``services.operators.KeyRecord``); never its token."""
    return {"id": k.id, "name": k.name, "role": k.role.value, "created_at": k.created_at.isoformat(), "created_by": k.created_by,
            "revoked_at": k.revoked_at.isoformat() if k.revoked_at else None}


def record_json(r) -> dict:
    """An audit record (``services.operators.AuditRecord``)."""
    return {"id": r.id, "at": r.at.isoformat(), "actor": r.actor, "role": r.role, "via": r.via, "action": r.action, "target": r.target,
            "account_id": r.account_id, "parameters": r.parameters, "outcome": r.outcome, "detail": r.detail}
