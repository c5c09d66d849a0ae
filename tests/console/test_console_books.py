"""Statements and revenue in the console, in a real browser, in Chinese and English, on both
databases: the customer picks a month, reads the statement and downloads it as PDF and CSV; the
operator looks at revenue as a chart; nobody sees another account's statement."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from packbill import services
from packbill.domain.catalog import load_catalog
from packbill.services import Context
from packbill.storage.db import Database

from .conftest import OPERATOR, shot
from .test_console import sign_in, sign_out, switch_language

pytestmark = pytest.mark.browser


@pytest.fixture
def books(live, db_url, clock):
    """A customer with a May: 10.00 topped up, 3,000 face calls on 20 May, May settled (final)."""
    ctx = Context(Database(db_url), load_catalog(), clock)
    account, token = services.create_account(ctx, "账单客户 Statement Co", "cn")
    services.topup(ctx, account.id, Decimal("10"), "r1", at=clock.now - timedelta(days=30))
    services.ingest(ctx, account.id, [{"event_id": "u1", "service": "ai.face", "quantity": 3000, "region": "ap-beijing",
                                       "timestamp": (clock.now - timedelta(days=12)).isoformat()}])
    services.settle(ctx, date(2027, 5, 31))
    other, other_token = services.create_account(ctx, "Other", "cn")
    yield account.id, token, other_token
    ctx.close()


def test_a_customer_reads_and_downloads_a_statement(page, live, books):
    account_id, token, other_token = books
    sign_in(page, live, token)
    page.click("[data-tab=statements]")
    # nothing has happened in June yet: the page opens on May, the latest month with something in it (issue 21)
    assert page.get_attribute("[data-statement]", "data-statement") == "final" and "2027-05" in page.text_content("[data-statement]")
    page.select_option("select[name=month]", "2027-06")
    page.click("#statement-month button")
    assert page.get_attribute("[data-statement]", "data-statement") == "provisional"  # June, this month, when asked for
    page.select_option("select[name=month]", "2027-05")
    page.click("#statement-month button")
    card = page.locator("[data-statement]")
    assert card.get_attribute("data-statement") == "final"
    text = card.text_content()
    assert "月度账单" in text and "已出账" in text and "ST-202705-" in text and "人脸检测" in text
    assert page.text_content("[data-invoiceable]").strip() == "1.50"  # 3,000 x 0.0005 of cash spent
    assert page.locator("[data-statement] svg").count() == 1  # the daily chart
    shot(page, "statement-zh")
    with page.expect_download() as pdf:
        page.click("[data-download=pdf-zh]")
    data = open(pdf.value.path(), "rb").read()
    assert data.startswith(b"%PDF") and len(data) > 10_000
    with page.expect_download() as csv_file:
        page.click("[data-download=csv]")
    assert '人脸检测,"3,000 次",1.50,1.50,0.00,1.50' in open(csv_file.value.path(), encoding="utf-8-sig").read()
    switch_language(page)
    text = page.locator("[data-statement]").text_content()
    assert "Monthly statement" in text and "Final" in text and "Face detection" in text
    shot(page, "statement-en")
    # careless input: a month that does not exist, another account's statement
    page.goto(f"{live}/console/accounts/{account_id}/statements?month=2027-13")
    assert page.locator("[role=alert]").count() == 1 and page.locator("[data-statement]").count() == 0
    sign_out(page)
    sign_in(page, live, other_token)
    r = page.goto(f"{live}/console/accounts/{account_id}/statements?month=2027-05")
    assert r.status == 404 and "ST-202705" not in page.content()
    r = page.goto(f"{live}/console/accounts/{account_id}/statements/2027-05.pdf")
    assert r.status == 404


def test_the_operator_sees_revenue_as_a_chart(page, live, books):
    sign_in(page, live, OPERATOR)
    page.click("[data-nav=revenue]")
    assert page.text_content("[data-sum=payg]").strip() == "1.50"
    assert page.locator("figure.chart svg").count() == 2  # revenue per day, deferred balance
    assert "每日确认收入" in page.content()
    shot(page, "revenue-zh")
    switch_language(page)
    assert "Revenue per day" in page.content()
    shot(page, "revenue-en")
    page.goto(f"{live}/console/revenue?from=nonsense")
    assert page.locator("figure.chart svg").count() == 2  # falls back to the last 30 days
    assert "YYYY-MM-DD" in page.text_content(".flash")
    page.goto(f"{live}/console/revenue?from=2027-06-01&to=2027-05-01")
    assert "'From' must not be after 'to'" in page.text_content(".flash")
    page.goto(f"{live}/console/accounts/{books[0]}/bills?from=2027-06-01&to=2027-05-01")
    assert "'From' must not be after 'to'" in page.text_content(".flash")
    page.click("[data-nav=lang]")  # every message on a Chinese page is Chinese
    page.wait_for_load_state("load")
    assert "开始日期不能晚于结束日期" in page.text_content(".flash")
    sign_out(page)


def test_the_operator_closes_a_month_in_both_languages(page, live, books):
    """SPEC section 8: the month's statements against its revenue, per service; May balances."""
    sign_in(page, live, OPERATOR)
    page.click("[data-nav=close]")  # last month by default: May 2027
    assert "2027 年 5 月结对账" in page.text_content("h1")
    assert page.get_attribute("[data-balanced]", "data-balanced") == "yes" and "已平" in page.text_content("[data-balanced]")
    row = page.locator("#close tr", has_text="人脸检测").text_content()
    assert row.count("1.50") == 2 and "0.00" in row
    shot(page, "close-zh")
    switch_language(page)
    assert "Close of May 2027" in page.text_content("h1") and "Balanced" in page.text_content("[data-balanced]")
    assert "Face detection" in page.locator("#close").text_content()
    shot(page, "close-en")
    page.goto(f"{live}/console/close?month=2027-13")
    assert page.locator("#close").count() == 0 and page.locator(".flash, [role=alert]").count() >= 1
    # the revenue page downloads the same figures as a spreadsheet
    page.goto(f"{live}/console/revenue?from=2027-05-20&to=2027-05-20")
    with page.expect_download() as got:
        page.click("[data-download=csv]")
    text = open(got.value.path(), encoding="utf-8-sig").read()
    assert "2027-05-20,Face detection,0.00,0.00,1.50,0.00" in text
    # a period without revenue says where the latest is; the chart's axis is in CNY (the page is in English now)
    page.goto(f"{live}/console/revenue?from=2027-05-25&to=2027-05-31")
    assert "The latest revenue counts on 2027-05-20." in page.text_content("[data-no-revenue]")
    switch_language(page)
    assert "最近的收入记在 2027-05-20" in page.text_content("[data-no-revenue]") and "CNY" not in page.text_content("main")
    shot(page, "revenue-elsewhere-zh")
    sign_out(page)
    sign_in(page, live, books[1])  # a customer may not
    r = page.goto(f"{live}/console/close")
    assert r.status == 403


def test_a_customer_downloads_the_bill_detail_from_the_bills_page(page, live, books):
    account_id, token, _ = books
    sign_in(page, live, token)
    page.goto(f"{live}/console/accounts/{account_id}/bills?from=2027-05-01&to=2027-05-31")
    with page.expect_download() as got:
        page.click("[data-download=csv]")
    text = open(got.value.path(), encoding="utf-8-sig").read()
    assert text.splitlines()[0].startswith("日期,服务,地域,用量,单位") and "2027-05-20,人脸检测,中国大陆,3000,次,按量计费,,1.50,1.50,0.00,1.50," in text
    shot(page, "bills-download-zh")
    switch_language(page)
    with page.expect_download() as got:
        page.click("[data-download=csv]")
    assert "2027-05-20,Face detection,Mainland China,3000,calls,Pay-as-you-go" in open(got.value.path(), encoding="utf-8-sig").read()
    shot(page, "bills-download-en")
    r = page.goto(f"{live}/console/accounts/{account_id}/bills.csv?from=bad&to=2027-05-31")
    assert r.status == 422


def test_the_bills_page_opens_on_the_latest_month_with_bills(page, live, books):
    """Issue 21: in June with May's bills only, the page opened on an empty June. It opens on May
    now, and a range without bills says where the latest ones are."""
    account_id, token, _ = books
    sign_in(page, live, token)
    page.goto(f"{live}/console/accounts/{account_id}/bills")
    assert page.input_value("input[name=from]") == "2027-05-01" and page.input_value("input[name=to]") == "2027-05-31"
    assert page.locator("tr[data-service='ai.face']").count() >= 1
    # each line: where, the list and contracted amounts, and what vouchers and cash paid (as the CSV says)
    head = page.text_content("#bill tr >> nth=0")
    assert all(word in head for word in ("地域", "刊例价金额", "折后金额", "代金券抵扣", "余额支付"))
    row = page.text_content("tr[data-service='ai.face'] >> nth=-1")
    assert "中国大陆" in row and "1.50" in row and "ai.face" not in row
    shot(page, "bills-latest-zh")
    page.goto(f"{live}/console/accounts/{account_id}/bills?from=2027-06-01&to=2027-06-30")
    assert "最近的账单在 2027-05" in page.text_content("[data-no-lines]")
    switch_language(page)
    assert "The latest bills are in 2027-05" in page.text_content("[data-no-lines]")
    shot(page, "bills-elsewhere-en")
