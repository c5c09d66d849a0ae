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
