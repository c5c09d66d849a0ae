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


def test_R29_each_active_package_says_when_it_runs_out_or_what_it_forfeits(api):
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


def test_R29_forfeit_expected_is_a_reminder_a_message_and_a_webhook_event_once_per_notice(api, ctx):
    """R29: a 1m face package bought 345 days ago, 30,000 face calls drawn in the last 30 days
    (970,000 left), its last day 2027-06-20: at 1,000 a day the 19 days from tomorrow draw 19,000
    and 951,000 lapse (475.50 of its 500.00): the 30-day notice, once however often the sweep
    looks; 13 days later, the 7-day notice."""
    from packbill.services import inbox, sweep

    account = api.new_account("Lapse Co")
    op = api.as_(OPERATOR)
    path = f"/v1/accounts/{account['id']}"
    assert op.post(f"{path}/packages", json={"sku": "ai.face.1m", "at": (FIXED_NOW - timedelta(days=345)).isoformat()}).status_code == 201
    assert op.post(f"{path}/usage", json={"events": usage("ai.face", 1_000)}).status_code == 202
    (package,) = op.get(f"{path}/packages").json()["packages"]
    assert package["last_day"] == "2027-06-20" and package["remaining_now"] == 970_000
    assert package["forecast"] == {"runs_out_on": None, "forfeit_quantity": 951_000, "forfeit_value": "475.50"}
    reminders = op.get(f"{path}/reminders").json()["reminders"]
    notice = next(r for r in reminders if r["kind"] == "forfeit_expected")
    assert "预计还剩约 95.1 万次" in notice["message_zh"] and "forfeited, not refunded" in notice["message"]
    assert sweep.sweep(ctx, [account["id"]]) >= 1 and sweep.sweep(ctx, [account["id"]]) == 0  # once
    events = [e for e in inbox.events(ctx, account_id=account["id"]) if e.type == "reminder.forfeit_expected"]
    assert len(events) == 1 and events[0].data["notice"] == 30
    found = op.get(f"{path}/messages", params={"category": "packages"}).json()["messages"]
    text = next(m["text"] for m in found if m["type"] == "reminder.forfeit_expected")
    assert text == "按近 30 天用量，人脸检测资源包-100万次到期（2027-06-20）时预计作废约 95.1 万次，价值 475.50 元。"
    ctx.clock = lambda: FIXED_NOW + timedelta(days=13)  # 7 days before its last day
    assert sweep.sweep(ctx, [account["id"]]) >= 1 and sweep.sweep(ctx, [account["id"]]) == 0
    notices = sorted(e.data["notice"] for e in inbox.events(ctx, account_id=account["id"]) if e.type == "reminder.forfeit_expected")
    assert notices == [7, 30]


def test_R29_package_alerts_are_set_per_service_and_fire_once_per_crossing(api, ctx):
    """R29: 850,000 of a 1m pet package used: 15 % left, below the default 20 %: one package_low,
    however often the sweep looks; a purchase re-arms it (1,150,000 of 2,000,000 left), and the
    next crossing fires again (1,000,000 more: the first used up, the second at 150,000, 15 %).
    A threshold is 1 to 99 or null (off)."""
    from packbill.services import inbox, sweep

    account = api.new_account("Alert Co")
    me, op = api.as_(account["token"]), api.as_(OPERATOR)
    path = f"/v1/accounts/{account['id']}"
    assert me.post(f"{path}/packages", json={"sku": "ai.pet.1m"}).status_code == 201
    def today(prefix: str, quantities: list[int]) -> list[dict]:
        return [{"event_id": f"{prefix}{i}", "service": "ai.pet", "quantity": q, "region": "ap-beijing",
                 "timestamp": (FIXED_NOW - timedelta(minutes=i + 1)).isoformat()} for i, q in enumerate(quantities)]

    assert me.post(f"{path}/usage", json={"events": today("t", [85_000] * 10)}).status_code == 202
    alerts = {a["service"]: a for a in me.get(f"{path}/package-alerts").json()["alerts"]}
    assert alerts["ai.pet"] == {"service": "ai.pet", "threshold_percent": 20, "default": True, "left_percent": "15.0"}
    low = [r for r in me.get(f"{path}/reminders").json()["reminders"] if r["kind"] == "package_low"]
    assert len(low) == 1 and "宠物识别资源包合计余量已低于 20%：还剩 150,000 次（共 1,000,000 次）" in low[0]["message_zh"]
    assert sweep.sweep(ctx, [account["id"]]) >= 1 and sweep.sweep(ctx, [account["id"]]) == 0

    def fired():
        return [e for e in inbox.events(ctx, account_id=account["id"]) if e.type == "reminder.package_low"]

    assert len(fired()) == 1
    text = next(m["text"] for m in me.get(f"{path}/messages").json()["messages"] if m["type"] == "reminder.package_low")
    assert text == "宠物识别资源包合计余量已低于 20%：还剩 150,000 次（共 1,000,000 次）。"
    assert me.post(f"{path}/packages", json={"sku": "ai.pet.1m"}).status_code == 201  # 1,150,000 of 2,000,000: re-armed
    assert sweep.sweep(ctx, [account["id"]]) == 0
    more = today("m", [100_000] * 10)
    assert me.post(f"{path}/usage", json={"events": more}).status_code == 202
    assert sweep.sweep(ctx, [account["id"]]) >= 1 and len(fired()) == 2
    # the customer's threshold: at 15 % the 15 % left is not below it; off; careless input
    r = me.put(f"{path}/package-alerts/ai.pet", json={"threshold_percent": 15})
    assert r.status_code == 200 and r.json() == {"service": "ai.pet", "threshold_percent": 15, "default": False, "left_percent": "15.0"}
    assert [r for r in me.get(f"{path}/reminders").json()["reminders"] if r["kind"] == "package_low"] == []
    assert me.put(f"{path}/package-alerts/ai.pet", json={"threshold_percent": None}).json()["threshold_percent"] is None
    for body in ({"threshold_percent": 0}, {"threshold_percent": 100}, {"threshold_percent": "20"}, {"threshold_percent": 2.5}, {}):
        r = me.put(f"{path}/package-alerts/ai.pet", json=body)
        assert r.status_code == 422 and r.json()["error"]["code"] == "invalid_request", body
    assert me.put(f"{path}/package-alerts/ai.nope", json={"threshold_percent": 20}).status_code == 422
    other = api.new_account("Other Co")
    assert api.as_(other["token"]).put(f"{path}/package-alerts/ai.pet", json={"threshold_percent": 20}).status_code == 404
    trail = op.get("/v1/audit", params={"action": "package_alert.set", "account_id": account["id"]}).json()
    outcomes = sorted(rec["outcome"] for rec in trail["records"])
    assert outcomes.count("ok") == 2 and outcomes.count("invalid_request") >= 6


def test_R30_an_unusual_day_of_pay_as_you_go_is_an_anomaly_reminder_message_and_event_once(api, ctx):
    """R30: 10,000 face calls a day from 24 to 30 May (5.00 a day), 40,000 on 31 May (20.00): more
    than 3 times the week's median and above 10.00, once settled."""
    from packbill.services import inbox, sweep

    account = api.new_account("Spike Co")
    op = api.as_(OPERATOR)
    path = f"/v1/accounts/{account['id']}"
    events = [{"event_id": f"s{i}", "service": "ai.face", "quantity": 40_000 if i == 1 else 10_000, "region": "ap-beijing",
               "timestamp": (FIXED_NOW - timedelta(days=i, hours=3)).isoformat()} for i in range(1, 9)]
    assert op.post(f"{path}/usage", json={"events": events}).status_code == 202
    assert [r for r in op.get(f"{path}/reminders").json()["reminders"] if r["kind"] == "anomaly"] == []  # not settled yet
    assert op.post("/v1/settlements", json={"through": "2027-05-31"}).status_code == 200
    (found,) = [r for r in op.get(f"{path}/reminders").json()["reminders"] if r["kind"] == "anomaly"]
    assert found["day"] == "2027-05-31" and found["package_id"] is None
    assert found["message_zh"] == "2027-05-31 的人脸检测按量费用 20.00 元，超过此前 7 天中位数（5.00 元）的 3 倍，请确认用量是否正常。"
    assert "more than 3 times the median of the 7 days before (5.00 CNY)" in found["message"]
    assert sweep.sweep(ctx, [account["id"]]) >= 1 and sweep.sweep(ctx, [account["id"]]) == 0
    (event,) = [e for e in inbox.events(ctx, account_id=account["id"]) if e.type == "reminder.anomaly"]
    assert event.data == {"service": "ai.face", "day": "2027-05-31", "amount": "20.00", "median": "5.00"}
    bills = op.get(f"{path}/messages", params={"category": "bills"}).json()["messages"]
    assert any(m["type"] == "reminder.anomaly" for m in bills)
