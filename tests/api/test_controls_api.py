"""R28 auto-rebuy and R30 budgets and caps over HTTP: the rules, the settlement step that buys,
the sweep that alerts within a minute of the usage, and careless input."""

from datetime import timedelta

from tests.conftest import FIXED_NOW

from .conftest import OPERATOR


def pet_usage(day_offset: int, quantity: int, prefix: str) -> list[dict]:
    """``quantity`` pet calls on the day ``day_offset`` days from FIXED_NOW's (in ten events)."""
    at = FIXED_NOW + timedelta(days=day_offset) - timedelta(hours=3)
    return [{"event_id": f"{prefix}{i}", "service": "ai.pet", "quantity": quantity // 10, "region": "ap-beijing",
             "timestamp": (at + timedelta(minutes=i)).isoformat()} for i in range(10)]


def prepaid(api, name: str, topup: str) -> tuple[dict, object, object, str]:
    account = api.new_account(name)
    op = api.as_(OPERATOR)
    path = f"/v1/accounts/{account['id']}"
    assert op.put(f"{path}/payment", json={"payment": "balance"}).status_code == 200
    assert op.post(f"{path}/topups", json={"amount": topup, "reference": f"t-{name}"}).status_code == 201
    return account, op, api.as_(account["token"]), path


def test_R28_a_used_up_package_is_bought_again_once_at_settlement_and_never_past_the_cap(api, ctx):
    """A 100k pet package (250.00) bought ten days ago, 120,000 calls on 31 May: settling the day
    uses it up (20,000 pay-as-you-go, 50.00) and auto-rebuy buys one more, once however often the
    day is settled again. 1 June uses the second up: 1,000.00 - 250 - 50 - 250 = 450.00 -> the third
    (700.00 spent) passes the 600.00 cap: refused, a rebuy_failed message once that month."""
    from packbill.services import inbox

    account, op, me, path = prepaid(api, "Rebuy Co", "1000.00")
    assert op.post(f"{path}/packages", json={"sku": "ai.pet.100k", "at": (FIXED_NOW - timedelta(days=10)).isoformat()}).status_code == 201
    rule = me.put(f"{path}/auto-rebuy/ai.pet", json={"sku": "ai.pet.100k", "trigger": "exhausted", "monthly_cap": "600.00"})
    assert rule.status_code == 200, rule.text
    assert rule.json() == {"service": "ai.pet", "sku": "ai.pet.100k", "trigger": "exhausted", "days_before": None,
                           "monthly_cap": "600.00", "spent_this_month": "0.00"}
    assert me.post(f"{path}/usage", json={"events": pet_usage(-1, 120_000, "a")}).status_code == 202
    me_wallet = me.get(f"{path}/wallet").json()
    assert me_wallet["balance"] == "750.00"  # the live estimate (R26) does not buy
    assert len(me.get(f"{path}/packages").json()["packages"]) == 1
    for _ in range(2):  # settled twice (a repeated run): bought once
        assert op.post("/v1/settlements", json={"through": "2027-05-31"}).status_code in (200, 201)
        packages = me.get(f"{path}/packages").json()["packages"]
        assert [p["status"] for p in packages] == ["exhausted", "active"]
    assert me.get(f"{path}/wallet").json()["balance"] == "450.00"  # 1,000 - 250 - 50 - 250
    assert me.get(f"{path}/auto-rebuy").json()["rules"][0]["spent_this_month"] == "250.00"
    bought = [e for e in inbox.events(ctx, account_id=account["id"]) if e.type == "package.bought"]
    assert len(bought) == 2 and [e.data.get("auto_rebuy", {}).get("trigger") for e in bought].count("exhausted") == 1
    trail = op.get("/v1/audit", params={"account_id": account["id"], "action": "package.buy"}).json()["records"]
    assert [(r["actor"], r["outcome"]) for r in trail if r["actor"] == "auto-rebuy"] == [("auto-rebuy", "ok")]
    journal = me.get(f"{path}/journal").json()["entries"]
    assert sum(1 for e in journal if e["kind"] == "purchase") == 2
    # 2 June: 1 June used the second up, and a third would make 500.00 + 250.00 > 600.00
    ctx.clock = lambda: FIXED_NOW + timedelta(days=1)
    assert me.put(f"{path}/auto-rebuy/ai.pet", json={"sku": "ai.pet.100k", "trigger": "exhausted",
                                                     "monthly_cap": "700.00"}).status_code == 200
    assert me.post(f"{path}/usage", json={"events": pet_usage(0, 100_000, "b")}).status_code == 202
    assert op.post("/v1/settlements", json={"through": "2027-06-01"}).status_code in (200, 201)
    assert len(me.get(f"{path}/packages").json()["packages"]) == 3  # 500.00 of 700.00
    ctx.clock = lambda: FIXED_NOW + timedelta(days=2)
    assert me.post(f"{path}/usage", json={"events": pet_usage(1, 100_000, "c")}).status_code == 202
    for _ in range(2):
        assert op.post("/v1/settlements", json={"through": "2027-06-02"}).status_code in (200, 201)
    assert len(me.get(f"{path}/packages").json()["packages"]) == 3  # a fourth would pass 700.00
    refused = [e for e in inbox.events(ctx, account_id=account["id"]) if e.type == "reminder.rebuy_failed"]
    assert len(refused) == 1 and refused[0].data["reason"] == "monthly_cap"
    text = next(m["text"] for m in me.get(f"{path}/messages").json()["messages"] if m["type"] == "reminder.rebuy_failed")
    assert text == ("宠物识别自动续购未成功：将超过本月自动续购上限 700.00 元（本月已续购 500.00 元）。"
                    "宠物识别资源包-10万次（250.00 元）将在下次结算时重试。")


def test_R28_a_refusal_for_funds_is_said_once_a_day_and_tried_again_at_the_next_settlement(api, ctx):
    """300.00 in cash: the 100k package bought, 120,000 calls used it up and cost 50.00 more: 0.00
    left, the rebuy is refused (insufficient_funds), once however often the day is settled; after a
    top-up, the next day's settlement buys it."""
    from packbill.services import inbox

    account, op, me, path = prepaid(api, "Short Co", "300.00")
    assert op.post(f"{path}/packages", json={"sku": "ai.pet.100k", "at": (FIXED_NOW - timedelta(days=10)).isoformat()}).status_code == 201
    assert me.put(f"{path}/auto-rebuy/ai.pet", json={"sku": "ai.pet.100k", "trigger": "exhausted", "monthly_cap": "1000"}).status_code == 200
    assert me.post(f"{path}/usage", json={"events": pet_usage(-1, 120_000, "a")}).status_code == 202
    for _ in range(2):
        assert op.post("/v1/settlements", json={"through": "2027-05-31"}).status_code in (200, 201)
    refused = [e for e in inbox.events(ctx, account_id=account["id"]) if e.type == "reminder.rebuy_failed"]
    assert len(refused) == 1 and refused[0].data["reason"] == "insufficient_funds"
    assert "余额不足" in next(m["text"] for m in me.get(f"{path}/messages").json()["messages"] if m["type"] == "reminder.rebuy_failed")
    reminders = me.get(f"{path}/reminders").json()["reminders"]
    assert any(r["kind"] == "rebuy_failed" for r in reminders)
    trail = op.get("/v1/audit", params={"account_id": account["id"], "action": "package.buy"}).json()["records"]
    assert [r["outcome"] for r in trail if r["actor"] == "auto-rebuy"] == ["insufficient_funds"]
    assert op.post(f"{path}/topups", json={"amount": "500.00", "reference": "t-more"}).status_code == 201
    ctx.clock = lambda: FIXED_NOW + timedelta(days=1)
    assert op.post("/v1/settlements", json={"through": "2027-06-01"}).status_code in (200, 201)
    assert [p["status"] for p in me.get(f"{path}/packages").json()["packages"]] == ["exhausted", "active"]
    assert me.get(f"{path}/wallet").json()["balance"] == "250.00"
    assert not any(r["kind"] == "rebuy_failed" for r in me.get(f"{path}/reminders").json()["reminders"])


def test_R28_expiring_buys_days_before_the_last_package_ends(api, ctx):
    """A 1m pet package bought 360 days ago ends on 2027-06-05; a rule 7 days before buys one at
    the next settlement (its last day is 4 days off), once."""
    account, op, me, path = prepaid(api, "Expiring Co", "5000.00")
    assert op.post(f"{path}/packages", json={"sku": "ai.pet.1m", "at": (FIXED_NOW - timedelta(days=361)).isoformat()}).status_code == 201
    assert me.put(f"{path}/auto-rebuy/ai.pet", json={"sku": "ai.pet.1m", "trigger": "expiring", "days_before": 7,
                                                     "monthly_cap": "3000"}).status_code == 200
    for _ in range(2):
        assert op.post("/v1/settlements", json={"through": "2027-05-31"}).status_code in (200, 201)
    packages = me.get(f"{path}/packages").json()["packages"]
    assert [(p["status"], p["last_day"]) for p in packages] == [("active", "2027-06-04"), ("active", "2028-05-31")]


def test_R28_rules_refuse_careless_input_and_other_accounts(api):
    account, op, me, path = prepaid(api, "Careless Co", "10")
    other = api.new_account("Other Co")
    cases = [
        ("ai.pet", {"sku": "ai.face.1m", "trigger": "exhausted", "monthly_cap": "100"}, "not of ai.pet"),
        ("ai.pet", {"sku": "ai.pet.2m", "trigger": "exhausted", "monthly_cap": "100"}, "unknown sku"),
        ("ai.pets", {"sku": "ai.pet.1m", "trigger": "exhausted", "monthly_cap": "100"}, "unknown service"),
        ("ai.pet", {"sku": "ai.pet.1m", "trigger": "expiring", "monthly_cap": "100"}, "days_before"),
        ("ai.pet", {"sku": "ai.pet.1m", "trigger": "exhausted", "days_before": 3, "monthly_cap": "100"}, "only for an 'expiring'"),
        ("ai.pet", {"sku": "ai.pet.1m", "trigger": "exhausted", "monthly_cap": "0"}, "greater than zero"),
        ("ai.pet", {"sku": "ai.pet.1m", "trigger": "exhausted", "monthly_cap": "1.001"}, "two decimals"),
        ("ai.pet", {"sku": "ai.pet.1m", "trigger": "soon", "monthly_cap": "100"}, ""),
        ("ai.pet", {"sku": "ai.pet.1m", "trigger": "exhausted", "monthly_cap": 1.5}, ""),
    ]
    for service, body, words in cases:
        r = me.put(f"{path}/auto-rebuy/{service}", json=body)
        assert r.status_code == 422 and r.json()["error"]["code"] == "invalid_request", (body, r.text)
        assert words in r.json()["error"]["message"], (body, r.json())
    assert me.get(f"{path}/auto-rebuy").json() == {"rules": []}
    assert me.get(f"/v1/accounts/{other['id']}/auto-rebuy").status_code == 404
    assert me.put(f"/v1/accounts/{other['id']}/auto-rebuy/ai.pet",
                  json={"sku": "ai.pet.1m", "trigger": "exhausted", "monthly_cap": "100"}).status_code == 404
    assert me.delete(f"{path}/auto-rebuy/ai.pet").json() == {"rules": []}  # off already: nothing changes
    assert me.delete(f"{path}/auto-rebuy/ai.pets").status_code == 422  # a typo is not "off already"
    assert me.put(f"{path}/auto-rebuy/ai.pet", json={"sku": "ai.pet.1m", "trigger": "exhausted", "monthly_cap": "100"}).status_code == 200
    assert me.delete(f"{path}/auto-rebuy/ai.pet").json() == {"rules": []}
    actions = [r["action"] for r in op.get("/v1/audit", params={"account_id": account["id"]}).json()["records"]]
    assert "auto_rebuy.set" in actions and "auto_rebuy.delete" in actions


def budget_steps(ctx, account_id: str) -> list:
    from packbill.services import inbox

    return sorted((e.data["step"] for e in inbox.events(ctx, account_id=account_id) if e.type == "reminder.budget"),
                  key=lambda step: 999 if step is None else step)


def test_R30_budget_alerts_fire_within_a_minute_once_a_month_each(api, ctx):
    """A budget of 500.00: a 50.00 package and 100,000 pay-as-you-go pet calls today (250.00,
    estimated live, nothing settled) make 300.00, 60 %: the 50 % alert, once however often the
    sweep looks; 120,000 more (300.00) make 600.00: 80 % and 100 %, and the forecast (never below
    what was spent) passes the budget. A new month starts afresh."""
    from packbill.services import sweep

    account, op, me, path = prepaid(api, "Budget Co", "5000.00")
    put = me.put(f"{path}/budget", json={"monthly": "500.00"})
    assert put.status_code == 200, put.text
    assert put.json()["monthly"] == "500.00" and put.json()["spent_this_month"] == "0.00"
    assert me.post(f"{path}/packages", json={"sku": "ai.face.100k"}).status_code == 201
    assert me.post(f"{path}/usage", json={"events": pet_usage(0, 100_000, "a")}).status_code == 202
    view = me.get(f"{path}/budget").json()
    assert view["month"] == "2027-06" and view["caps"]["ai.pet"] == {"monthly": None, "spent_this_month": "250.00", "capped": False}
    assert (view["spent_this_month"], view["forecast_this_month"]) == ("300.00", "300.00")
    assert sweep.sweep(ctx, [account["id"]]) >= 1 and sweep.sweep(ctx, [account["id"]]) == 0
    assert budget_steps(ctx, account["id"]) == [50]
    assert me.post(f"{path}/usage", json={"events": pet_usage(0, 120_000, "b")}).status_code == 202
    assert sweep.sweep(ctx, [account["id"]]) == 3 and sweep.sweep(ctx, [account["id"]]) == 0
    assert budget_steps(ctx, account["id"]) == [50, 80, 100, None]
    texts = {m["text"] for m in me.get(f"{path}/messages", params={"category": "money"}).json()["messages"] if m["type"] == "reminder.budget"}
    assert "本月（2027-06）费用已达预算的 80%：已用 600.00 元，预算 500.00 元。" in texts
    assert "按近期用量，本月（2027-06）费用预计 600.00 元，将超出预算 500.00 元（已用 600.00 元）。" in texts
    reminders = [r for r in me.get(f"{path}/reminders").json()["reminders"] if r["kind"] == "budget"]
    assert len(reminders) == 4 and reminders[0]["message"] == "This month (2027-06) has spent 50% of its budget: 600.00 CNY of 500.00 CNY."
    ctx.clock = lambda: FIXED_NOW + timedelta(days=30)  # July: nothing spent yet
    assert me.get(f"{path}/budget").json()["spent_this_month"] == "0.00"
    assert not [r for r in me.get(f"{path}/reminders").json()["reminders"] if r["kind"] == "budget"]


def test_R30_a_cap_sets_service_status_capped_until_raised_and_usage_is_still_billed(api, ctx):
    """A 100.00 cap on pet pay-as-you-go: 40,000 calls (100.00) reach it: ai.pet is capped in the
    wallet (the platform reads it), one service.capped event however often the sweep looks; more
    usage is still accepted and billed; raising the cap lifts it; a package covering the service
    keeps it running."""
    from packbill.services import inbox, sweep

    account, op, me, path = prepaid(api, "Cap Co", "5000.00")
    assert me.put(f"{path}/caps/ai.pet", json={"monthly": "100.00"}).status_code == 200
    assert me.get(f"{path}/wallet").json()["service_status"]["ai.pet"] == "active"
    assert me.post(f"{path}/usage", json={"events": pet_usage(0, 40_000, "a")}).status_code == 202
    assert me.get(f"{path}/wallet").json()["service_status"]["ai.pet"] == "capped"
    assert me.get(f"{path}/wallet").json()["service_status"]["ai.face"] == "active"
    assert sweep.sweep(ctx, [account["id"]]) == 1 and sweep.sweep(ctx, [account["id"]]) == 0
    (capped,) = [e for e in inbox.events(ctx, account_id=account["id"]) if e.type == "service.capped"]
    assert capped.data == {"service": "ai.pet", "month": "2027-06", "monthly": "100.00", "spent_this_month": "100.00", "day": "2027-06-01"}
    text = next(m["text"] for m in me.get(f"{path}/messages").json()["messages"] if m["type"] == "service.capped")
    assert text.startswith("宠物识别本月（2027-06）按量费用已达上限 100.00 元")
    assert me.post(f"{path}/usage", json={"events": pet_usage(0, 4_000, "b")}).status_code == 202  # still accepted
    assert me.get(f"{path}/budget").json()["caps"]["ai.pet"] == {"monthly": "100.00", "spent_this_month": "110.00", "capped": True}
    raised = me.put(f"{path}/caps/ai.pet", json={"monthly": "200.00"}).json()
    assert raised["caps"]["ai.pet"]["capped"] is False
    assert me.get(f"{path}/wallet").json()["service_status"]["ai.pet"] == "active"
    assert me.put(f"{path}/caps/ai.pet", json={"monthly": "110.00"}).json()["caps"]["ai.pet"]["capped"] is True
    assert me.post(f"{path}/packages", json={"sku": "ai.pet.100k"}).status_code == 201
    assert me.get(f"{path}/wallet").json()["service_status"]["ai.pet"] == "active"  # the package covers it
    assert me.put(f"{path}/caps/ai.pet", json={"monthly": None}).json()["caps"]["ai.pet"]["monthly"] is None
    for service, body in (("ai.pets", {"monthly": "1"}), ("ai.pet", {"monthly": "-1"}), ("ai.pet", {"monthly": 1.5}),
                          ("ai.pet", {"monthly": "0"}), ("ai.pet", {})):
        r = me.put(f"{path}/caps/{service}", json=body)
        assert r.status_code == 422 and r.json()["error"]["code"] == "invalid_request", (service, body, r.text)
    assert me.put(f"{path}/budget", json={"monthly": "abc"}).status_code == 422
    other = api.new_account("Other Co")
    assert me.get(f"/v1/accounts/{other['id']}/budget").status_code == 404
    assert me.put(f"/v1/accounts/{other['id']}/caps/ai.pet", json={"monthly": "1"}).status_code == 404
