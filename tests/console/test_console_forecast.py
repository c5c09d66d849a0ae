"""R29 in the console, in a real browser, in Chinese and English: the package list says when each
active package runs out, or what it will forfeit, at the last 30 days' rate."""

from __future__ import annotations

from datetime import timedelta

import pytest

from packbill import services
from packbill.domain.catalog import load_catalog
from packbill.services import Context
from packbill.storage.db import Database

from .conftest import shot
from .test_console import sign_in, switch_language

pytestmark = pytest.mark.browser


def forecast_of(page, name: str):
    """The forecast under a package's row (the row of its own just below it)."""
    pid = page.locator("tr[data-package]", has_text=name).get_attribute("data-package")
    return page.locator(f"tr[data-forecast-of='{pid}'] [data-forecast]")


def test_R29_the_package_list_says_when_a_package_runs_out_or_what_it_forfeits(page, live, db_url, clock):
    """A 1m pet package bought 31 days ago and 20,000 pet calls a day since: 400,000 left, used up
    on 2027-06-21; a 10m face package bought today at 1,000 face calls a day: 9,635,000 left at its
    last day, 3,854.00 of its value; a tags package without tag usage: nothing said."""
    ctx = Context(Database(db_url), load_catalog(), clock)
    account, token = services.create_account(ctx, "预测客户 Forecast", "cn")
    services.buy(ctx, account.id, "ai.pet.1m", at=clock.now - timedelta(days=31))
    services.buy(ctx, account.id, "ai.face.10m")
    services.buy(ctx, account.id, "ai.tags.100k")
    services.ingest(ctx, account.id, [{"event_id": f"{s}{i}", "service": s, "quantity": q, "region": "ap-beijing",
                                       "timestamp": (clock.now - timedelta(days=i, hours=3)).isoformat()}
                                      for s, q in (("ai.pet", 20_000), ("ai.face", 1_000)) for i in range(1, 31)])
    ctx.close()
    sign_in(page, live, token)
    pet = forecast_of(page, "宠物识别资源包-100万次")
    assert pet.text_content() == "按近 30 天用量，预计 2027-06-21 用完"
    face = forecast_of(page, "人脸检测资源包-1000万次")
    assert face.text_content() == "按近 30 天用量，预计到期作废约 964 万次，价值 3,854.00 元"
    assert "warn" in (face.get_attribute("class") or "")
    assert forecast_of(page, "图像标签资源包-10万次").count() == 0
    shot(page, "package-forecast-zh")
    switch_language(page)
    assert forecast_of(page, "Pet recognition, 1,000,000 calls").text_content() == "At the last 30 days' rate, runs out on 2027-06-21"
    assert forecast_of(page, "Face detection, 10,000,000 calls").text_content() == (
        "At the last 30 days' rate, about 9.64 million calls will lapse at expiry, worth 3,854.00 CNY")
    shot(page, "package-forecast-en")
    switch_language(page)


def test_R29_the_customer_sets_a_package_alert_per_service(page, live, db_url, clock):
    """R29 in the console: the overview lists each service with active packages, what they have
    left now and the alert threshold (20 % by default); the customer changes it, switches it off,
    and a careless value is refused with a sentence."""
    ctx = Context(Database(db_url), load_catalog(), clock)
    account, token = services.create_account(ctx, "预警客户 Alerts", "cn")
    services.buy(ctx, account.id, "ai.pet.1m")
    services.ingest(ctx, account.id, [{"event_id": f"p{i}", "service": "ai.pet", "quantity": 85_000, "region": "ap-beijing",
                                       "timestamp": (clock.now - timedelta(minutes=i + 1)).isoformat()} for i in range(10)])
    ctx.close()
    sign_in(page, live, token)
    row = page.locator("#package-alerts tr[data-alert='ai.pet']")
    assert "宠物识别" in row.text_content() and "15.0%" in row.text_content() and "默认" in row.text_content()
    assert row.locator("input[name=threshold]").input_value() == "20"
    assert "宠物识别资源包合计余量已低于 20%" in page.text_content("#reminders")  # the reminder, now
    shot(page, "package-alerts-zh")
    row.locator("input[name=threshold]").fill("10")
    row.locator("[data-set-alert='ai.pet']").click()
    page.wait_for_load_state("load")
    row = page.locator("#package-alerts tr[data-alert='ai.pet']")
    assert row.locator("input[name=threshold]").input_value() == "10" and "默认" not in row.text_content()
    row.locator("input[name=threshold]").fill("abc")
    row.locator("[data-set-alert='ai.pet']").click()
    page.wait_for_load_state("load")
    assert page.text_content(".flash") == "预警比例须为 1 到 99 的整数（百分比）；留空则关闭。"
    switch_language(page)
    row = page.locator("#package-alerts tr[data-alert='ai.pet']")
    row.locator("input[name=threshold]").fill("150")
    row.locator("[data-set-alert='ai.pet']").click()
    page.wait_for_load_state("load")
    assert page.text_content(".flash") == "That input is not valid: A package alert is a whole percent from 1 to 99; leave it empty to switch it off."
    row = page.locator("#package-alerts tr[data-alert='ai.pet']")
    assert "Pet recognition" in row.text_content() and "Package alerts" in page.text_content("#package-alerts h2")
    row.locator("input[name=threshold]").fill("")
    row.locator("[data-set-alert='ai.pet']").click()
    page.wait_for_load_state("load")
    assert "off" in page.locator("#package-alerts tr[data-alert='ai.pet']").text_content()
    shot(page, "package-alerts-en")
    switch_language(page)
