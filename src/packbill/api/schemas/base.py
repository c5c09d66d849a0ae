"""What every body shares: the input base (unknown fields ignored), money as a decimal string, the error body."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, StrictInt, StrictStr


class In(BaseModel):
    """A request body: fields it does not know are ignored."""

    model_config = ConfigDict(extra="ignore")


Money = StrictStr | StrictInt
"""An amount as the client sends it: a decimal string (or a whole number)."""


class ErrorBody(BaseModel):
    code: str
    message: str
    details: object | None = None


class ErrorOut(BaseModel):
    error: ErrorBody
