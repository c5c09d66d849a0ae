import pytest
from fastapi.testclient import TestClient

from packbill.server import create_app

OPERATOR = "operator-secret-token"


class Api:
    """A test client that remembers tokens."""

    def __init__(self, client: TestClient) -> None:
        self.client = client

    def as_(self, token: str | None):
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        client = self.client

        class Caller:
            def __getattr__(self, method):
                def call(path, **kw):
                    return client.request(method.upper(), path, headers={**headers, **kw.pop("headers", {})}, **kw)

                return call

        return Caller()

    def new_account(self, name="Acme", site="cn"):
        r = self.as_(OPERATOR).post("/v1/accounts", json={"name": name, "site": site})
        assert r.status_code == 201, r.text
        return r.json()


@pytest.fixture
def api(ctx):
    # every request of a test comes from one address: the lockout has its own test (test_hostile)
    with TestClient(create_app(ctx, OPERATOR, auth_failures=100_000), raise_server_exceptions=False) as client:
        yield Api(client)


@pytest.fixture
def world(api, ctx):
    ctx.webhook_local = True
    op = api.as_(OPERATOR)
    tokens = {"admin": OPERATOR}
    for role in ("finance", "support", "metering"):
        r = op.post("/v1/keys", json={"name": f"{role}-walker", "role": role})
        assert r.status_code == 201, r.text
        tokens[role] = r.json()["token"]
    acme = api.new_account("Walk Co")
    tokens["account"] = acme["token"]
    pkg = op.post(f"/v1/accounts/{acme['id']}/packages", json={"sku": "ai.face.100k"}).json()["packages"][0]
    hook = op.post("/v1/webhooks", json={"url": "http://127.0.0.1:9/hook", "account_id": acme["id"]}).json()
    spare_key = op.post("/v1/keys", json={"name": "spare", "role": "support"}).json()["id"]
    return {"tokens": tokens, "account_id": acme["id"], "package_id": pkg["id"], "webhook_id": hook["id"], "key_id": spare_key}
