"""R28 and R30 in the console, in a real browser, in Chinese and English: the controls page shows
each control's state now (the rule and what it rebought this month, the budget with what was
spent and is expected, each service's cap and whether it is capped) and the customer sets them."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from packbill import services
from packbill.domain.catalog import load_catalog
from packbill.domain.days import shanghai_day
from packbill.services import Context, auto_rebuy, budget
from packbill.storage.db import Database

from .conftest import OPERATOR, shot, submit
from .test_console import sign_in, sign_out, switch_language

pytestmark = pytest.mark.browser


def open_controls(page) -> None:
    page.click("[data-tab=controls]")
    page.wait_for_load_state("load")



def test_R28_R30_the_controls_page_shows_and_sets_auto_rebuy_the_budget_and_caps(page, live, db_url, clock):
    """A 100k pet package used up yesterday (120,000 calls) was bought again by the settlement
    (250.00 this month); a 500.00 budget: 250.00 rebought + 50.00 pet pay-as-you-go + 100.00 of
    today's 200,000 face calls = 400.00 spent, 80 %; a 100.00 face cap reached: face is capped."""
    ctx = Context(Database(db_url), load_catalog(), clock)
    clock.now = clock.now + timedelta(days=1)  # 2 June: 1 June is settled
    account, token = services.create_account(ctx, "控制客户 Controls", "cn", payment="balance")
    services.topup(ctx, account.id, Decimal("1000.00"), "t1", at=clock.now - timedelta(days=20))
    services.buy(ctx, account.id, "ai.pet.100k", at=clock.now - timedelta(days=20))
    auto_rebuy.set_rule(ctx, account.id, "ai.pet", "ai.pet.100k", "exhausted", None, Decimal("600.00"))
    services.ingest(ctx, account.id, [{"event_id": f"p{i}", "service": "ai.pet", "quantity": 12_000, "region": "ap-beijing",
                                       "timestamp": (clock.now - timedelta(days=1, minutes=i)).isoformat()} for i in range(10)])
    services.settle(ctx, shanghai_day(clock.now) - timedelta(days=1))
    budget.set_budget(ctx, account.id, Decimal("500.00"))
    budget.set_cap(ctx, account.id, "ai.face", Decimal("100.00"))
    services.ingest(ctx, account.id, [{"event_id": "f1", "service": "ai.face", "quantity": 200_000, "region": "ap-beijing",
                                       "timestamp": (clock.now - timedelta(minutes=5)).isoformat()}])
    ctx.close()
    sign_in(page, live, token)
    assert "人脸检测" in page.text_content("#wallet [data-capped-services]")  # the overview says it too
    open_controls(page)
    rule = page.locator("#auto-rebuy tr[data-rule='ai.pet']")
    assert "宠物识别资源包-10万次" in rule.text_content() and "用完时" in rule.text_content()
    assert "600.00" in rule.text_content() and "250.00" in rule.text_content()
    assert page.text_content("#budget [data-budget]") == "500.00"
    assert page.text_content("#budget [data-spent]") == "400.00"
    assert page.locator("#budget [data-spent-percent]").get_attribute("data-spent-percent") == "80.0"
    face = page.locator("#caps tr[data-cap='ai.face']")
    assert "人脸检测" in face.text_content() and "100.00" in face.text_content() and face.locator("[data-capped]").text_content() == "已达上限"
    assert page.locator("#caps tr[data-cap='ai.pet'] [data-capped]").count() == 0
    shot(page, "controls-zh")
    # careless input: a cap that is not an amount; a rule without a cap
    face.locator("input[name=monthly]").fill("一百")
    submit(page, "[data-set-cap='ai.face']")
    assert page.text_content(".flash") == "金额须为人民币，最多两位小数。"
    page.select_option("#rebuy-form select[name=sku]", "ai.face.1m")
    submit(page, "#rebuy-form button[type=submit]")
    assert page.text_content(".flash") == "请填写每月续购上限（元）。"
    # raising the cap lifts it; a second rule, 7 days before expiry
    page.locator("#caps tr[data-cap='ai.face'] input[name=monthly]").fill("1,000")
    submit(page, "[data-set-cap='ai.face']")
    assert page.locator("#caps tr[data-cap='ai.face'] [data-capped]").count() == 0
    page.select_option("#rebuy-form select[name=sku]", "ai.face.1m")
    page.check("#rebuy-form input[value=expiring]")
    page.fill("#rebuy-form input[name=monthly_cap]", "1000")
    submit(page, "#rebuy-form button[type=submit]")
    assert "到期前 7 天" in page.text_content("#auto-rebuy tr[data-rule='ai.face']")
    switch_language(page)
    rule = page.locator("#auto-rebuy tr[data-rule='ai.pet']")
    assert "Pet recognition, 100,000 calls" in rule.text_content() and "when used up" in rule.text_content()
    assert "7 days before expiry" in page.text_content("#auto-rebuy tr[data-rule='ai.face']")
    assert "Budget of 2027-06" in page.text_content("#budget h2")
    shot(page, "controls-en")
    submit(page, "[data-rule-off='ai.face']")
    assert page.locator("#auto-rebuy tr[data-rule='ai.face']").count() == 0
    switch_language(page)
    sign_out(page)
    # the operator sees the same page on the account
    sign_in(page, live, OPERATOR)
    page.goto(f"{live}/console/accounts/{account.id}/controls")
    assert page.text_content("#budget [data-budget]") == "500.00"
    assert page.locator("#auto-rebuy tr[data-rule='ai.pet']").count() == 1
