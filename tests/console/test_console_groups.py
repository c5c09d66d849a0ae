"""R32 in the console, in a real browser, in Chinese and English: the operator sets an account's
payer on its overview (careless ids refused with a sentence), the member's page says who pays and
from when, the payer's page lists its members (for the operator and for the payer's own token),
and the payer's statement has the section per member with its total."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from packbill import services
from packbill.domain.catalog import load_catalog
from packbill.services import Context
from packbill.storage.db import Database

from .conftest import OPERATOR, shot, submit
from .test_console import sign_in, sign_out, switch_language

pytestmark = pytest.mark.browser


def test_R32_the_operator_sets_a_payer_and_both_accounts_show_the_group(page, live, db_url, clock):
    ctx = Context(Database(db_url), load_catalog(), clock)
    hq, hq_token = services.create_account(ctx, "集团总部", "cn", payment="balance")
    shop, shop_token = services.create_account(ctx, "金龙餐饮二店", "cn", payment="balance")
    services.topup(ctx, hq.id, Decimal("1000.00"), "hq-1", at=clock.now - timedelta(days=3))
    ctx.close()
    sign_in(page, live, OPERATOR)
    page.goto(f"{live}/console/accounts/{shop.id}")
    assert "本账户自行付款" in page.text_content("#group")
    for typo, words in (("acc_nope", "没有账户 acc_nope"), (shop.id, "不能作为自己的付款账户")):
        page.fill("#payer-form input[name=payer]", typo)
        submit(page, "#payer-form button[type=submit]")
        assert words in page.text_content(".flash"), page.text_content(".flash")
        assert "Traceback" not in page.content()
    page.fill("#payer-form input[name=payer]", f" {hq.id} ")
    submit(page, "#payer-form button[type=submit]")
    assert page.text_content(".flash") == f"已设置：自 2027-06-02 起由 集团总部（{hq.id}） 付款。"
    assert page.locator("#group [data-payer-next]").get_attribute("data-payer-next") == hq.id
    assert "自 2027-06-02 起由付款账户 集团总部" in page.text_content("#group")
    clock.now = clock.now + timedelta(days=1)  # 2 June: the payer pays from today
    ctx = Context(Database(db_url), load_catalog(), clock)
    services.buy(ctx, shop.id, "ai.face.100k")
    ctx.close()
    page.reload()
    assert page.locator("#group [data-payer]").get_attribute("data-payer") == hq.id
    assert "由付款账户 集团总部" in page.text_content("#group") and "自 2027-06-02 起" in page.text_content("#group")
    shot(page, "group-member-zh")
    page.goto(f"{live}/console/accounts/{hq.id}")
    row = page.locator(f"#members tr[data-member='{shop.id}']")
    assert "金龙餐饮二店" in row.text_content() and "2027-06-02" in row.text_content()
    sign_out(page)
    sign_in(page, live, hq_token)  # the payer's own token sees its members
    assert "金龙餐饮二店" in page.text_content("#members") and page.locator("#payer-form").count() == 0
    page.goto(f"{live}/console/accounts/{hq.id}/statements?month=2027-06")
    body = page.text_content("main")
    assert "成员账户（财务托管）" in body and "金龙餐饮二店" in body and "为成员账户支付（现金）" in body
    shot(page, "group-payer-statement-zh")
    switch_language(page)
    body = page.text_content("main")
    assert "Member accounts (group accounts)" in body and "Paid for member accounts (cash)" in body
    shot(page, "group-payer-statement-en")
    page.goto(f"{live}/console/accounts/{hq.id}")
    assert "This account's wallet pays the purchases and pay-as-you-go of these member accounts" in page.text_content("#group")
    shot(page, "group-payer-en")
    sign_out(page)
    sign_in(page, live, shop_token)
    assert "paid from the wallet of the payer account 集团总部" in page.text_content("#group")
    assert page.locator("#payer-form").count() == 0
    page.goto(f"{live}/console/accounts/{shop.id}/buy?sku=ai.pet.100k")  # the member has no money of its own: its payer pays
    assert page.locator("[data-short]").count() == 0
    assert "paid from the wallet of the payer account 集团总部" in page.text_content("[data-paid-by]")
    shot(page, "group-member-buy-en")
