"""R29 over HTTP: when each active package runs out, or what it forfeits, at the last 30 days'
rate (the console's words: tests/console/test_console_forecast.py)."""

from datetime import timedelta

from tests.conftest import FIXED_NOW

from .conftest import OPERATOR


def usage(service: str, per_day: int, days: int = 30, prefix: str = "u") -> list[dict]:
    return [{"event_id": f"{prefix}{i}", "service": service, "quantity": per_day, "region": "ap-beijing",
             "timestamp": (FIXED_NOW - timedelta(days=i, hours=3)).isoformat()} for i in range(1, days + 1)]


def forecast_account(api) -> tuple[dict, object]:
    """A 1m pet package bought 31 days ago, 20,000 pet calls a day since (600,000 drawn, estimated
    as the list shows it now); a 10m face package bought today, 1,000 face calls a day before it;
    a 100k tags package and no tag usage."""
    account = api.new_account("Forecast Co")
    me, op = api.as_(account["token"]), api.as_(OPERATOR)
    path = f"/v1/accounts/{account['id']}"
    assert op.post(f"{path}/packages", json={"sku": "ai.pet.1m", "at": (FIXED_NOW - timedelta(days=31)).isoformat()}).status_code == 201
    for sku in ("ai.face.10m", "ai.tags.100k"):
        assert me.post(f"{path}/packages", json={"sku": sku}).status_code == 201
    assert me.post(f"{path}/usage", json={"events": usage("ai.pet", 20_000) + usage("ai.face", 1_000, prefix="f")}).status_code == 202
    return account, me


def test_each_active_package_says_when_it_runs_out_or_what_it_forfeits(api):
    account, me = forecast_account(api)
    listed = {p["sku"]: p for p in me.get(f"/v1/accounts/{account['id']}/packages").json()["packages"]}
    # 400,000 left at 20,000 a day: the 20th day from tomorrow (2027-06-02) is 2027-06-21
    assert listed["ai.pet.1m"]["remaining_now"] == 400_000
    assert listed["ai.pet.1m"]["forecast"] == {"runs_out_on": "2027-06-21", "forfeit_quantity": 0, "forfeit_value": "0.00"}
    # 1,000 a day over the 365 days from 2027-06-02 to its last day (2028-05-31): 9,635,000 left,
    # worth 4,000.00 x 0.9635 = 3,854.00
    assert listed["ai.face.10m"]["forecast"] == {"runs_out_on": None, "forfeit_quantity": 9_635_000, "forfeit_value": "3854.00"}
    assert listed["ai.tags.100k"]["forecast"] is None  # no recent usage of the service: no forecast (R29)
    past = me.get(f"/v1/accounts/{account['id']}/packages", params={"as_of": FIXED_NOW.isoformat()}).json()["packages"]
    assert all(p["forecast"] is None for p in past)  # forecasts are made now, not as of a moment
