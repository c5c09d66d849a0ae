"""R24: every endpoint walked with every role. The table below is written by hand from the rule
(admin everything; finance reads and money, credit limits, payment terms, balance and package
alerts, budgets and caps included, not auto-rebuy, which spends the customer's money; support
reads; metering usage only; a customer its own account; every token the catalog; only an
administrator publishes or withdraws a price version), not read from the code, and it must name
every route the service has."""

from __future__ import annotations

from packbill.domain.catalog import load_catalog
from packbill.present import catalog_json

READERS = {"admin", "finance", "support"}
OWN = READERS | {"account"}
EV = {"event_id": "walk-1", "service": "ai.face", "quantity": 3, "region": "ap-beijing", "timestamp": "2027-06-01T10:00:00+08:00"}

# (method, path) -> the roles the rule lets through
EXPECTED: dict[tuple[str, str], set[str]] = {
    ("GET", "/v1/catalog"): OWN | {"metering"},
    ("GET", "/v1/catalog/versions"): OWN | {"metering"},
    ("POST", "/v1/catalog/versions"): {"admin"},
    ("DELETE", "/v1/catalog/versions/{version_id}"): {"admin"},
    ("POST", "/v1/accounts"): {"admin"},
    ("GET", "/v1/accounts"): READERS,
    ("GET", "/v1/accounts/{account_id}"): OWN,
    ("PUT", "/v1/accounts/{account_id}/traffic-billing"): {"admin", "account"},
    ("POST", "/v1/accounts/{account_id}/packages"): {"admin", "account"},
    ("GET", "/v1/accounts/{account_id}/packages"): OWN,
    ("POST", "/v1/accounts/{account_id}/packages/{package_id}/refund"): {"admin", "account"},
    ("POST", "/v1/accounts/{account_id}/usage"): {"admin", "metering", "account"},
    ("GET", "/v1/accounts/{account_id}/usage"): OWN,
    ("POST", "/v1/settlements"): {"admin", "finance"},
    ("GET", "/v1/settlements"): READERS,
    ("GET", "/v1/accounts/{account_id}/bills"): OWN,
    ("GET", "/v1/accounts/{account_id}/reminders"): OWN,
    ("GET", "/v1/accounts/{account_id}/wallet"): OWN,
    ("POST", "/v1/accounts/{account_id}/topups"): {"admin", "finance"},
    ("POST", "/v1/accounts/{account_id}/adjustments"): {"admin", "finance"},
    ("POST", "/v1/accounts/{account_id}/vouchers"): {"admin", "finance"},
    ("PUT", "/v1/accounts/{account_id}/discount"): {"admin", "finance"},
    ("PUT", "/v1/accounts/{account_id}/credit-limit"): {"admin", "finance"},
    ("PUT", "/v1/accounts/{account_id}/balance-alert"): {"admin", "finance", "account"},
    ("GET", "/v1/accounts/{account_id}/package-alerts"): OWN,
    ("PUT", "/v1/accounts/{account_id}/package-alerts/{service}"): {"admin", "finance", "account"},
    ("GET", "/v1/accounts/{account_id}/auto-rebuy"): OWN,
    ("PUT", "/v1/accounts/{account_id}/auto-rebuy/{service}"): {"admin", "account"},
    ("DELETE", "/v1/accounts/{account_id}/auto-rebuy/{service}"): {"admin", "account"},
    ("GET", "/v1/accounts/{account_id}/budget"): OWN,
    ("PUT", "/v1/accounts/{account_id}/budget"): {"admin", "finance", "account"},
    ("PUT", "/v1/accounts/{account_id}/caps/{service}"): {"admin", "finance", "account"},
    ("GET", "/v1/accounts/{account_id}/invoice-titles"): OWN,
    ("POST", "/v1/accounts/{account_id}/invoice-titles"): {"admin", "finance", "account"},
    ("DELETE", "/v1/accounts/{account_id}/invoice-titles/{title_id}"): {"admin", "finance", "account"},
    ("POST", "/v1/accounts/{account_id}/invoice-requests"): {"admin", "finance", "account"},
    ("GET", "/v1/accounts/{account_id}/invoice-requests"): OWN,
    ("GET", "/v1/invoice-requests"): READERS,
    ("POST", "/v1/invoice-requests/{request_id}/issue"): {"admin", "finance"},
    ("POST", "/v1/invoice-requests/{request_id}/reject"): {"admin", "finance"},
    ("PUT", "/v1/accounts/{account_id}/payment"): {"admin", "finance"},
    ("PUT", "/v1/accounts/{account_id}/payer"): {"admin", "finance"},
    ("GET", "/v1/accounts/{account_id}/members"): OWN,
    ("GET", "/v1/accounts/{account_id}/journal"): OWN,
    ("GET", "/v1/accounts/{account_id}/statements/{month}"): OWN,
    ("POST", "/v1/accounts/{account_id}/invoices"): {"admin", "finance"},
    ("GET", "/v1/accounts/{account_id}/invoices"): OWN,
    ("GET", "/v1/revenue"): READERS,
    ("GET", "/v1/close/{month}"): READERS,
    ("GET", "/v1/accounts/{account_id}/advice"): OWN,
    ("POST", "/v1/accounts/{account_id}/advice"): OWN,
    ("POST", "/v1/keys"): {"admin"},
    ("GET", "/v1/keys"): {"admin"},
    ("DELETE", "/v1/keys/{key_id}"): {"admin"},
    ("POST", "/v1/accounts/{account_id}/token"): {"admin", "account"},
    ("GET", "/v1/audit"): {"admin", "finance"},
    ("POST", "/v1/webhooks"): {"admin", "account"},
    ("GET", "/v1/webhooks"): OWN,
    ("DELETE", "/v1/webhooks/{webhook_id}"): {"admin", "account"},
    ("GET", "/v1/webhooks/{webhook_id}/deliveries"): OWN,
    ("POST", "/v1/webhooks/{webhook_id}/deliveries/{delivery_id}/resend"): {"admin", "account"},
    ("GET", "/v1/accounts/{account_id}/messages"): OWN,
    ("POST", "/v1/accounts/{account_id}/messages/read"): {"account"},
}
ANY_TOKEN = {("GET", "/v1/whoami")}
OPEN = {("GET", "/healthz"), ("GET", "/readyz")}

BODIES = {
    ("POST", "/v1/catalog/versions"): {"effective_on": "2027-07-01", "catalog": catalog_json(load_catalog())},
    ("POST", "/v1/accounts"): {"name": "Walk", "site": "cn"},
    ("PUT", "/v1/accounts/{account_id}/traffic-billing"): {"mode": "traffic"},
    ("POST", "/v1/accounts/{account_id}/packages"): {"sku": "ai.face.100k"},
    ("POST", "/v1/accounts/{account_id}/usage"): {"events": [EV]},
    ("POST", "/v1/settlements"): {"through": "2027-05-31"},
    ("POST", "/v1/accounts/{account_id}/topups"): {"amount": "10.00", "reference": "walk"},
    ("POST", "/v1/accounts/{account_id}/adjustments"): {"amount": "1.00", "reason": "walk"},
    ("POST", "/v1/accounts/{account_id}/vouchers"): {"amount": "5.00", "expires_on": "2027-12-31"},
    ("PUT", "/v1/accounts/{account_id}/discount"): {"rate": "0.9", "effective_day": "2027-06-02"},
    ("PUT", "/v1/accounts/{account_id}/credit-limit"): {"amount": "100.00"},
    ("PUT", "/v1/accounts/{account_id}/balance-alert"): {"threshold": "10.00"},
    ("PUT", "/v1/accounts/{account_id}/package-alerts/{service}"): {"threshold_percent": 25},
    ("PUT", "/v1/accounts/{account_id}/auto-rebuy/{service}"): {"sku": "ai.face.100k", "trigger": "exhausted", "monthly_cap": "100"},
    ("PUT", "/v1/accounts/{account_id}/budget"): {"monthly": "1000.00"},
    ("PUT", "/v1/accounts/{account_id}/caps/{service}"): {"monthly": "100.00"},
    ("POST", "/v1/accounts/{account_id}/invoice-titles"): {"type": "normal", "name": "Walk Co", "tax_id": "91350100M000100Y43"},
    ("POST", "/v1/accounts/{account_id}/invoice-requests"): {"title_id": "tit_walk", "amount": "1.00"},
    ("POST", "/v1/invoice-requests/{request_id}/issue"): {"number": "26112000000000000009"},
    ("POST", "/v1/invoice-requests/{request_id}/reject"): {"reason": "walk"},
    ("PUT", "/v1/accounts/{account_id}/payment"): {"payment": "balance"},
    ("PUT", "/v1/accounts/{account_id}/payer"): {"payer": None},
    ("POST", "/v1/accounts/{account_id}/invoices"): {"amount": "0.01", "number": "INV-WALK"},
    ("POST", "/v1/accounts/{account_id}/advice"): {"forecast": {"ai.face": [1000]}},
    ("POST", "/v1/keys"): {"name": "walk", "role": "support"},
    ("POST", "/v1/webhooks"): {"url": "http://127.0.0.1:9/hook"},
    ("POST", "/v1/accounts/{account_id}/messages/read"): {"through": 1},
}
QUERIES = {
    "/v1/accounts/{account_id}/usage": "?from=2027-06-01&to=2027-06-30",
    "/v1/accounts/{account_id}/bills": "?from=2027-06-01&to=2027-06-30",
}


def routes(app) -> dict[tuple[str, str], str | None]:
    """Every operation the service publishes, with the action it declares."""
    return {(m.upper(), path): op.get("x-action") for path, ops in app.openapi()["paths"].items() for m, op in ops.items()}


def test_the_table_names_every_route(api):
    found = routes(api.client.app)
    assert set(found) == set(EXPECTED) | ANY_TOKEN | OPEN
    assert all(found[k] for k in EXPECTED), "every route but /healthz and /v1/whoami declares its action"


def fill(path: str, world: dict) -> str:
    return (path.replace("{account_id}", world["account_id"]).replace("{package_id}", world["package_id"])
            .replace("{month}", "2027-06").replace("{key_id}", world["key_id"]).replace("{webhook_id}", world["webhook_id"])
            .replace("{delivery_id}", "1").replace("{service}", "ai.face")
            .replace("{title_id}", "tit_walk").replace("{request_id}", "ivr_walk").replace("{version_id}", "v2")) + QUERIES.get(path, "")


def test_every_endpoint_with_every_role(api, world):
    """A role without the grant gets 403 ``forbidden`` and nothing else; a role with it never
    does (it may get another answer: a refusal of the rules, 404 for a delivery that does not
    exist). The token rotation runs last: the customer's token stops working after it."""
    order = sorted(EXPECTED, key=lambda k: k[1].endswith("/token"))
    for method, path in order:
        for role in ("admin", "finance", "support", "metering", "account"):
            body = {"json": BODIES[(method, path)]} if (method, path) in BODIES else {}
            r = getattr(api.as_(world["tokens"][role]), method.lower())(fill(path, world), **body)
            assert r.status_code < 500, (method, path, role, r.text)
            forbidden = r.status_code == 403 and r.json()["error"]["code"] == "forbidden"
            assert forbidden == (role not in EXPECTED[(method, path)]), (method, path, role, r.status_code, r.text)


def test_whoami_answers_every_token_with_its_role(api, world):
    for role, token in world["tokens"].items():
        if role == "account":
            continue
        me = api.as_(token).get("/v1/whoami").json()
        assert me["role"] == "operator" and me["operator_role"] == role
    me = api.as_(world["tokens"]["account"]).get("/v1/whoami").json()
    assert me == {"role": "account", "account_id": world["account_id"], "operator_role": None, "actor": world["account_id"]}
