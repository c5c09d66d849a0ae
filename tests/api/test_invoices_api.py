"""R33 over HTTP: titles with the unified social credit code checked as GB 32100 defines, requests
up to what is invoiceable, the tax split, issuing and rejecting, red-letter requests after a refund,
and the batch export read back."""

from __future__ import annotations

import io

from openpyxl import load_workbook

from .conftest import OPERATOR

CODE = "91350100M000100Y43"  # GB 32100-2015's own example
NORMAL = {"type": "normal", "name": "金龙餐饮有限公司", "tax_id": CODE}


def paying(api, name: str = "Invoice Co", topup: str = "1000.00"):
    account = api.new_account(name)
    op, me = api.as_(OPERATOR), api.as_(account["token"])
    path = f"/v1/accounts/{account['id']}"
    assert op.put(f"{path}/payment", json={"payment": "balance"}).status_code == 200
    assert op.post(f"{path}/topups", json={"amount": topup, "reference": f"t-{name}"}).status_code == 201
    return account, op, me, path


def test_R33_titles_check_the_code_and_a_special_title_needs_the_bank(api):
    account, op, me, path = paying(api)
    made = me.post(f"{path}/invoice-titles", json={**NORMAL, "tax_id": " 91350100m000100y43 "})
    assert made.status_code == 201, made.text
    assert made.json()["tax_id"] == CODE and made.json()["type"] == "normal"
    cases = [
        ({**NORMAL, "tax_id": "91350100M000100Y44"}, "check character is wrong"),
        ({**NORMAL, "tax_id": "91350100M000100Y4"}, "18 characters, not 17"),
        ({**NORMAL, "tax_id": "91350100O000100Y43"}, "cannot contain O"),
        ({**NORMAL, "type": "special"}, "'address', 'phone', 'bank', 'bank_account'"),
        ({**NORMAL, "name": "  "}, "'name'"),
        ({**NORMAL, "type": "vat"}, ""),
    ]
    for body, words in cases:
        r = me.post(f"{path}/invoice-titles", json=body)
        assert r.status_code == 422 and r.json()["error"]["code"] == "invalid_request", (body, r.text)
        assert words in r.json()["error"]["message"], (body, r.json())
    special = {**NORMAL, "type": "special", "address": "北京市海淀区", "phone": "010-12345678", "bank": "招商银行北京分行",
               "bank_account": "110912345610201"}
    assert me.post(f"{path}/invoice-titles", json=special).status_code == 201
    listed = me.get(f"{path}/invoice-titles").json()["titles"]
    assert [t["type"] for t in listed] == ["normal", "special"]
    assert me.delete(f"{path}/invoice-titles/{listed[0]['id']}").json()["titles"] == [listed[1]]
    assert me.delete(f"{path}/invoice-titles/tit_nope").status_code == 404
    other = api.new_account("Other Co")
    assert me.get(f"/v1/accounts/{other['id']}/invoice-titles").status_code == 404


def test_R33_a_request_up_to_the_invoiceable_amount_split_at_6_percent_issued_or_rejected(api, ctx):
    """A 1m pet package (2,200.00) paid in cash: 2,200.00 invoiceable. A request of 1,000.00 splits
    into 943.40 net and 56.60 tax (1,000 ÷ 1.06 = 943.396…); a second of 1,300.00 passes what is left
    once the first is pending (1,200.00): conflict. Issued with its 20-digit number, 1,200.00 stays
    invoiceable; a number already recorded is refused; a rejected request frees its amount."""
    from packbill.services import inbox

    account, op, me, path = paying(api, topup="3000.00")
    assert me.post(f"{path}/packages", json={"sku": "ai.pet.1m"}).status_code == 201
    title = me.post(f"{path}/invoice-titles", json=NORMAL).json()["id"]
    first = me.post(f"{path}/invoice-requests", json={"title_id": title, "amount": "1000.00"}, headers={"Idempotency-Key": "req-1"})
    assert first.status_code == 201, first.text
    body = first.json()
    assert (body["amount"], body["net"], body["tax"], body["status"], body["kind"]) == ("1000.00", "943.40", "56.60", "pending", "blue")
    again = me.post(f"{path}/invoice-requests", json={"title_id": title, "amount": "1000.00"}, headers={"Idempotency-Key": "req-1"})
    assert again.json()["id"] == body["id"]  # the same request, once
    over = me.post(f"{path}/invoice-requests", json={"title_id": title, "amount": "1300.00"})
    assert over.status_code == 409 and over.json()["error"]["code"] == "conflict"
    unknown = me.post(f"{path}/invoice-requests", json={"title_id": "tit_nope", "amount": "1"})  # names no title of the account's
    assert unknown.status_code == 422 and "tit_nope" in unknown.json()["error"]["message"]
    assert me.post(f"/v1/invoice-requests/{body['id']}/issue", json={"number": "1" * 20}).status_code == 403  # the operator issues
    bad = op.post(f"/v1/invoice-requests/{body['id']}/issue", json={"number": "12345"})
    assert bad.status_code == 422 and "20 digits" in bad.json()["error"]["message"]
    issued = op.post(f"/v1/invoice-requests/{body['id']}/issue", json={"number": "26112000000000000001"})
    assert issued.status_code == 200 and issued.json()["status"] == "issued" and issued.json()["number"] == "26112000000000000001"
    assert me.get(f"{path}/invoices").json()["invoiceable"] == "1200.00"
    assert op.post(f"/v1/invoice-requests/{body['id']}/issue", json={"number": "26112000000000000002"}).status_code == 409  # issued already
    second = me.post(f"{path}/invoice-requests", json={"title_id": title, "amount": "200.00"}).json()
    assert op.post(f"/v1/invoice-requests/{second['id']}/issue", json={"number": "26112000000000000001"}).status_code == 409  # number used
    rejected = op.post(f"/v1/invoice-requests/{second['id']}/reject", json={"reason": "抬头名称与营业执照不符"})
    assert rejected.json()["status"] == "rejected" and rejected.json()["reason"] == "抬头名称与营业执照不符"
    assert me.post(f"{path}/invoice-requests", json={"title_id": title, "amount": "1200.00"}).status_code == 201
    kinds = [e.type for e in inbox.events(ctx, account_id=account["id"]) if e.type.startswith("invoice.")]
    assert sorted(kinds) == ["invoice.issued", "invoice.rejected", "invoice.requested", "invoice.requested", "invoice.requested"]
    texts = [m["text"] for m in me.get(f"{path}/messages", params={"category": "bills"}).json()["messages"]]
    assert "发票已开具：发票号码 26112000000000000001，价税合计 1,000.00 元（金额 943.40 元，税额 56.60 元）。" in texts
    assert "发票申请（价税合计 200.00 元）被驳回：抬头名称与营业执照不符" in texts


def test_R33_a_refund_that_leaves_too_much_invoiced_raises_a_red_letter_request(api, ctx):
    """Two 1m pet packages (4,400.00 in cash), 4,400.00 invoiced in two invoices; the second package
    refunded (2,200.00 back): 2,200.00 invoiced too much: a red request of -2,200.00 (net -2,075.47,
    tax -124.53) reversing the newest invoice; issued, the invoices net 2,200.00 and nothing is
    invoiceable until more is paid."""
    account, op, me, path = paying(api, topup="5000.00")
    for _ in range(2):
        assert me.post(f"{path}/packages", json={"sku": "ai.pet.1m"}).status_code == 201
    title = me.post(f"{path}/invoice-titles", json=NORMAL).json()["id"]
    for n in (1, 2):
        req = me.post(f"{path}/invoice-requests", json={"title_id": title, "amount": "2200.00"}).json()
        assert op.post(f"/v1/invoice-requests/{req['id']}/issue", json={"number": f"2611200000000000000{n}"}).status_code == 200
    assert me.get(f"{path}/invoices").json()["invoiceable"] == "0.00"
    package = me.get(f"{path}/packages").json()["packages"][1]["id"]
    assert me.post(f"{path}/packages/{package}/refund").status_code == 200
    (red,) = [r for r in me.get(f"{path}/invoice-requests").json()["requests"] if r["kind"] == "red"]
    assert (red["amount"], red["net"], red["tax"], red["reverses"], red["title_id"]) == ("-2200.00", "-2075.47", "-124.53",
                                                                                          ["26112000000000000002"], title)
    assert op.post(f"/v1/invoice-requests/{red['id']}/issue", json={"number": "26112000000000000003"}).json()["status"] == "issued"
    invoices = me.get(f"{path}/invoices").json()
    assert [i["amount"] for i in invoices["invoices"]] == ["2200.00", "2200.00", "-2200.00"] and invoices["invoiceable"] == "0.00"
    statement = me.get(f"{path}/statements/2027-06").json()  # the month's invoices on its statement
    assert (statement["invoiced"], statement["red_letter"]) == ("4400.00", "-2200.00")
    csv_statement = me.get(f"{path}/statements/2027-06", params={"format": "csv"}).content.decode("utf-8-sig")
    assert "本月开具发票,4400.00" in csv_statement and "本月红字发票,-2200.00" in csv_statement
    exported = op.get("/v1/invoice-requests", params={"format": "xlsx"})
    assert exported.headers["content-type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(exported.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:5] == ("申请编号", "账号", "类别", "购买方名称", "购买方纳税人识别号")
    assert [(r[2], r[3], r[4], r[10], r[11], r[13], r[14]) for r in rows[1:]] == [
        ("蓝字发票", "金龙餐饮有限公司", CODE, "*信息技术服务*云服务费", 2200.0, 2075.47, 124.53),
        ("蓝字发票", "金龙餐饮有限公司", CODE, "*信息技术服务*云服务费", 2200.0, 2075.47, 124.53),
        ("红字发票", "金龙餐饮有限公司", CODE, "*信息技术服务*云服务费", -2200.0, -2075.47, -124.53)]
    csv_text = op.get("/v1/invoice-requests", params={"format": "csv", "status": "issued", "lang": "en"}).content.decode("utf-8-sig")
    assert csv_text.splitlines()[0].startswith("Request,Account,Kind,Buyer") and csv_text.count("\n") == 4
    assert me.get("/v1/invoice-requests").status_code == 403  # the operator's list


def test_R33_the_operator_sets_the_rate(api, ctx):
    """PACKBILL_VAT_RATE (here 0.13): 113.00 splits into 100.00 net and 13.00 tax."""
    from decimal import Decimal

    from packbill.settings import Settings

    assert Settings.load(vat_rate="0.13").vat_rate == Decimal("0.13")
    ctx.vat_rate = Decimal("0.13")
    account, op, me, path = paying(api)
    assert me.post(f"{path}/packages", json={"sku": "ai.pet.100k"}).status_code == 201
    title = me.post(f"{path}/invoice-titles", json=NORMAL).json()["id"]
    made = me.post(f"{path}/invoice-requests", json={"title_id": title, "amount": "113.00"}).json()
    assert (made["net"], made["tax"], made["rate"]) == ("100.00", "13.00", "0.13")
