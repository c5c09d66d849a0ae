"""Keys, roles, the audit trail, operations and messages in the console, in a real browser, in
Chinese and English, on both databases (R24, R25, the schedule)."""

from __future__ import annotations

import re
from datetime import date, time, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from packbill import services
from packbill.domain.catalog import load_catalog
from packbill.domain.days import to_us
from packbill.services import Context, metrics, schedule, sweep
from packbill.storage import schema as t
from packbill.storage.db import Database
from tests.conftest import FIXED_NOW

from .conftest import OPERATOR, shot, submit
from .test_console import sign_in, sign_out, switch_language

pytestmark = pytest.mark.browser


@pytest.fixture
def shop(live, db_url, clock):
    ctx = Context(Database(db_url), load_catalog(), clock)
    account, token = services.create_account(ctx, "站内信客户 Messages Co", "cn", payment="balance")
    services.topup(ctx, account.id, Decimal("500"), "first")
    services.buy(ctx, account.id, "ai.face.100k")
    services.ingest(ctx, account.id, [{"event_id": "m1", "service": "ai.face", "quantity": 100_000, "region": "ap-beijing",
                                       "timestamp": (clock.now - timedelta(hours=1)).isoformat()}])
    sweep.sweep(ctx, [account.id])
    yield ctx, account.id, token
    ctx.close()


def new_key(page, name: str, role: str) -> str:
    page.fill("#key-form input[name=name]", name)
    page.select_option("#key-form select[name=role]", role)
    submit(page, "#key-form button[type=submit]")
    return page.text_content("[data-key-token]").strip()


def test_an_admin_makes_keys_and_each_role_sees_what_it_may(page, live, shop):
    ctx, account_id, _ = shop
    sign_in(page, live, OPERATOR)
    submit(page, "[data-nav=keys]")
    assert "密钥" in page.text_content("h1")
    finance = new_key(page, "财务 Alice", "finance")
    assert finance.startswith("pbk_") and "请立即保存" in page.text_content(".flash")
    support = new_key(page, "support-bob", "support")
    metering = new_key(page, "meter", "metering")
    shot(page, "keys-zh")
    sign_out(page)

    # finance: money forms and the audit trail, no keys page, no purchase buttons
    sign_in(page, live, finance)
    assert page.url.endswith("/console/accounts")
    assert page.locator("[data-nav=keys]").count() == 0 and page.locator("[data-nav=audit]").count() == 1
    assert "财务" in page.text_content("[data-who]")
    page.goto(f"{live}/console/accounts/{account_id}")
    page.fill("#topup-form input[name=amount]", "20.00")
    page.fill("#topup-form input[name=reference]", "console-fin-1")
    submit(page, "#topup-form button[type=submit]")
    assert "已充值 20.00 元" in page.text_content(".flash")
    submit(page, "[data-tab=catalog]")
    assert page.locator("[data-buy]").count() == 0
    submit(page, "[data-nav=audit]")
    rows = page.locator("#audit tr[data-record]")
    assert rows.count() >= 4
    first = rows.first.text_content()
    assert "充值" in first and "控制台" in first and "成功" in first and "金额 20.00" in first
    assert not re.search(r"[a-z]+\.[a-z_]+", page.text_content("#audit")), "an action's code on a Chinese page"
    assert "20.00" in first and "{" not in first  # the parameters read as words, not JSON
    page.select_option("#audit-filter select[name=action]", "key.create")
    submit(page, "#audit-filter button[type=submit]")
    assert page.locator("#audit tr[data-record]").count() == 3
    assert all("创建密钥" in t for t in page.locator("#audit tr[data-record]").all_text_contents())
    assert "北京时间" in page.text_content("[data-clock]")
    shot(page, "audit-zh")
    switch_language(page)
    assert "Audit trail" in page.text_content("h1") and "console" in page.text_content("#audit")
    assert "create key" in page.text_content("#audit") and "Beijing time" in page.text_content("[data-clock]")
    shot(page, "audit-en")
    page.goto(f"{live}/console/audit?from=2027-06-09&to=2027-06-01")
    assert page.text_content(".flash") == "'From' must not be after 'to'."
    switch_language(page)
    sign_out(page)

    # support: reads, and nothing else
    sign_in(page, live, support)
    page.goto(f"{live}/console/accounts/{account_id}")
    assert page.locator("#operator-money").count() == 0 and page.locator("#alert-form").count() == 0
    assert page.locator("[data-nav=audit]").count() == 0
    page.goto(f"{live}/console/audit")
    assert "无权" in page.text_content(".error")
    response = page.request.post(f"{live}/console/accounts/{account_id}/topup",
                                 form={"amount": "1.00", "reference": "sneaky", "idem": "x",
                                       "csrf": page.input_value("input[name=csrf] >> nth=0")})
    assert response.status == 403
    sign_out(page)

    # metering: no console at all
    sign_in(page, live, metering)
    assert "不能使用控制台" in page.text_content(".error")
    sign_out(page)

    # the admin revokes the support key: it stops working at once
    sign_in(page, live, OPERATOR)
    submit(page, "[data-nav=keys]")
    key_id = page.locator("tr[data-key]", has_text="support-bob").get_attribute("data-key")
    submit(page, f"[data-revoke='{key_id}']")
    assert "已吊销" in page.text_content(".flash")
    switch_language(page)
    assert "revoked" in page.text_content(f"tr[data-key='{key_id}']")
    shot(page, "keys-en")
    switch_language(page)
    sign_out(page)
    sign_in(page, live, support)
    assert page.locator("input[name=token]").count() == 1  # back at the sign-in page
    records = services.operators.records(ctx, action="topup.create")
    assert [(r.via, r.outcome) for r in records][:2] == [("console", "forbidden"), ("console", "ok")]


def test_a_customer_reads_its_messages_in_both_languages(page, live, shop):
    ctx, account_id, token = shop
    sign_in(page, live, token)
    assert "预估现余 0 次" in page.text_content("[data-now]")  # R26: the unsettled usage used it up, settled or not
    badge = page.text_content("[data-nav=messages] [data-unread]")
    assert int(badge) >= 2
    submit(page, "[data-tab=messages]")
    items = page.locator("li[data-message]")
    kinds = [items.nth(i).get_attribute("data-message") for i in range(items.count())]
    assert "reminder.exhausted" in kinds and "package.bought" in kinds
    text = page.text_content("#messages")
    assert "人脸检测资源包-10万次已用完" in text and "ai.face" not in text and "已购买" in text
    assert "充值 500.00 元已到账" in text and "有效期 2027-06-01 至 2028-05-31，共 366 天" in text
    assert page.locator("li.unread").count() == items.count()
    shot(page, "messages-zh")
    submit(page, "[data-category=money]")  # the money messages only
    assert {items.nth(i).get_attribute("data-message") for i in range(items.count())} == {"wallet.topped_up"}
    submit(page, "[data-category=packages]")
    assert {items.nth(i).get_attribute("data-message") for i in range(items.count())} == {"package.bought", "reminder.exhausted"}
    submit(page, "[data-category=bills]")
    assert items.count() == 0 and "这一类暂无站内信" in page.text_content("[data-no-messages]")
    shot(page, "messages-empty-category-zh")
    submit(page, "[data-category='']")
    submit(page, "[data-mark-read]")
    assert page.locator("li.unread").count() == 0 and page.locator("[data-nav=messages] [data-unread]").count() == 0
    switch_language(page)
    text = page.text_content("#messages")
    assert "used up" in text and "Bought 1 × " in text and "ai.face" not in text and "A top-up of 500.00 CNY arrived" in text
    shot(page, "messages-en")
    submit(page, "[data-category=packages]")
    assert "Packages" in page.text_content("[data-categories] .on")
    shot(page, "messages-packages-en")
    switch_language(page)


def test_the_operations_page_shows_the_last_scheduled_run(page, live, shop, clock):
    ctx, account_id, _ = shop
    clock.advance(days=1)
    done = schedule.run_if_due(ctx, time(8, 0))
    assert done is not None and done.error is None and done.days >= 1
    assert schedule.run_if_due(ctx, time(8, 0)) is None  # once a day
    sign_in(page, live, OPERATOR)
    assert page.text_content("[data-who]").strip() == "启动令牌 · 管理员"  # no "bootstrap" on a Chinese page
    submit(page, "[data-nav=operations]")
    last = page.text_content("[data-last-run]")
    assert re.search(r"2027-06-02.*2027-06-01", last), last
    assert f"结算了 {done.days} 个账号日" in page.text_content("#schedule")
    stream = page.text_content("#stream")
    assert "尚无消费者报告" in stream and "尚无归档月份" in stream
    shot(page, "operations-zh")
    switch_language(page)
    assert "Last scheduled settlement" in page.text_content("[data-last-run]")
    shot(page, "operations-en")
    switch_language(page)


def test_the_operations_page_shows_the_stream_consumers_and_the_archives(page, live, shop):
    ctx, _, _ = shop
    metrics.note_consumer(ctx, "USAGE", "packbill", 1234)
    with ctx.db.write() as conn:
        conn.execute(sa.insert(t.usage_archives).values(month=date(2027, 3, 1), path="/archive/usage-2027-03.parquet", rows=56789,
                                                        sha256="0" * 64, archived_us=to_us(FIXED_NOW)))
    sign_in(page, live, OPERATOR)
    submit(page, "[data-nav=operations]")
    row = page.text_content("[data-consumer=packbill]")
    assert "USAGE" in row and "1,234" in row
    assert "56,789" in page.text_content("[data-archive='2027-03']") and "已归档月份" in page.text_content("#stream")
    shot(page, "operations-stream-zh")
    switch_language(page)
    assert "Left to read" in page.text_content("#stream") and "Archived months" in page.text_content("#stream")
    shot(page, "operations-stream-en")
    switch_language(page)


def test_an_address_with_no_page_answers_in_the_page_language(page, live, shop):
    """A typo in a console address, or a GET of a form's address: a page in the visitor's
    language with a way home, never the API's JSON."""
    ctx, account_id, token = shop
    sign_in(page, live, token)
    response = page.goto(f"{live}/console/accounts/{account_id}/bils")
    assert response.status == 404
    assert "此地址没有页面" in page.text_content(".error") and page.locator("[data-home]").count() == 1
    assert "{" not in page.text_content("body")
    shot(page, "not-found-zh")
    page.goto(f"{live}/console/lang/en?next=/console/nope")
    assert "There is no page at this address" in page.text_content(".error")
    shot(page, "not-found-en")
    response = page.goto(f"{live}/console/signout")
    assert response.status == 405 and "cannot be opened this way" in page.text_content(".error")
    submit(page, "[data-home]")
    assert page.url.endswith(f"/console/accounts/{account_id}")
    page.goto(f"{live}/console/lang/zh?next=/console/accounts/{account_id}")
    # the API keeps its JSON
    assert page.request.get(f"{live}/v1/nope").json()["error"]["code"] == "not_found"


BROKEN_ACROSS_LINES = """() => [...document.querySelectorAll('td.day, .badge, button, #catalog-items td')].filter(e => {
    const tops = new Set(), walk = document.createTreeWalker(e, NodeFilter.SHOW_TEXT);
    for (let n = walk.nextNode(); n; n = walk.nextNode()) {
        if (!n.textContent.trim()) continue;
        const r = document.createRange(); r.selectNodeContents(n);
        for (const box of r.getClientRects()) tops.add(Math.round(box.top));
    }
    return tops.size > 1;
}).map(e => e.textContent.trim())"""


def test_dates_and_badges_stay_on_one_line_on_a_narrow_screen(page, live, shop):
    """Issue 21: no badge or date broken across lines, on a phone-sized screen, in either language."""
    ctx, account_id, token = shop
    sign_in(page, live, token)
    page.set_viewport_size({"width": 480, "height": 900})
    try:
        for lang_round in range(2):
            for path in ("", "/bills?from=2027-06-01&to=2027-06-30", "/catalog"):
                page.goto(f"{live}/console/accounts/{account_id}{path}")
                assert page.locator("td.day, .badge").count() > 0 or path == "/catalog"
                assert page.evaluate(BROKEN_ACROSS_LINES) == [], path
            if lang_round == 0:
                shot(page, "narrow-account-zh")
            switch_language(page)
    finally:
        page.set_viewport_size({"width": 1280, "height": 900})


def test_a_voucher_for_some_services_names_them(page, live, shop):
    ctx, account_id, token = shop
    services.grant_voucher(ctx, account_id, Decimal("30"), date(2027, 12, 31), services=["ai.face", "traffic.up"])
    sign_in(page, live, token)
    row = page.text_content("#vouchers tr[data-voucher]")
    assert "人脸检测、上行流量" in row and "ai." not in row and "traffic." not in row
    switch_language(page)
    assert "Face detection, Upstream traffic" in page.text_content("#vouchers tr[data-voucher]")
    shot(page, "voucher-services-en")
    switch_language(page)
