"""Structured logs: one JSON object a line, each with the request id of the request it belongs to."""

from __future__ import annotations

import json
import logging
import re
import uuid
from contextvars import ContextVar
from datetime import UTC, datetime

REQUEST_ID: ContextVar[str | None] = ContextVar("packbill_request_id", default=None)
_GOOD_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")


def request_id(given: str | None) -> str:
    """The caller's ``X-Request-Id`` when it is a sane token, else a new one; set for this request's logs."""
    value = given if given and _GOOD_ID.match(given) else uuid.uuid4().hex
    REQUEST_ID.set(value)
    return value


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        out = {"time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
               "level": record.levelname.lower(), "logger": record.name, "pid": record.process}
        out["message"] = record.getMessage()
        for key in ("method", "path", "status", "ms", "client", "request_id"):
            if key in record.__dict__:
                out[key] = record.__dict__[key]
        rid = REQUEST_ID.get()
        if rid and "request_id" not in out:
            out["request_id"] = rid
        if record.exc_info:
            out["error"] = self.formatException(record.exc_info)
        return json.dumps(out, ensure_ascii=False, default=str)


def log_config(fmt: str = "json", level: str = "info") -> dict:
    """A ``logging.config.dictConfig`` for the server: packbill's loggers and uvicorn's, JSON or text."""
    formatter = {"()": JsonFormatter} if fmt == "json" else {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}
    handler = {"class": "logging.StreamHandler", "formatter": "default", "stream": "ext://sys.stderr"}
    loggers = {name: {"handlers": ["default"], "level": level.upper(), "propagate": False}
               for name in ("packbill", "uvicorn", "uvicorn.error")}
    loggers["uvicorn.access"] = {"handlers": [], "level": "WARNING", "propagate": False}  # packbill.access has the request id
    return {"version": 1, "disable_existing_loggers": False, "formatters": {"default": formatter}, "handlers": {"default": handler},
            "loggers": loggers}
