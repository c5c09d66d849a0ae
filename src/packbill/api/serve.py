"""The ASGI app as ``packbill serve`` starts it (configuration from the environment)."""

from __future__ import annotations

import os

from ..services import Context
from ..storage.db import DEFAULT_URL
from .app import create_app


def app_from_env():
    ctx = Context.open(os.environ.get("PACKBILL_DB", DEFAULT_URL), os.environ.get("PACKBILL_CATALOG"))
    return create_app(ctx)
