"""The HTTP API v1 (FastAPI): routers per resource, error mapping, request and response schemas."""

from .app import install_api

__all__ = ["install_api"]
