"""What every body shares: the input base (unknown fields ignored), money as a decimal string, the error body."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict, StrictInt, StrictStr


class In(BaseModel):
    """A request body: a field it does not know is refused (a misspelt "att" would otherwise buy
    now what the operator meant to backdate), and the document says so (no other properties)."""

    model_config = ConfigDict(extra="forbid")


def _whole_number(value: object) -> object:
    """JSON has one kind of number: 5.0 is the whole number 5 (JSON Schema says so too); 5.5 is not."""
    if isinstance(value, float) and value.is_integer() and abs(value) <= 2**53:
        return int(value)
    return value


Whole = Annotated[StrictInt, BeforeValidator(_whole_number)]
"""A whole number as a client sends it: 5, or 5.0; never true, "5" or 5.5."""

Money = StrictStr | Whole
"""An amount as the client sends it: a decimal string (or a whole number)."""


class ErrorBody(BaseModel):
    code: str
    message: str
    details: object | None = None


class ErrorOut(BaseModel):
    error: ErrorBody


def inline_schema(model: type[BaseModel]) -> dict:
    """A model's JSON schema with its nested models written in place (no ``$ref``): for a body a
    route documents by hand, whose references the OpenAPI document could not resolve."""
    schema = model.model_json_schema(ref_template="#/$defs/{model}")
    defs = schema.pop("$defs", {})

    def walk(node):
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/$defs/"):
                return walk(dict(defs[ref.removeprefix("#/$defs/")]))
            return {k: walk(v) for k, v in node.items()}
        if isinstance(node, list):
            return [walk(v) for v in node]
        return node

    return walk(schema)
