"""Schemathesis generates requests from /openapi.json, on SQLite and PostgreSQL: no input may
cause a 5xx, and every refusal has the contract's error shape."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings

from packbill import services
from packbill.domain.catalog import load_catalog
from packbill.server import create_app
from packbill.services import Context
from packbill.storage.db import Database

from ..conftest import FIXED_NOW
from .conftest import OPERATOR

# The operations come from the service's own OpenAPI document.
_doc_ctx = Context(Database(f"sqlite:///{Path(tempfile.mkdtemp(prefix='packbill-openapi-')) / 'doc.db'}"), load_catalog())
schema = schemathesis.openapi.from_dict(create_app(_doc_ctx, OPERATOR).openapi())
_doc_ctx.close()


@pytest.fixture
def target(ctx):
    account, token = services.create_account(ctx, "Fuzz target", "cn")
    package = services.buy(ctx, account.id, "ai.face.100k", 1, FIXED_NOW).packages[0]
    with TestClient(create_app(ctx, OPERATOR), raise_server_exceptions=False) as client:
        yield client, account.id, token, package.id


@schema.parametrize()
@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck), database=None)
def test_no_generated_request_gets_a_5xx(case, target):
    client, account_id, token, package_id = target
    # aim half the requests at a real account and package, so they reach the handlers' depths
    if case.path_parameters and hash(repr(case.body)) % 2 == 0:
        if "account_id" in case.path_parameters:
            case.path_parameters["account_id"] = account_id
        if "package_id" in case.path_parameters:
            case.path_parameters["package_id"] = package_id
    for bearer in (OPERATOR, token):
        kwargs = case.as_transport_kwargs(base_url="http://testserver", headers={"Authorization": f"Bearer {bearer}"})
        if isinstance(kwargs.get("data"), (bytes, str)):
            kwargs["content"] = kwargs.pop("data")
        response = client.request(**{k: v for k, v in kwargs.items() if k in ("method", "url", "headers", "params", "json", "content", "data")})
        assert response.status_code < 500, (case.method, case.formatted_path, case.body, response.text)
        if response.status_code >= 400:
            assert set(response.json()["error"]) >= {"code", "message"}
