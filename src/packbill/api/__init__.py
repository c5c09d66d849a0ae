"""The HTTP API v1 (FastAPI)."""

from .app import create_app

__all__ = ["create_app"]
