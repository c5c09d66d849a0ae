"""R27 over HTTP: the advice's shape, a forecast, and careless input."""

from datetime import timedelta
from decimal import Decimal

from packbill.domain.horizon import Horizon
from tests.conftest import FIXED_NOW

from .conftest import OPERATOR


def test_advice_from_usage_and_from_a_forecast(api):
    account = api.new_account("Advice")
    me = api.as_(account["token"])
    events = [{"event_id": f"d{i}", "service": "ai.pet", "quantity": 27_700, "region": "ap-beijing",
               "timestamp": (FIXED_NOW - timedelta(days=i, hours=1)).isoformat()} for i in range(1, 91)]
    assert me.post(f"/v1/accounts/{account['id']}/usage", json={"events": events}).status_code == 202
    r = me.get(f"/v1/accounts/{account['id']}/advice")
    assert r.status_code == 200, r.text
    a = r.json()
    assert [(p["sku"], p["count"], p["buy_on"]) for p in a["plan"]] == [("ai.pet.10m", 1, "2027-06-01")]
    # 27,700 a day for the horizon's 366 days (to 2028-05-31, a leap year): 10,138,200 calls, the
    # 10m package and 138,200 calls as you go (345.50)
    assert a["cost_with_plan"] == "20345.50" and a["source"] == "window"
    assert set(a["sensitivity"]) == {"minus_20", "plus_20"} and a["traffic_billing"] is None
    # a forecast for 3 months, each month spread over its days: June's 99,000 face calls are
    # 3,300 a day (1.65 a day, 49.50), July's and August's 124,000 are 4,000 a day (2.00 a day,
    # 62.00 each): 173.50 as you go, less than any package
    r = me.post(f"/v1/accounts/{account['id']}/advice", json={"forecast": {"ai.face": [99_000, 124_000, 124_000]}})
    assert r.status_code == 200, r.text
    assert r.json()["plan"] == [] and r.json()["cost_without_plan"] == "173.50" and r.json()["horizon_months"] == 3
    zh = me.get(f"/v1/accounts/{account['id']}/advice?lang=zh").json()
    assert "宠物识别" in zh["plan"][0]["reason"]


def test_careless_advice_requests(api):
    account = api.new_account("Careless")
    me = api.as_(account["token"])
    path = f"/v1/accounts/{account['id']}/advice"
    for body in ({}, {"forecast": {"ai.nope": [1]}}, {"forecast": {"ai.face": []}}, {"forecast": {"ai.face": [-1]}},
                 {"forecast": {"ai.face": [1.5]}}, {"forecast": {"ai.face": [1], "ai.pet": [1, 2]}}, {"forecast": "lots"},
                 {"forecast": {"ai.face": [1] * 37}}):
        r = me.post(path, json=body)
        assert r.status_code == 422 and r.json()["error"]["code"] == "invalid_request", body
    for query in ("window_days=0", "horizon_months=99", "window_days=abc", "what_if_days=0"):
        assert me.get(f"{path}?{query}").status_code == 422, query
    other = api.new_account("Other")
    assert api.as_(other["token"]).get(path).status_code == 404
    assert api.as_(OPERATOR).get(path).status_code == 200


def test_a_solver_that_finds_nothing_still_answers_with_the_best_simple_plan(api, monkeypatch):
    """Issue 22: no valid forecast gets a 5xx. When the solver finds nothing, the answer is the
    cheapest of buying nothing and the simple plans, evaluated exactly, and says it is not proven."""
    from packbill.domain import advice as core

    def stuck(*args, **kwargs):
        raise core.SolverUnavailable("the solver stopped: time limit reached")

    monkeypatch.setattr(core, "solve_service", stuck)
    account = api.new_account("Stuck")
    r = api.as_(account["token"]).post(f"/v1/accounts/{account['id']}/advice", json={"forecast": {"ai.pet": [900000] * 12}})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["optimal"] is False and body["gap"] == 1.0  # nothing proven
    assert [(p["sku"], p["count"]) for p in body["plan"]] == [("ai.pet.10m", 1)]  # 10.8 million calls a year: one 10m package
    assert Decimal(body["cost_with_plan"]) < Decimal(body["cost_without_plan"])


def test_the_answer_states_its_forecast_and_method_and_whether_there_is_enough_usage(api, ctx):
    """Issue 22: the forecast in the open, flat by default and a trend on request; below 7 days of
    usage, no plan and enough_usage false."""
    account = api.new_account("Forecast Co")
    me = api.as_(account["token"])
    path = f"/v1/accounts/{account['id']}/advice"
    days = [{"event_id": f"f{i}", "service": "ai.pet", "quantity": 20_000 + 500 * i, "region": "ap-beijing",
             "timestamp": (FIXED_NOW - timedelta(days=30 - i, hours=2)).isoformat()} for i in range(4)]
    me.post(f"/v1/accounts/{account['id']}/usage", json={"events": days})
    few = me.get(path, params={"window_days": 30}).json()
    assert few["enough_usage"] is False and few["plan"] == [] and few["forecast"] == {}
    more = [{"event_id": f"g{i}", "service": "ai.pet", "quantity": 22_000 + 500 * i, "region": "ap-beijing",
             "timestamp": (FIXED_NOW - timedelta(days=26 - i, hours=2)).isoformat()} for i in range(26)]
    me.post(f"/v1/accounts/{account['id']}/usage", json={"events": more})
    flat = me.get(path, params={"window_days": 30}).json()
    assert flat["enough_usage"] is True and flat["method"] == "flat"
    (monthly,) = flat["forecast"].values()
    lengths = Horizon.of(FIXED_NOW.date(), 12).month_lengths()
    assert len(monthly) == 12 and len({q // n for q, n in zip(monthly, lengths, strict=True)}) == 1  # the same each day of every month
    trend = me.get(path, params={"window_days": 30, "method": "trend"}).json()
    assert trend["method"] == "trend" and trend["forecast"]["ai.pet"][11] > trend["forecast"]["ai.pet"][0]  # rising usage
    assert me.get(path, params={"method": "guess"}).status_code == 422


def test_the_largest_forecast_the_contract_allows_gets_an_answer_not_a_5xx(api):
    """Issue 22: 120 million calls a month answered 503 and 10^15 answered 500. Every service at
    the intake's largest figure, every month: a plan, proven optimal."""
    from packbill.domain.catalog import USAGE_SERVICES
    from packbill.domain.limits import MAX_DAY_TOTAL

    account = api.new_account("Huge")
    me = api.as_(account["token"])
    for q in (120_000_000, 10**15, MAX_DAY_TOTAL):
        r = me.post(f"/v1/accounts/{account['id']}/advice", json={"forecast": {s: [q] * 12 for s in USAGE_SERVICES}})
        assert r.status_code == 200, (q, r.text)
        body = r.json()
        assert Decimal(body["cost_with_plan"]) < Decimal(body["cost_without_plan"]) and body["plan"]
        assert all(Decimal(p["saving"]) > 0 for p in body["plan"]) and body["optimal"] is True and body["gap"] == 0
