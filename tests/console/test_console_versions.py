"""R31 in the console, in a real browser, in Chinese and English: the operator sees every price
version with its status and what it changes against the one before, and withdraws a scheduled
one; the customer's catalog names the version in force and announces the next change."""

from __future__ import annotations

from datetime import timedelta

import pytest

from packbill import services
from packbill.domain.catalog import load_catalog
from packbill.domain.catalog_versions import as_json, from_json
from packbill.services import Context
from packbill.services import catalog as catalog_service
from packbill.storage.db import Database

from .conftest import OPERATOR, shot, submit
from .test_console import sign_in, sign_out, switch_language

pytestmark = pytest.mark.browser


def test_R31_the_operator_sees_the_versions_and_the_customer_the_coming_change(page, live, db_url, clock):
    base = load_catalog()
    ctx = Context(Database(db_url), base, clock)
    account, token = services.create_account(ctx, "价格客户 Prices", "cn", payment="balance")
    body = as_json(base)
    next(p for p in body["packages"] if p["sku"] == "ai.pet.100k")["price"] = "200.00"
    next(s for s in body["payg"] if s["service"] == "ai.face")["price"] = "0.0004"
    body["packages"] = [p for p in body["packages"] if p["sku"] != "ai.plate.100k"]
    day = (clock.now + timedelta(days=9)).date()
    catalog_service.publish(ctx, day, from_json(body, base), "test")
    catalog_service.publish(ctx, day + timedelta(days=5), from_json(as_json(base), base), "test")
    ctx.close()

    sign_in(page, live, token)
    page.click("[data-tab=catalog]")
    page.wait_for_load_state("load")
    assert "当前价格版本 v1" in page.text_content("[data-price-version]")
    change = page.text_content("[data-price-change]")
    assert f"自 {day.isoformat()} 起" in change
    assert "宠物识别资源包-10万次：250.00 → 200.00 元" in change and "人脸检测按量价格：0.0005 → 0.0004 元/次" in change
    assert "车牌识别资源包-10万次 停售" in change
    shot(page, "catalog-price-change-zh")
    switch_language(page)
    change = page.text_content("[data-price-change]")
    assert "Pet recognition, 100,000 calls: 250.00 → 200.00 CNY" in change and "no longer sold" in change
    shot(page, "catalog-price-change-en")
    switch_language(page)
    sign_out(page)

    sign_in(page, live, OPERATOR)
    submit(page, "[data-nav=versions]")
    rows = page.locator("#versions tr[data-version]")
    assert [rows.nth(i).get_attribute("data-version") for i in range(rows.count())] == ["v3", "v2", "v1"]
    assert page.get_attribute("tr[data-version=v1]", "data-status") == "in_force"
    assert "待生效" in page.text_content("tr[data-version=v2]")
    v3 = page.text_content("tr[data-version=v3]")  # v3 puts back what v2 changed: shown against v2
    assert "200.00 → 250.00 元" in v3 and "新增 车牌识别资源包-10万次" in v3
    shot(page, "operator-versions-zh")
    page.on("dialog", lambda dialog: dialog.accept())
    submit(page, "[data-withdraw=v3]")
    assert "v3" in page.text_content(".flash") and "已撤回" in page.text_content(".flash")
    assert page.get_attribute("tr[data-version=v3]", "data-status") == "withdrawn"
    assert page.locator("[data-withdraw=v3]").count() == 0
    switch_language(page)
    assert "scheduled" in page.text_content("tr[data-version=v2]") and "withdrawn" in page.text_content("tr[data-version=v3]")
    shot(page, "operator-versions-en")
