"""Schemathesis generates requests from /openapi.json: no input may cause a 5xx."""

from __future__ import annotations

import tempfile
from pathlib import Path

import schemathesis
from hypothesis import HealthCheck, settings

from packbill import services
from packbill.api import create_app
from packbill.domain import load_catalog
from packbill.services import Context
from packbill.storage.db import Database

from ..conftest import FIXED_NOW
from .conftest import OPERATOR

_dir = Path(tempfile.mkdtemp(prefix="packbill-fuzz-"))
_ctx = Context(Database(f"sqlite:///{_dir / 'fuzz.db'}"), load_catalog(), lambda: FIXED_NOW)
_account, _token = services.create_account(_ctx, "Fuzz target", "cn")
_package = services.buy(_ctx, _account.id, "ai.face.100k", 1, FIXED_NOW).packages[0]
app = create_app(_ctx, OPERATOR)
schema = schemathesis.openapi.from_asgi("/openapi.json", app)


@schema.parametrize()
@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck), database=None)
def test_no_generated_request_gets_a_5xx(case):
    # aim half the requests at a real account and package, so they reach the handlers' depths
    if case.path_parameters and hash(repr(case.body)) % 2 == 0:
        if "account_id" in case.path_parameters:
            case.path_parameters["account_id"] = _account.id
        if "package_id" in case.path_parameters:
            case.path_parameters["package_id"] = _package.id
    for token in (OPERATOR, _token):
        response = case.call(headers={"Authorization": f"Bearer {token}"})
        assert response.status_code < 500, (case.method, case.formatted_path, case.body, response.text)
        if response.status_code >= 400:
            body = response.json()
            assert set(body["error"]) >= {"code", "message"}, body
