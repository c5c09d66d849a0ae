"""The OpenAPI document as clients use it (issue 28, first part): every reference resolves, an
undeclared method is 405 with the methods the address takes (RFC 9110), and the copy in
docs/openapi.json is the one the service publishes."""

from __future__ import annotations

import json
from pathlib import Path

from .conftest import OPERATOR

DOC = Path(__file__).resolve().parents[2] / "docs" / "openapi.json"


def _refs(node, found: set[str]) -> set[str]:
    if isinstance(node, dict):
        if isinstance(node.get("$ref"), str):
            found.add(node["$ref"])
        for v in node.values():
            _refs(v, found)
    elif isinstance(node, list):
        for v in node:
            _refs(v, found)
    return found


def test_every_reference_in_the_document_resolves(api):
    doc = api.client.get("/openapi.json").json()
    for ref in _refs(doc, set()):
        assert ref.startswith("#/components/schemas/"), ref
        assert ref.removeprefix("#/components/schemas/") in doc["components"]["schemas"], ref


def test_an_undeclared_method_is_405_with_the_methods_the_address_takes(api):
    doc = api.client.get("/openapi.json").json()
    for path, ops in doc["paths"].items():
        concrete = path.replace("{", "x").replace("}", "")
        declared = {m.upper() for m in ops}
        r = api.client.request("TRACE", concrete, headers={"Authorization": f"Bearer {OPERATOR}"})
        assert r.status_code == 405 and r.json()["error"]["code"] == "method_not_allowed", (path, r.status_code)
        allow = set(r.headers["Allow"].split(", "))
        assert allow == declared | ({"HEAD"} if "GET" in declared else set()), (path, allow)


def test_docs_openapi_json_is_the_published_document(api):
    """``make openapi`` writes it; a route changed without it fails here."""
    published = api.client.get("/openapi.json").json()
    assert DOC.exists(), "docs/openapi.json is missing: run make openapi"
    assert json.loads(DOC.read_text("utf-8")) == published, "docs/openapi.json is out of step: run make openapi"
