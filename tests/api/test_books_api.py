"""The books over HTTP (R21 to R23): statements in three formats, invoices, revenue, the
lateness horizon; and what careless callers get."""

import csv
import io
import json
import os
import subprocess
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from packbill.server import create_app
from tests.conftest import FIXED_NOW
from tests.helpers import tools_or_skip

from .conftest import OPERATOR, Api


def face(event_id, quantity, moment):
    return {"event_id": event_id, "service": "ai.face", "quantity": quantity, "region": "ap-beijing", "timestamp": moment.isoformat()}


@pytest.fixture
def month(api):
    """An account with a top-up and 3,000 face calls pay-as-you-go on 2027-05-20, settled
    through May (FIXED_NOW is 2027-06-01 12:00 +08:00): May's statement is final."""
    op = api.as_(OPERATOR)
    account = api.new_account("Books 账本")
    assert op.post(f"/v1/accounts/{account['id']}/topups", json={"amount": "10", "reference": "r1",
                                                               "at": "2027-05-02T10:00:00+08:00"}).status_code == 201
    r = api.as_(account["token"]).post(f"/v1/accounts/{account['id']}/usage", json={"events": [face("u1", 3000, FIXED_NOW - timedelta(days=12))]})
    assert r.status_code in (200, 201, 202), r.text
    assert op.post("/v1/settlements", json={"through": "2027-05-31"}).status_code in (200, 201)
    return account


def test_statement_json_csv_and_the_customer_sees_only_their_own(api, month):
    me = api.as_(month["token"])
    r = me.get(f"/v1/accounts/{month['id']}/statements/2027-05")
    assert r.status_code == 200, r.text
    s = r.json()
    # 3,000 x 0.0005 = 1.50 pay-as-you-go, paid from the 10.00 topped up
    assert (s["status"], s["opening_balance"], s["topups"], s["closing_balance"]) == ("final", "0.00", "10.00", "8.50")
    assert s["number"].startswith("ST-202705-")
    assert s["payg"] == [{"service": "ai.face", "quantity": 3000, "list_amount": "1.50", "amount": "1.50", "voucher": "0.00", "cash": "1.50"}]
    assert s["invoiceable"] == "1.50"
    r = me.get(f"/v1/accounts/{month['id']}/statements/2027-05?format=csv")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert ["人脸检测", "3,000 次", "1.50", "1.50", "0.00", "1.50"] in rows  # names and units, in the customer's language
    en = list(csv.reader(io.StringIO(me.get(f"/v1/accounts/{month['id']}/statements/2027-05?format=csv&lang=en").content.decode("utf-8-sig"))))
    assert ["Face detection", "3,000 calls", "1.50", "1.50", "0.00", "1.50"] in en
    other = api.new_account("Other")
    assert api.as_(other["token"]).get(f"/v1/accounts/{month['id']}/statements/2027-05").status_code in (403, 404)
    for bad in ("2027-13", "May", "2027-5", "9999-01"):
        r = me.get(f"/v1/accounts/{month['id']}/statements/{bad}")
        assert r.status_code == 422 and r.json()["error"]["code"] == "invalid_request", bad
    assert me.get(f"/v1/accounts/{month['id']}/statements/2027-05?format=xls").status_code == 422
    assert me.get(f"/v1/accounts/{month['id']}/statements/2027-06").json()["status"] == "provisional"


@pytest.mark.parametrize("lang, words", [("zh", ["月度账单", "期末余额", "8.50"]), ("en", ["Monthly statement", "Closing balance", "8.50"])])
def test_statement_pdf_reads_like_a_bill(api, month, tmp_path, lang, words):
    """The PDF's first page, turned into a PNG and read back by OCR, says what the statement says."""
    tools_or_skip("pdftoppm", "pdftotext", "tesseract")
    r = api.as_(month["token"]).get(f"/v1/accounts/{month['id']}/statements/2027-05?format=pdf&lang={lang}")
    if r.status_code == 503 and os.environ.get("CI", "").lower() != "true":
        pytest.skip(r.json()["error"]["message"])
    assert r.status_code == 200 and r.content.startswith(b"%PDF"), r.text[:300]
    pdf = tmp_path / "s.pdf"
    pdf.write_bytes(r.content)
    subprocess.run(["pdftoppm", "-png", "-r", "150", "-f", "1", "-l", "1", str(pdf), str(tmp_path / "page")], check=True)
    (png,) = tmp_path.glob("page*.png")
    seen = subprocess.run(["tesseract", str(png), "-", "-l", "chi_sim+eng" if lang == "zh" else "eng"], check=True,
                          capture_output=True, text=True).stdout
    squeezed = "".join(seen.split())  # OCR spaces Chinese characters apart
    for word in [*words, "2027-05", "ST-202705-"]:
        assert "".join(word.split()) in squeezed, (word, seen)
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True, text=True).stdout
    for word in [*words, month["id"], "人脸检测" if lang == "zh" else "Face detection"]:
        assert word in text, word


def test_invoices_stop_at_the_invoiceable_amount(api, month):
    op = api.as_(OPERATOR)
    path = f"/v1/accounts/{month['id']}/invoices"
    assert api.as_(month["token"]).post(path, json={"amount": "1", "number": "X"}).status_code == 403  # the operator records them
    r = op.post(path, json={"amount": "1.00", "number": "INV-9"}, headers={"Idempotency-Key": "k1"})
    assert r.status_code == 201 and r.json()["invoiceable"] == "0.50"
    again = op.post(path, json={"amount": "1.00", "number": "INV-9"}, headers={"Idempotency-Key": "k1"})
    assert again.status_code == 201 and again.json()["id"] == r.json()["id"]  # a replay, not a second invoice
    too_much = op.post(path, json={"amount": "0.51", "number": "INV-10"})
    assert too_much.status_code == 409 and too_much.json()["error"]["code"] == "conflict"
    for body in ({"amount": "-1", "number": "N"}, {"amount": "abc", "number": "N"}, {"amount": "1"}, {"amount": "0.001", "number": "N"}):
        assert op.post(path, json=body).status_code == 422, body
    listed = api.as_(month["token"]).get(path).json()
    assert [i["number"] for i in listed["invoices"]] == ["INV-9"] and listed["invoiceable"] == "0.50"


def test_revenue_is_for_the_operator(api, month):
    assert api.as_(month["token"]).get("/v1/revenue").status_code == 403
    r = api.as_(OPERATOR).get("/v1/revenue?from=2027-05-20&to=2027-06-01").json()
    days = {d["day"]: d for d in r["days"]}
    assert len(days) == 13
    # SPEC section 8: dated by the usage day it serves (2027-05-20), not by the run's morning
    assert days["2027-05-20"]["services"] == [{"service": "ai.face", "recognised": "0.00", "breakage": "0.00", "payg": "1.50"}]
    assert days["2027-06-01"]["services"] == []
    r = api.as_(OPERATOR).get("/v1/revenue?from=2027-05-20&to=2027-05-20&format=csv&lang=zh")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv") and r.content.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert rows == [["日期", "服务", "资源包确认收入", "过期作废", "按量计费收入", "日末递延收入"], ["2027-05-20", "人脸检测", "0.00", "0.00", "1.50", "0.00"]]
    for bad in ("from=2027-06-02&to=2027-06-01", "from=yesterday", "from=2020-01-01&to=2027-01-01"):
        assert api.as_(OPERATOR).get(f"/v1/revenue?{bad}").status_code == 422, bad


def test_the_lateness_horizon_refuses_old_usage_and_its_retries(ctx):
    ctx.lateness_days = 30
    with TestClient(create_app(ctx, OPERATOR), raise_server_exceptions=False) as client:
        api = Api(client)
        account = api.new_account("Late")
        me = api.as_(account["token"])
        usage = f"/v1/accounts/{account['id']}/usage"
        old = face("old", 5, FIXED_NOW - timedelta(days=31))
        r = me.post(usage, json={"events": [old, face("fresh", 5, FIXED_NOW - timedelta(days=29))]})
        assert r.status_code == 422
        assert r.json()["error"]["details"] == [{"index": 0, "reason": "too_late"}]
        assert me.post(usage, json={"events": [face("fresh", 5, FIXED_NOW - timedelta(days=29))]}).status_code in (200, 201, 202)
        assert me.post(usage, json={"events": [old]}).status_code == 422  # a retry: refused again, never counted
        ctx.lateness_days = None  # without a horizon, a backfill of any age works
        assert me.post(usage, json={"events": [face("ancient", 5, FIXED_NOW - timedelta(days=700))]}).status_code in (200, 201, 202)


def test_the_lateness_horizon_applies_to_file_imports(ctx, tmp_path):
    from packbill import services

    ctx.lateness_days = 7
    account, _ = services.create_account(ctx, "Importer", "cn")
    path = tmp_path / "u.jsonl"
    path.write_text("\n".join(json.dumps({"account_id": account.id, **face(f"e{n}", 1, FIXED_NOW - timedelta(days=d))})
                              for n, d in enumerate((1, 8, 2))) + "\n")
    result = services.import_file(ctx, path, workers=1)
    assert result.accepted == 0 and [(b.line, b.reason) for b in result.bad] == [(2, "too_late")]


def test_the_close_of_a_month_reconciles_its_statements_with_its_revenue(api, month):
    """SPEC section 8, R21 revenue dates: May's statements bill 1.50 pay-as-you-go and May's
    revenue holds 1.50; late usage of May, settled after May is final, goes on June's statement
    and into June's revenue, so both months still balance."""
    op = api.as_(OPERATOR)
    assert api.as_(month["token"]).get("/v1/close/2027-05").status_code == 403
    may = op.get("/v1/close/2027-05").json()
    assert may["final"] is True and may["balanced"] is True
    assert may["services"] == [{"service": "ai.face", "statements_payg": "1.50", "revenue_payg": "1.50", "recognised": "0.00",
                                "breakage": "0.00", "difference": "0.00"}]
    late = api.as_(month["token"]).post(f"/v1/accounts/{month['id']}/usage", json={"events": [face("u2", 1000, FIXED_NOW - timedelta(days=11))]})
    assert late.status_code in (200, 201, 202)
    assert op.post("/v1/settlements", json={"through": "2027-05-31"}).status_code in (200, 201)
    again, june = op.get("/v1/close/2027-05").json(), op.get("/v1/close/2027-06").json()
    assert again == may  # final: the late line is not May's
    assert june["balanced"] and june["services"][0]["statements_payg"] == june["services"][0]["revenue_payg"] == "0.50"
    for bad in ("2027-13", "May"):
        assert op.get(f"/v1/close/{bad}").status_code == 422, bad
    assert op.get("/v1/close/2099-01").status_code == 404  # a month that has not begun has no close


def test_the_bill_detail_downloads_as_one_flat_spreadsheet(api, month):
    """Issue 21, the contract's bill detail: a row per line and package drawn (here pay-as-you-go
    only), the service by name, the region group, the quantity and its unit apart, list and
    contracted amounts, voucher and cash; headers in the chosen language; UTF-8 with a BOM."""
    me = api.as_(month["token"])
    path = f"/v1/accounts/{month['id']}/bills?from=2027-05-01&to=2027-05-31&format=csv"
    r = me.get(path)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv") and r.content.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert rows[0] == ["日期", "服务", "地域", "用量", "单位", "抵扣来源", "资源包编号", "刊例价金额", "折后金额", "代金券支付", "现金支付", "补结算"]
    assert rows[1:] == [["2027-05-20", "人脸检测", "中国大陆", "3000", "次", "按量计费", "", "1.50", "1.50", "0.00", "1.50", ""]]
    english = list(csv.reader(io.StringIO(me.get(path + "&lang=en").content.decode("utf-8-sig"))))
    assert english[0][:3] == ["Day", "Service", "Region"] and english[1][1:3] == ["Face detection", "Mainland China"]
    assert me.get(path.replace("format=csv", "format=xlsx")).status_code == 422
    other = api.new_account("Other")
    assert api.as_(other["token"]).get(path).status_code == 404
