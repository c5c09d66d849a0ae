"""``packbill backup`` and ``packbill restore``."""

from __future__ import annotations

from ..storage.backup import BackupError, backup, restore

__all__ = ["BackupError", "backup", "restore"]
