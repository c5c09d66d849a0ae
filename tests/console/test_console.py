"""The console in a real browser (Debian's chromium driven by Playwright), both roles, both
languages, on SQLite and PostgreSQL."""

from __future__ import annotations

import re

import httpx
import pytest

from .conftest import OPERATOR, shot, submit

pytestmark = pytest.mark.browser  # (the redirect test needs no browser but shares the live server)


def sign_in(page, live, token):
    page.goto(live + "/")
    page.fill("input[name=token]", token)
    submit(page, "button[type=submit]")  # the redirects' last page is parsed before anyone counts what is on it


def switch_language(page):
    """The other language, by the header's link, as a person switches it."""
    submit(page, "[data-nav=lang]")


def sign_out(page):
    submit(page, "[data-nav=signout]")


def create_account(page, name, site, payment="invoice"):
    page.fill("input[name=name]", name)
    page.select_option("select[name=site]", site)
    page.select_option("select[name=payment]", payment)  # the form proposes balance terms
    submit(page, "text=创建账号 >> nth=-1")
    token = page.text_content("[data-token]").strip()
    account_id = re.search(r"\((acc_\w+)\)", page.text_content(".flash")).group(1)
    return account_id, token


def flash(page) -> str:
    return page.text_content(".flash") or ""


def buy(page, sku, understood=False, shot_as=None):
    """Buy from the catalog tab as a customer does: the package's button, then the confirmation."""
    submit(page, f"[data-buy='{sku}']")
    if shot_as:
        shot(page, shot_as)
    if understood:
        page.check("[data-understood]")
    submit(page, "[data-confirm-buy]")


def test_customer_and_operator_journey(page, live, clock):
    # the operator signs in and creates two accounts
    sign_in(page, live, OPERATOR)
    assert page.url.endswith("/console/accounts")
    acme, acme_token = create_account(page, "Acme 厨房", "cn")
    overseas, overseas_token = create_account(page, "Overseas Ltd", "intl")
    shot(page, "operator-accounts-zh")
    sign_out(page)

    # a wrong token is refused with a sentence
    sign_in(page, live, "not-a-token")
    assert "令牌无效" in page.text_content(".error")

    # the customer buys a face package and a traffic package
    sign_in(page, live, acme_token)
    assert page.url.endswith(f"/console/accounts/{acme}")
    submit(page, "[data-tab=catalog]")
    shot(page, "customer-catalog-zh")
    submit(page, "[data-buy='ai.face.100k']")
    summary = page.text_content("#buy-summary")  # the confirmation: name, validity, prices, payment, balance after
    for text in ("人脸检测资源包-10万次 × 1", "2027-06-01 至 2028-05-31", "50.00", "购买后余额"):
        assert text in summary, text
    assert "一次无理由退款" in page.text_content("[data-refund-rule]")
    shot(page, "customer-buy-confirm-zh")
    submit(page, "[data-confirm-buy]")
    assert "购买成功：人脸检测资源包-10万次 × 1，有效期 2027-06-01 至 2028-05-31" in flash(page)
    submit(page, "[data-tab=catalog]")
    submit(page, "[data-buy='traffic.up.100gb']")  # on daily-peak billing: warned before the button
    assert "冻结" in page.text_content("[data-frozen-warning]")
    shot(page, "customer-buy-frozen-zh")
    refused = page.request.post(f"{live}/console/accounts/{acme}/buy", form={  # the box not ticked: nothing bought
        "csrf": page.input_value("input[name=csrf]"), "sku": "traffic.up.100gb", "count": "1", "idem": "x1"})
    assert "勾选确认" in refused.text()
    page.check("[data-understood]")
    submit(page, "[data-confirm-buy]")
    assert "购买成功" in flash(page)
    face = page.get_attribute("tr[data-package]:nth-child(2)", "data-package")
    traffic = page.get_attribute("tr[data-package]:nth-child(3)", "data-package")
    assert page.get_attribute(f"tr[data-package='{traffic}']", "data-status") == "frozen"  # peak-bandwidth billing
    assert "流量包暂不抵扣" in page.text_content(".frozen-why")

    # switch to traffic-volume billing: pending, effective tomorrow
    submit(page, "[data-switch=traffic]")
    assert "2027-06-02" in page.text_content("[data-pending]")

    # the metering reports usage through the API; the next morning the operator settles
    events = [{"event_id": "u1", "service": "ai.face", "quantity": 4000, "region": "ap-beijing", "timestamp": "2027-06-01T09:30:00+08:00"},
              {"event_id": "u2", "service": "ai.face", "quantity": 500, "region": "ap-hongkong", "timestamp": "2027-06-01T09:30:00+08:00"}]
    r = httpx.post(f"{live}/v1/accounts/{acme}/usage", json={"events": events}, headers={"Authorization": f"Bearer {OPERATOR}"})
    assert r.json() == {"accepted": 2, "duplicates": 0}
    clock.advance(days=1)
    sign_out(page)
    sign_in(page, live, OPERATOR)
    page.fill("input[name=through]", "2027-06-01")
    submit(page, "text=执行结算")
    assert "已结算 1 个账号日" in flash(page)
    submit(page, f"a[href='/console/accounts/{acme}']")
    shot(page, "operator-account-zh")
    sign_out(page)

    # the customer sees the package drawn, the traffic package thawed, and the bill line naming the package
    sign_in(page, live, acme_token)
    assert "96,000 次 / 100,000 次" in page.text_content(f"tr[data-package='{face}']")
    assert page.get_attribute(f"tr[data-package='{traffic}']", "data-status") == "active"
    shot(page, "customer-packages-zh")
    submit(page, "[data-tab=bills]")
    page.fill("input[name=from]", "2027-06-01")
    page.fill("input[name=to]", "2027-06-02")
    with page.expect_navigation():  # count the lines of the page asked for, not of the one before it
        page.click("text=查看")
    line = page.locator("tr[data-service='ai.face']")
    assert line.locator(f"[data-drawn='{face}']").count() == 1
    assert "0.25" in line.text_content()  # 500 Hong Kong calls x 0.0005
    assert page.locator("figure.chart svg").count() == 1
    shot(page, "customer-bills-zh")

    # back to peak-bandwidth billing: the traffic package is frozen from the next day
    submit(page, "[data-tab=overview]")
    submit(page, "[data-switch=daily_peak_bandwidth]")
    assert page.get_attribute(f"tr[data-package='{traffic}']", "data-status") == "active"
    clock.advance(days=1)
    page.reload()
    assert page.get_attribute(f"tr[data-package='{traffic}']", "data-status") == "frozen"
    assert page.locator("[data-kind=frozen]").count() == 1

    # refund within the rules (an undrawn package, bought today), then refused outside them
    submit(page, "[data-tab=catalog]")
    buy(page, "ai.pet.100k")
    pet = page.get_attribute("tr[data-package]:last-child", "data-package")
    assert page.locator(f"[data-refund='{face}']").count() == 0  # drawn on: no refund offered
    submit(page, f"[data-refund='{pet}']")
    assert "已退款 250.00 元" in flash(page)
    assert page.get_attribute(f"tr[data-package='{pet}']", "data-status") == "refunded"
    assert page.locator("[data-refund]").count() == 0  # the one refund is used
    page.request.post(f"{live}/console/accounts/{acme}/packages/{traffic}/refund", max_redirects=0,
                      form={"csrf": page.input_value("input[name=csrf] >> nth=0")})
    page.goto(f"{live}/console/accounts/{acme}")
    assert "仅有一次无理由退款机会" in flash(page)

    # English
    switch_language(page)
    assert "Packages" in page.text_content("#packages h2")
    assert page.get_attribute(f"tr[data-package='{pet}']", "data-status") == "refunded"
    assert "refunded" in page.text_content(f"tr[data-package='{pet}'] .badge")
    shot(page, "customer-packages-en")
    page.goto(f"{live}/console/accounts/{acme}/buy?sku=ai.face.100k&count=2")
    summary = page.text_content("#buy-summary")
    assert "Face detection, 100,000 calls × 2" in summary and "Balance after" in summary and "100.00" in summary
    assert "no-reason refund" in page.text_content("[data-refund-rule]")
    shot(page, "customer-buy-confirm-en")
    page.goto(f"{live}/console/accounts/{acme}/buy?sku=traffic.up.100gb&count=1")
    assert "stays frozen" in page.text_content("[data-frozen-warning]")
    shot(page, "customer-buy-frozen-en")
    page.goto(f"{live}/console/accounts/{acme}")
    switch_language(page)
    sign_out(page)

    # the international account is refused at purchase, and nothing is bought
    sign_in(page, live, overseas_token)
    submit(page, "[data-tab=catalog]")
    assert page.locator("[data-buy]").count() == 0  # no buy buttons on the international site
    page.goto(f"{live}/console/accounts/{overseas}/buy?sku=ai.face.100k&count=1")  # nor a confirmation by hand
    assert "仅支持中国站账号购买" in flash(page)
    submit(page, "[data-tab=overview]")
    assert page.locator("tr[data-package]").count() == 0
    shot(page, "intl-refused-zh")

    # a customer cannot open another account's pages
    page.goto(f"{live}/console/accounts/{acme}")
    assert "找不到该账号" in page.text_content(".error")
    page.goto(f"{live}/console/accounts")
    assert "您无权执行此操作" in page.text_content(".error")


def test_english_operator_errors(page, live):
    page.goto(live + "/")
    switch_language(page)
    page.fill("input[name=token]", "wrong")
    submit(page, "button[type=submit]")
    assert "This token is not valid" in page.text_content(".error")
    page.fill("input[name=token]", OPERATOR)
    submit(page, "button[type=submit]")
    page.fill("input[name=through]", "2027-06-01")
    submit(page, "text=Settle >> nth=-1")
    assert "has not ended" in page.text_content(".flash")
    shot(page, "operator-accounts-en")


def test_demo_report_opens_in_the_browser_with_its_charts(page, tmp_path):
    from typer.testing import CliRunner

    from packbill.entry import app  # the packbill command: the CLI and the demo

    report = tmp_path / "report.html"
    result = CliRunner().invoke(app, ["demo", "--db", f"sqlite:///{tmp_path / 'demo.db'}", "--report", str(report)])
    assert result.exit_code == 0, result.output
    requests = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(report.as_uri())
    assert page.locator("svg").count() == 7  # five usage charts, the cash balance (R15) and the advice (R27)
    assert page.locator("svg rect").count() > 100
    assert all(url.startswith("file://") for url in requests)  # self-contained: nothing fetched
    shot(page, "demo-report")


@pytest.mark.parametrize("target", ["//evil.example/x", "/\\evil.example/x", "https://evil.example/"])
def test_language_switch_never_redirects_off_site(live, target):
    r = httpx.get(f"{live}/console/lang/en", params={"next": target}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/"


def test_no_page_asks_the_server_for_something_it_does_not_have(page, live):
    """Every browser asks for a page's icon: without one, each page of the console logged a
    failed request (a 404 for /favicon.ico) in the browser's console."""
    failed = []
    page.on("console", lambda m: failed.append(m.text) if m.type == "error" else None)
    # a request the next navigation cancels (the icon of a page left at once) is not one the server failed
    page.on("requestfailed", lambda r: failed.append(r.url) if "ERR_ABORTED" not in (r.failure or "") else None)
    sign_in(page, live, OPERATOR)
    for path in ("/console/accounts", "/console/revenue", "/console/close", "/console/operations"):
        page.goto(live + path)
        page.wait_for_load_state("networkidle")
    icon = page.evaluate("fetch(document.querySelector('link[rel=icon]').href).then(r => [r.status, r.headers.get('content-type')])")
    assert icon[0] == 200 and icon[1].startswith("image/svg+xml")
    assert failed == []


def test_the_header_keeps_each_link_whole_and_a_phone_never_scrolls_sideways(page, live):
    """English names are longer: the header broke "Month close" and "中文" over two lines at 1,280
    pixels, and on a phone the header and the accounts table pushed the page wider than the screen."""
    sign_in(page, live, OPERATOR)
    page.goto(live + "/console/lang/en")
    for width in (1280, 1024, 800):
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(live + "/console/accounts")
        broken = page.evaluate("""(() => {
            const links = [...document.querySelectorAll('header nav a')];
            const line = Math.min(...links.map(a => a.getBoundingClientRect().height));  // a link on one line
            return links.filter(a => a.getBoundingClientRect().height > 1.5 * line).map(a => a.textContent.trim());
        })()""")
        assert broken == [], (width, broken)
    page.set_viewport_size({"width": 390, "height": 800})
    for path in ("/console/accounts", "/console/revenue", "/console/close", "/console/operations"):
        page.goto(live + path)
        wide = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert wide <= 0, (path, wide)
