"""Spreading packbill over a Citus cluster: the statements that distribute its tables by account."""

from __future__ import annotations

from ..storage import distribution


def citus_statements() -> list[str]:
    """The SQL that distributes a migrated packbill database on Citus (``docs/scale.md``)."""
    return distribution.statements()
