"""Issue 21: the statement shows everything R22 lists: the purchases one by one with list,
contracted (the discount), voucher and cash; the refunds; vouchers granted, used and expired;
pay-as-you-go per service with daily-peak bandwidth read as a peak; the issuer and the customer.
Every table adds up to the summary, in JSON, in the CSV and on the page, and a frozen statement
reads back the same."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal

import pytest

from packbill import services
from packbill.domain.books import Issuer, PaygRow, Purchases, Statement
from packbill.present.books import statement_csv, statement_html, statement_json
from packbill.services import books
from packbill.storage.books import statement_body, statement_from_body

from ..helpers import t as at
from ..helpers import tools_or_skip

MAY = date(2027, 5, 1)


ISSUER = Issuer("示例视频云科技有限公司", "北京市海淀区中关村大街 1 号", "91110108MA00000000")


def _may(ctx) -> tuple[str, Statement]:
    """A May with a discount of 0.8, two vouchers (one for pets only, never used, expiring on
    05-10), a face package bought and paid by voucher and cash, a traffic package bought and
    refunded, and pay-as-you-go body calls; settled through May, so the statement is final."""
    account, _ = services.create_account(ctx, "Statement 客户", "cn", payment="balance", at=at("2027-05-01 09:00"))
    services.set_discount(ctx, account.id, Decimal("0.8"), date(2027, 5, 1))
    services.topup(ctx, account.id, Decimal("1000.00"), "bank-1", at=at("2027-05-02 09:00"))
    services.grant_voucher(ctx, account.id, Decimal("30.00"), date(2027, 12, 31), at=at("2027-05-02 09:00"))
    services.grant_voucher(ctx, account.id, Decimal("20.00"), date(2027, 5, 10), services=["ai.pet"], at=at("2027-05-02 09:00"))
    services.buy(ctx, account.id, "ai.face.100k", count=2, at=at("2027-05-03 10:00"))
    traffic = services.buy(ctx, account.id, "traffic.down.100gb", at=at("2027-05-04 10:00"))
    services.refund(ctx, account.id, traffic.packages[0].id, at=at("2027-05-05 10:00"))
    services.ingest(ctx, account.id, [{"event_id": "p1", "service": "ai.body", "quantity": 3_000, "region": "ap-beijing",
                                       "timestamp": "2027-05-20T10:00:00+08:00"}])
    services.settle(ctx, date(2027, 5, 31))
    may = books.statement(ctx, account.id, MAY)
    assert may.status == "final"
    return account.id, may


def test_the_statement_lists_purchases_refunds_and_vouchers_and_they_add_up(ctx):
    _, may = _may(ctx)
    face, traffic = may.orders
    # 2 x 50.00 list, 0.8 of it contracted; the 30.00 voucher pays first, cash the rest
    assert (face.sku, face.count, face.list_amount, face.amount, face.discount) == ("ai.face.100k", 2, Decimal("100.00"),
                                                                                   Decimal("80.00"), Decimal("20.00"))
    assert (face.voucher, face.cash) == (Decimal("30.00"), Decimal("50.00"))
    assert (traffic.sku, traffic.amount, traffic.voucher, traffic.cash) == ("traffic.down.100gb", Decimal("40.00"), Decimal("0.00"),
                                                                            Decimal("40.00"))
    for field in ("list_amount", "amount", "voucher", "cash"):
        assert sum(getattr(o, field) for o in may.orders) == getattr(may.purchases, field), field
    assert may.purchases.discount == Decimal("30.00")
    (refund,) = may.refund_rows
    assert (refund.day, refund.sku, refund.voucher, refund.cash) == (date(2027, 5, 5), "traffic.down.100gb", Decimal("0.00"), Decimal("40.00"))
    assert (may.refunds.voucher, may.refunds.cash) == (refund.voucher, refund.cash)
    # granted 50.00; used 30.00 on the face packages; the pets-only 20.00 expired unused on 05-10
    assert (may.vouchers.granted, may.vouchers_used, may.vouchers.expired) == (Decimal("50.00"), Decimal("30.00"), Decimal("20.00"))
    assert may.closing_balance == may.opening_balance + may.topups + may.adjustments - may.purchases.cash + may.refunds.cash - may.payg_cash
    assert statement_from_body(statement_body(may)) == may  # the frozen copy keeps every table


def test_the_csv_and_the_page_show_the_same_tables_in_the_customers_language(ctx):
    _, may = _may(ctx)
    zh = statement_csv(may, ctx.catalog, "zh", ISSUER)
    rows = list(csv.reader(io.StringIO(zh)))
    assert ["出具方", ISSUER.name, "地址", ISSUER.address, "纳税人识别号", ISSUER.tax_id] in rows
    assert ["客户", "Statement 客户", "账户", may.account_id] in rows
    assert ["2027-05-03", "人脸检测资源包-10万次", "2", "100.00", "20.00", "80.00", "30.00", "50.00"] in rows
    assert ["合计", "", "3", "150.00", "30.00", "120.00", "30.00", "90.00"] in rows
    assert ["50.00", "30.00", "20.00"] in rows  # vouchers granted, used, expired
    assert not [cell for row in rows for cell in row if cell.startswith(("ai.", "traffic.", "bandwidth."))]  # names, not codes
    en = list(csv.reader(io.StringIO(statement_csv(may, ctx.catalog, "en", ISSUER))))
    assert ["Total", "", "3", "150.00", "30.00", "120.00", "30.00", "90.00"] in en and ["Issued by", ISSUER.name, "Address", ISSUER.address,
                                                                                       "Tax ID", ISSUER.tax_id] in en
    page = statement_html(may, ctx.catalog, "zh", ISSUER)
    for text in ("资源包购买明细", "退款明细", "代金券", "本月过期作废", ISSUER.name, ISSUER.tax_id, "Statement 客户", "人脸检测资源包-10万次",
                 'counter(page)', "第 ", " 页，共 "):
        assert text in page, text
    assert "Page " in statement_html(may, ctx.catalog, "en", ISSUER) and "Package purchases" in statement_html(may, ctx.catalog, "en")
    data = statement_json(may)
    assert data["vouchers"] == {"granted": "50.00", "used": "30.00", "expired": "20.00"}
    assert [o["discount"] for o in data["orders"]] == ["20.00", "10.00"]


def test_daily_peak_bandwidth_reads_as_the_months_peak_not_a_sum():
    """A bandwidth line bills a daily peak; the month's billed peaks summed (12 + 30 + 20 Mbps)
    mean nothing to a person: the statement says the highest, 30 Mbps, over 3 days."""
    row = PaygRow("bandwidth.down", 62_000_000, Decimal("9.30"), Decimal("9.30"), Decimal(0), Decimal("9.30"), peak=30_000_000, days=3)
    s = Statement(account_id="a", account_name="n", month=MAY, status="provisional", number=None, opening_balance=Decimal(0),
                  closing_balance=Decimal("-9.30"), topups=Decimal(0), adjustments=Decimal(0), purchases=Purchases(),
                  refunds=Purchases(), payg=(row,), usage=(), packages=(), invoiceable=Decimal(0))
    from packbill.domain.catalog import load_catalog

    catalog = load_catalog()
    page = statement_html(s, catalog, "zh")
    assert "月内最高日峰值 30.00 Mbps，计费 3 天" in page and "62.00 Mbps" not in page
    assert "highest daily peak 30.00 Mbps, 3 days billed" in statement_html(s, catalog, "en")
    assert statement_json(s)["payg"][0]["peak"] == "30" and statement_json(s)["payg"][0]["days"] == 3


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)  # the page is the same on both databases; OCR is slow
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_pdf_shows_every_r22_item_numbers_its_pages_and_strands_no_heading(ctx, tmp_path, lang):
    """Printed by Chromium, each page turned into an image and read back by OCR: the items of
    R22 are there in the page's language, and every page says "page n of N"."""
    import subprocess

    from packbill.pdf import PdfUnavailable, html_to_pdf
    from packbill.present.words import in_language

    tools_or_skip("pdftoppm", "pdftotext", "tesseract")
    account_id, _ = _may(ctx)
    services.topup(ctx, account_id, Decimal("5000"), "bank-2", at=at("2027-06-01 09:00"))
    for i in range(24):  # enough purchases for the tables to run over several pages
        services.buy(ctx, account_id, "ai.pet.100k" if i % 2 else "ai.face.100k", at=at(f"2027-06-01 10:{i:02d}"))
    june = books.statement(ctx, account_id, date(2027, 6, 1))
    try:
        pdf = html_to_pdf(statement_html(june, ctx.catalog, lang, ISSUER), ctx.chromium)
    except PdfUnavailable:
        tools_or_skip("chromium-that-prints")
        raise
    path = tmp_path / "s.pdf"
    path.write_bytes(pdf)
    subprocess.run(["pdftoppm", "-png", "-r", "300", str(path), str(tmp_path / "page")], check=True)
    pngs = sorted(tmp_path.glob("page*.png"))
    assert len(pngs) >= 2
    w = in_language("statement", lang)
    seen = ""
    for n, png in enumerate(pngs, 1):
        ocr = subprocess.run(["tesseract", str(png), "-", "-l", "chi_sim+eng" if lang == "zh" else "eng"], check=True,
                             capture_output=True, text=True).stdout
        seen += "".join(ocr.split())  # OCR spaces Chinese characters apart
        text = subprocess.run(["pdftotext", "-layout", "-f", str(n), "-l", str(n), str(path), "-"], check=True, capture_output=True,
                              text=True).stdout
        lines = [line.strip() for line in text.splitlines() if line.strip()]
        assert " ".join(w["page_of"].format(page=n, pages=len(pngs)).split()) in " ".join(lines[-1].split()), lines[-1]
    wanted = [w[k] for k in ("title", "summary", "orders_table", "refunds_table", "vouchers_table", "payg_table", "usage_table",
                             "packages_table", "discount", "granted", "used", "voucher_expired", "opening", "closing", "invoiceable")]
    wanted += [ISSUER.tax_id, "2027-06", "5,000.00"]
    for word in wanted:
        assert "".join(word.split()) in seen, (word, seen[:2000])


def test_no_table_title_is_the_last_thing_on_a_page(tmp_path):
    """However long the purchases table, the title of the table after it moves to the next page
    with its table: printed with 10 to 40 purchases, no page's last line is a table's title."""
    import subprocess

    from packbill.domain.books import OrderRow
    from packbill.domain.catalog import load_catalog
    from packbill.pdf import PdfUnavailable, html_to_pdf
    from packbill.present.words import in_language

    tools_or_skip("pdftotext")
    catalog, w = load_catalog(), in_language("statement", "zh")
    headings = {w[k] for k in ("summary", "orders_table", "refunds_table", "vouchers_table", "payg_table", "usage_table", "packages_table")}
    stranded = []
    for n in range(10, 41, 2):
        orders = tuple(OrderRow(date(2027, 5, 1 + i % 28), "ai.face.100k", 1, Decimal(50), Decimal(40), Decimal(0), Decimal(40))
                       for i in range(n))
        s = Statement(account_id="a", account_name="n", month=MAY, status="provisional", number=None, opening_balance=Decimal(0),
                      closing_balance=Decimal(0), topups=Decimal(0), adjustments=Decimal(0),
                      purchases=Purchases(Decimal(50 * n), Decimal(40 * n), Decimal(0), Decimal(40 * n)), refunds=Purchases(), payg=(),
                      usage=(), packages=(), invoiceable=Decimal(0), orders=orders)
        try:
            pdf = html_to_pdf(statement_html(s, catalog, "zh"))
        except PdfUnavailable:
            tools_or_skip("chromium-that-prints")
            raise
        path = tmp_path / f"s{n}.pdf"
        path.write_bytes(pdf)
        text = subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True).stdout
        for page in text.split("\f"):
            lines = [line.strip() for line in page.splitlines() if line.strip()]
            if len(lines) >= 2 and lines[-2] in headings:  # the last line is the page's number
                stranded.append((n, lines[-2]))
    assert stranded == []
