"""R33 in the console, in a real browser, in Chinese and English: the customer adds a title (a
mistyped code refused with a sentence) and requests an invoice; the operator issues it from its
list of requests; a refund raises a red-letter request the customer sees; the vouchers page lists
each voucher with its figures."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from packbill import services
from packbill.domain.catalog import load_catalog
from packbill.services import Context
from packbill.storage.db import Database

from .conftest import OPERATOR, shot, submit
from .test_console import sign_in, sign_out, switch_language

pytestmark = pytest.mark.browser



def test_R33_the_customer_requests_an_invoice_the_operator_issues_it_and_a_refund_reverses_it(page, live, db_url, clock):
    ctx = Context(Database(db_url), load_catalog(), clock)
    account, token = services.create_account(ctx, "发票客户 Invoices", "cn", payment="balance")
    services.topup(ctx, account.id, Decimal("5000.00"), "t1")
    services.grant_voucher(ctx, account.id, Decimal("30.00"), date(2027, 12, 31), ["ai.face"])
    services.buy(ctx, account.id, "ai.pet.1m")
    (second,) = services.buy(ctx, account.id, "ai.pet.1m").packages
    ctx.close()
    sign_in(page, live, token)
    submit(page, "[data-tab=invoices]")
    page.wait_for_load_state("load")
    assert page.text_content("[data-invoiceable]") == "4,400.00"
    assert page.locator("[data-no-title]").count() == 1
    page.fill("#title-form input[name=name]", "金龙餐饮有限公司")
    page.fill("#title-form input[name=tax_id]", "91350100M000100Y44")
    submit(page, "#title-form button[type=submit]")
    assert page.text_content(".flash") == "统一社会信用代码校验位不正确，请检查是否有字符输错。"
    page.fill("#title-form input[name=name]", "金龙餐饮有限公司")
    page.fill("#title-form input[name=tax_id]", "91350100m000100y43")
    submit(page, "#title-form button[type=submit]")
    assert "91350100M000100Y43" in page.text_content("#titles")
    page.fill("#request-form input[name=amount]", "4,400")
    submit(page, "#request-form button[type=submit]")
    row = page.locator("#requests tr[data-kind=blue]")
    assert "4,400.00" in row.text_content() and "4,150.94" in row.text_content() and "249.06" in row.text_content()
    assert "待开具" in row.text_content() and page.locator("[data-issue]").count() == 0  # the customer does not issue
    shot(page, "invoices-zh")
    sign_out(page)
    sign_in(page, live, OPERATOR)
    submit(page, "[data-nav=invoice-requests]")
    page.wait_for_load_state("load")
    pending = page.locator("#all-requests tr[data-request]")
    assert pending.count() == 1 and "金龙餐饮有限公司" in pending.text_content() and "发票客户 Invoices" in pending.text_content()
    shot(page, "invoice-requests-operator-zh")
    page.locator("#all-requests input[name=number]").fill("12345")
    submit(page, "#all-requests [data-issue]")
    assert page.text_content(".flash") == "发票号码应为 20 位数字（数电发票号码）。"
    page.locator("#all-requests input[name=number]").fill("26112000000000000001")
    submit(page, "#all-requests [data-issue]")
    assert page.locator("#all-requests tr[data-request]").count() == 0
    sign_out(page)
    ctx = Context(Database(db_url), load_catalog(), clock)
    services.refund(ctx, account.id, second.id)  # 2,200.00 back: 2,200.00 too much invoiced
    ctx.close()
    sign_in(page, live, token)
    page.goto(f"{live}/console/accounts/{account.id}/invoices")
    red = page.locator("#requests tr[data-kind=red]")
    assert "-2,200.00" in red.text_content() and "26112000000000000001" in red.text_content() and "红字发票" in red.text_content()
    assert page.text_content("[data-invoiceable]") == "0.00"
    switch_language(page)
    assert "red-letter" in page.locator("#requests tr[data-kind=red]").text_content()
    assert "normal VAT invoice" in page.text_content("#titles")
    shot(page, "invoices-en")
    submit(page, "[data-tab=vouchers]")
    page.wait_for_load_state("load")
    voucher = page.locator("#voucher-list tr[data-voucher]")
    assert "30.00" in voucher.text_content() and "2027-12-31" in voucher.text_content() and "Face detection" in voucher.text_content()
    shot(page, "vouchers-en")
    switch_language(page)
    assert "人脸检测" in page.locator("#voucher-list tr[data-voucher]").text_content()
    shot(page, "vouchers-zh")
