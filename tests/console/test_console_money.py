"""The wallet in the console, in a real browser, in Chinese and English, on both databases:
top-ups (a double submit counts once), vouchers, discounts, list and contracted prices,
insufficient funds, arrears with what to do and by when, and the accounts list by state."""

from __future__ import annotations

import pytest

from .conftest import OPERATOR, shot, submit
from .test_console import buy, create_account, flash, sign_in, sign_out, switch_language

pytestmark = pytest.mark.browser


def test_a_prepaid_customer_in_the_console(page, live, clock):
    sign_in(page, live, OPERATOR)
    assert page.input_value("select[name=payment]") == "balance"  # proposed for a new customer
    acc, token = create_account(page, "预付客户 Prepaid", "cn", payment="balance")
    page.goto(f"{live}/console/accounts/{acc}")
    assert page.text_content("[data-balance]").strip() == "0.00"
    # a top-up; the same rendered form sent twice counts once
    page.fill("#topup-form input[name=amount]", "60.00")
    page.fill("#topup-form input[name=reference]", "alipay-2027-0601")
    form = {"amount": "60.00", "reference": "alipay-2027-0601", "idem": page.input_value("#topup-form input[name=idem]"),
            "csrf": page.input_value("#topup-form input[name=csrf]")}
    submit(page, "#topup-form button")
    assert "已充值" in flash(page)
    again = page.request.post(f"{live}/console/accounts/{acc}/topup", form=form)
    assert again.ok
    page.goto(f"{live}/console/accounts/{acc}")
    assert page.text_content("[data-balance]").strip() == "60.00"
    # a voucher and a discount
    page.fill("#voucher-form input[name=amount]", "20.00")
    page.fill("#voucher-form input[name=expires_on]", "2027-12-31")
    submit(page, "#voucher-form button")
    page.fill("#discount-form input[name=rate]", "0.8")
    submit(page, "#discount-form button")
    assert page.locator("#vouchers tr[data-voucher]").count() == 1
    shot(page, "operator-wallet-zh")
    sign_out(page)

    # the customer sees list and contracted prices, buys with the voucher first, is refused for funds
    sign_in(page, live, token)
    page.click("[data-tab=catalog]")
    row = page.locator("tr[data-sku='ai.face.100k']")
    assert "50.00" in row.text_content() and row.locator("[data-yours]").text_content().strip() == "40.00"
    buy(page, "ai.face.100k")
    assert "折扣 10.00 元，代金券抵扣 20.00 元，余额支付 20.00 元；当前余额 40.00 元" in flash(page)
    assert page.text_content("[data-balance]").strip() == "40.00"  # 20.00 from the voucher, 20.00 from cash
    page.click("[data-tab=catalog]")
    page.click("[data-buy='ai.plate.100k']")
    short = page.text_content("[data-short]")  # what is missing and what to do, and no button
    assert "余额不足" in short and "可用 40.00 元" in short and "充值方式" in short
    assert page.locator("[data-confirm-buy]").count() == 0
    shot(page, "customer-buy-short-zh")
    switch_language(page)
    assert "is missing" in page.text_content("[data-short]") and "How to top up" in page.text_content("[data-short]")
    shot(page, "customer-buy-short-en")
    switch_language(page)
    page.click("[data-tab=overview]")
    page.fill("#alert-form input[name=threshold]", "30")
    submit(page, "#alert-form button")
    shot(page, "customer-wallet-zh")
    sign_out(page)

    # an adjustment takes the account into arrears: the customer is told what to do and by when
    sign_in(page, live, OPERATOR)
    page.goto(f"{live}/console/accounts/{acc}")
    page.fill("#adjust-form input[name=amount]", "-100.00")
    page.fill("#adjust-form input[name=reason]", "退回误充 refund of a mistaken top-up")
    submit(page, "#adjust-form button")
    assert page.text_content("[data-balance]").strip() == "-60.00"
    note = page.text_content("[data-arrears]")
    assert "欠费" in note and "2027-06-02 10:00" in note  # 24 hours to top up
    shot(page, "wallet-arrears-zh")
    page.click("[data-nav=lang]")  # to English
    page.wait_for_load_state("load")
    note = page.text_content("[data-arrears]")
    assert "in arrears" in note and "Top up to at least 0.00 CNY before 2027-06-02 10:00" in note
    shot(page, "wallet-arrears-en")
    # the operator's list, filtered by state
    page.goto(f"{live}/console/accounts?state=arrears")
    rows = page.locator("#accounts tr[data-account]")
    assert rows.count() == 1 and rows.first.get_attribute("data-account") == acc
    assert rows.first.locator("[data-balance]").text_content().strip() == "-60.00"
    shot(page, "operator-accounts-arrears-en")
    page.goto(f"{live}/console/accounts?state=nonsense")
    assert page.locator("#accounts tr[data-account]").count() == 0 and "state" in page.text_content(".flash, .error, body")
