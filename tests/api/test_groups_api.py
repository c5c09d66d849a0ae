"""R32 over HTTP, on both databases: an account joins a payer from the next day; its purchases and
pay-as-you-go are paid from the payer's wallet, in the payer's books naming the member; its
packages stay its own; the payer's token reads its members and acts for none of them; leaving
takes effect the next day; a change never reaches a day already settled. The audit (run after
every test by the ``ctx`` fixture) checks each charge was paid by the payer of its day."""

from __future__ import annotations

from decimal import Decimal

from .conftest import OPERATOR


def group(api, topup: str = "1000.00"):
    """A payer with money and a member with none, both on balance terms."""
    op = api.as_(OPERATOR)
    payer, member = api.new_account("集团总部"), api.new_account("金龙餐饮二店")
    for a in (payer, member):
        assert op.put(f"/v1/accounts/{a['id']}/payment", json={"payment": "balance"}).status_code == 200
    assert op.post(f"/v1/accounts/{payer['id']}/topups", json={"amount": topup, "reference": "hq-1"}).status_code == 201
    return op, payer, member


def balance(op, account_id: str) -> Decimal:
    return Decimal(op.get(f"/v1/accounts/{account_id}/wallet").json()["balance"])


def test_R32_a_member_buys_and_its_payer_pays_from_the_day_after_joining(api):
    op, payer, member = group(api)
    m, p = f"/v1/accounts/{member['id']}", f"/v1/accounts/{payer['id']}"
    me = api.as_(member["token"])
    refused = me.post(f"{m}/packages", json={"sku": "ai.face.100k"})
    assert refused.status_code == 402, refused.text  # alone, the member has nothing to pay with (R18)
    joined = op.put(f"{m}/payer", json={"payer": payer["id"], "at": "2027-05-20T10:00:00+08:00"})
    assert joined.status_code == 200, joined.text
    assert joined.json() == {"account_id": member["id"], "payer": payer["id"], "effective_day": "2027-05-21"}
    bought = me.post(f"{m}/packages", json={"sku": "ai.face.100k"})
    assert bought.status_code == 201, bought.text
    price = Decimal(bought.json()["amount"])
    assert balance(op, payer["id"]) == Decimal("1000.00") - price and balance(op, member["id"]) == 0
    # the package stays the member's (R3)
    assert len(op.get(f"{m}/packages").json()["packages"]) == 1 and op.get(f"{p}/packages").json()["packages"] == []
    wallet = me.get(f"{m}/wallet").json()
    assert wallet["paid_by"] == payer["id"] and wallet["state"] == "normal"
    assert op.get(f"{p}/wallet").json()["paid_by"] is None
    journal = op.get(f"{p}/journal").json()["entries"]
    purchase = [e for e in journal if e["kind"] == "purchase"]
    assert len(purchase) == 1 and purchase[0]["member"] == member["id"]
    assert {"ledger_account": f"cash:{payer['id']}", "amount": f"-{price}"} in purchase[0]["postings"]
    assert not [e for e in op.get(f"{m}/journal").json()["entries"] if e["kind"] == "purchase"]
    assert op.get(f"{p}/members").json() == {"members": [{"id": member["id"], "name": "金龙餐饮二店", "since": "2027-05-21"}]}


def test_R32_pay_as_you_go_of_a_members_day_is_paid_by_its_payer_of_that_day(api):
    """Usage on the 20th (before joining) is the member's own; on the 31st, the payer's."""
    op, payer, member = group(api)
    m = f"/v1/accounts/{member['id']}"
    assert op.post(f"{m}/topups", json={"amount": "50.00", "reference": "own-1"}).status_code == 201
    assert op.put(f"{m}/payer", json={"payer": payer["id"], "at": "2027-05-20T10:00:00+08:00"}).status_code == 200
    sent = op.post(f"{m}/usage", json={"events": [
        {"event_id": "e1", "service": "ai.face", "quantity": 1000, "region": "ap-beijing", "timestamp": "2027-05-20T09:00:00+08:00"},
        {"event_id": "e2", "service": "ai.face", "quantity": 2000, "region": "ap-beijing", "timestamp": "2027-05-31T09:00:00+08:00"}]})
    assert sent.status_code in (200, 202), sent.text
    assert op.post("/v1/settlements", json={"through": "2027-05-31"}).status_code in (200, 201)
    lines = op.get(f"{m}/bills?from=2027-05-01&to=2027-05-31").json()["lines"]
    own = sum(Decimal(x["amount"]) for x in lines if x["day"] == "2027-05-20")
    paid = sum(Decimal(x["amount"]) for x in lines if x["day"] == "2027-05-31")
    assert own > 0 and paid > 0
    assert {(x["day"], x["paid_by"]) for x in lines} == {("2027-05-20", None), ("2027-05-31", payer["id"])}
    assert balance(op, member["id"]) == Decimal("50.00") - own
    assert balance(op, payer["id"]) == Decimal("1000.00") - paid
    entries = op.get(f"/v1/accounts/{payer['id']}/journal").json()["entries"]
    payg = [e for e in entries if e["kind"] == "payg"]
    assert [e["member"] for e in payg] == [member["id"]]
    # the past stays where it was paid: a change into the settled days is refused, nothing stored
    late = op.put(f"{m}/payer", json={"payer": None, "at": "2027-05-25T10:00:00+08:00"})
    assert late.status_code == 409 and late.json()["error"]["code"] == "conflict", late.text
    assert op.get(f"/v1/accounts/{payer['id']}/members").json()["members"][0]["id"] == member["id"]


def test_R32_the_payers_token_reads_its_members_and_acts_for_none(api):
    op, payer, member = group(api)
    m = f"/v1/accounts/{member['id']}"
    assert op.put(f"{m}/payer", json={"payer": payer["id"], "at": "2027-05-20T10:00:00+08:00"}).status_code == 200
    assert api.as_(member["token"]).post(f"{m}/packages", json={"sku": "ai.face.100k"}).status_code == 201
    hq = api.as_(payer["token"])
    assert hq.get(f"/v1/accounts/{payer['id']}/members").json()["members"][0]["id"] == member["id"]
    for path in ("", "/packages", "/bills?from=2027-05-01&to=2027-06-30", "/statements/2027-06"):
        r = hq.get(f"{m}{path}")
        assert r.status_code == 200, (path, r.text)
    assert len(hq.get(f"{m}/packages").json()["packages"]) == 1
    for method, path, body in (("post", "/packages", {"sku": "ai.face.100k"}), ("get", "/wallet", None), ("get", "/journal", None),
                               ("put", "/budget", {"monthly": "10.00"}), ("post", "/usage", {"events": []})):
        r = getattr(hq, method)(f"{m}{path}", **({"json": body} if body is not None else {}))
        assert r.status_code == 404 and r.json()["error"]["code"] == "not_found", (method, path, r.text)
    # and a member reads nothing of its payer
    assert api.as_(member["token"]).get(f"/v1/accounts/{payer['id']}/packages").status_code == 404
    stranger = api.new_account("路人")
    assert hq.get(f"/v1/accounts/{stranger['id']}/packages").status_code == 404


def test_R32_careless_changes_are_refused_with_a_sentence_and_nothing_is_stored(api):
    op, payer, member = group(api)
    m, p = f"/v1/accounts/{member['id']}", f"/v1/accounts/{payer['id']}"
    other = api.new_account("第三家")
    cases = [
        (m, {"payer": member["id"]}, 422, "its own payer"),
        (m, {"payer": "acc_nope"}, 422, "no account acc_nope"),
        (m, {"payer": payer["id"], "at": "yesterday"}, 422, "at"),
        (m, {"payer": payer["id"], "at": "2027-07-01T00:00:00+08:00"}, 422, ""),
        (m, {}, 422, "payer"),
    ]
    for path, body, status, words in cases:
        r = op.put(f"{path}/payer", json=body)
        assert r.status_code == status and r.json()["error"]["code"] == "invalid_request", (body, r.text)
        assert words in r.json()["error"]["message"], (body, r.text)
    assert op.put("/v1/accounts/acc_nope/payer", json={"payer": payer["id"]}).status_code == 404
    assert op.get(f"{p}/members").json() == {"members": []}
    assert op.put(f"{m}/payer", json={"payer": payer["id"]}).status_code == 200
    chain = op.put(f"{p}/payer", json={"payer": other["id"]})  # a payer cannot become a member
    assert chain.status_code == 422 and "pays for other accounts" in chain.json()["error"]["message"]
    under = op.put(f"/v1/accounts/{other['id']}/payer", json={"payer": member["id"]})  # nor can a member pay
    assert under.status_code == 422 and "paid for by another account" in under.json()["error"]["message"]
    assert api.as_(member["token"]).put(f"{m}/payer", json={"payer": None}).json()["error"]["code"] == "forbidden"


def test_R32_leaving_takes_effect_the_next_day_and_a_refund_goes_back_to_the_wallet_that_paid(api, ctx):
    op, payer, member = group(api)
    m = f"/v1/accounts/{member['id']}"
    assert op.put(f"{m}/payer", json={"payer": payer["id"], "at": "2027-05-20T10:00:00+08:00"}).status_code == 200
    package = api.as_(member["token"]).post(f"{m}/packages", json={"sku": "ai.face.100k"}).json()["packages"][0]
    left = op.put(f"{m}/payer", json={"payer": None})
    assert left.status_code == 200 and left.json()["effective_day"] == "2027-06-02"
    assert api.as_(member["token"]).get(f"{m}/wallet").json()["paid_by"] == payer["id"]  # still today
    assert op.get(f"/v1/accounts/{payer['id']}/members").json() == {"members": []}
    refunded = api.as_(member["token"]).post(f"{m}/packages/{package['id']}/refund")
    assert refunded.status_code == 200, refunded.text
    assert balance(op, payer["id"]) == Decimal("1000.00") and balance(op, member["id"]) == 0


def adds_up(s: dict) -> bool:
    """The statement's one identity, group accounts included."""
    d = {k: Decimal(s[k]) for k in ("opening_balance", "topups", "adjustments", "payg_cash", "group_cash", "closing_balance")}
    return (d["opening_balance"] + d["topups"] + d["adjustments"] - Decimal(s["purchases"]["cash"]) + Decimal(s["refunds"]["cash"])
            - d["payg_cash"] + d["group_cash"]) == d["closing_balance"]


def test_R32_the_payers_statement_has_a_section_per_member_and_every_statement_adds_up(api):
    """Two members: one buys on the payer's money, both use pay-as-you-go on the 31st. Each
    member's May and June statements say what the payer paid for it; the payer's have a row per
    member and a total; every statement's figures add up, the next month's opening is this one's
    closing, and the CSV shows the section in both languages, with names."""
    op, payer, member = group(api)
    second = api.new_account("金龙餐饮三店")
    for a in (member, second):
        path = f"/v1/accounts/{a['id']}"
        assert op.put(f"{path}/payer", json={"payer": payer["id"], "at": "2027-05-20T10:00:00+08:00"}).status_code == 200
        assert op.post(f"{path}/usage", json={"events": [
            {"event_id": "u1", "service": "ai.face", "quantity": 3000, "region": "ap-beijing",
             "timestamp": "2027-05-31T09:00:00+08:00"}]}).status_code in (200, 202)
    bought = op.post(f"/v1/accounts/{member['id']}/packages", json={"sku": "ai.face.100k", "at": "2027-05-25T10:00:00+08:00"})
    assert bought.status_code == 201, bought.text
    assert op.post("/v1/settlements", json={"through": "2027-05-31"}).status_code in (200, 201)
    months = {}
    for a in (payer, member, second):
        for month in ("2027-05", "2027-06"):
            s = op.get(f"/v1/accounts/{a['id']}/statements/{month}").json()
            assert adds_up(s), (a["id"], month, s)
            months[(a["id"], month)] = s
        assert months[(a["id"], "2027-05")]["closing_balance"] == months[(a["id"], "2027-06")]["opening_balance"]
    may = months[(payer["id"], "2027-05")]
    rows = {g["account_id"]: g for g in may["group"]}
    assert set(rows) == {member["id"], second["id"]} and {g["role"] for g in may["group"]} == {"member"}
    assert Decimal(rows[member["id"]]["purchases"]["cash"]) == Decimal(bought.json()["amount"])
    member_may = months[(member["id"], "2027-05")]
    assert [(g["account_id"], g["role"]) for g in member_may["group"]] == [(payer["id"], "payer")]
    assert member_may["group"][0]["total"] == rows[member["id"]]["total"]
    assert Decimal(may["group_cash"]) == -sum(Decimal(g["total"]) for g in may["group"])  # no vouchers here: all cash
    june = months[(payer["id"], "2027-06")]  # the top-up came on 1 June
    assert Decimal(june["closing_balance"]) == Decimal("1000.00") + Decimal(may["group_cash"])
    for lang, words in (("zh", ["成员账户（财务托管）", "为成员账户支付（现金）", "金龙餐饮二店", "金龙餐饮三店"]),
                        ("en", ["Member accounts (group accounts)", "Paid for member accounts (cash)", "金龙餐饮三店"])):
        csv = op.get(f"/v1/accounts/{payer['id']}/statements/2027-05?format=csv&lang={lang}").content.decode("utf-8-sig")
        assert all(w in csv for w in words), (lang, csv)
    csv = op.get(f"/v1/accounts/{member['id']}/statements/2027-05?format=csv&lang=zh").content.decode("utf-8-sig")
    assert "付款账户代付（现金）" in csv and "集团总部" in csv


def test_R32_R26_the_payers_estimated_balance_counts_its_members_unsettled_usage(api):
    """Today's 20,000 face calls of the member (not settled yet) would cost its payer; the member's
    own estimate does not move, and neither balance does until settlement."""
    op, payer, member = group(api)
    m, p = f"/v1/accounts/{member['id']}", f"/v1/accounts/{payer['id']}"
    assert op.post(f"{m}/topups", json={"amount": "5.00", "reference": "own"}).status_code == 201
    assert op.put(f"{m}/payer", json={"payer": payer["id"], "at": "2027-05-20T10:00:00+08:00"}).status_code == 200
    assert op.post(f"{m}/usage", json={"events": [{"event_id": "today", "service": "ai.face", "quantity": 20_000,
                                                   "region": "ap-beijing", "timestamp": "2027-06-01T10:00:00+08:00"}]}).status_code in (200, 202)
    hq, shop = op.get(f"{p}/wallet").json(), op.get(f"{m}/wallet").json()
    assert hq["balance"] == "1000.00" and Decimal(hq["estimated_balance"]) < Decimal("1000.00")
    assert shop["balance"] == shop["estimated_balance"] == "5.00"
    assert op.post("/v1/settlements", json={"through": "2027-05-31"}).status_code in (200, 201)  # today is not settled
    assert op.get(f"{p}/wallet").json()["estimated_balance"] == hq["estimated_balance"]


def test_R32_the_payers_credit_limit_arrears_and_suspension_apply_to_its_members(api, ctx):
    """The payer has no cash and a 100.00 credit limit: its member may buy a 50.00 package (down
    to the payer's limit), not a 2,200.00 one. The member's pay-as-you-go puts the payer in
    arrears; 24 hours later the payer is suspended, and so are the member's services."""
    from datetime import timedelta

    from tests.conftest import FIXED_NOW

    op, payer, member = group(api, topup="0.01")
    m, p = f"/v1/accounts/{member['id']}", f"/v1/accounts/{payer['id']}"
    assert op.put(f"{p}/credit-limit", json={"amount": "100.00"}).status_code == 200
    assert op.put(f"{m}/payer", json={"payer": payer["id"], "at": "2027-05-20T10:00:00+08:00"}).status_code == 200
    me = api.as_(member["token"])
    assert me.post(f"{m}/packages", json={"sku": "ai.face.100k"}).status_code == 201
    too_much = me.post(f"{m}/packages", json={"sku": "ai.pet.1m"})
    assert too_much.status_code == 402 and too_much.json()["error"]["code"] == "insufficient_funds"
    assert op.post(f"{m}/usage", json={"events": [{"event_id": "p1", "service": "ai.pet", "quantity": 50_000, "region": "ap-beijing",
                                                   "timestamp": "2027-05-31T10:00:00+08:00"}]}).status_code in (200, 202)
    assert op.post("/v1/settlements", json={"through": "2027-05-31"}).status_code in (200, 201)
    assert op.get(f"{p}/wallet").json()["state"] == "arrears"
    assert me.get(f"{m}/wallet").json()["state"] == "arrears" and me.get(f"{m}/wallet").json()["balance"] == "0.00"
    ctx.clock = lambda: FIXED_NOW + timedelta(hours=25)
    hq, shop = op.get(f"{p}/wallet").json(), me.get(f"{m}/wallet").json()
    assert hq["state"] == shop["state"] == "suspended"
    assert shop["service_status"]["ai.pet"] == "suspended" and shop["service_status"]["ai.face"] == "active"  # a package covers it


def test_R32_the_audit_names_a_charge_paid_by_the_wrong_wallet(api, ctx):
    """A bill line marked as paid by another account than the payer of its day is named by the
    audit (``group_payer``), with the line, the day and both wallets."""
    import sqlalchemy as sa

    from packbill.services.audit import audit
    from packbill.storage import schema

    op, payer, member = group(api)
    m = f"/v1/accounts/{member['id']}"
    assert op.put(f"{m}/payer", json={"payer": payer["id"], "at": "2027-05-20T10:00:00+08:00"}).status_code == 200
    assert op.post(f"{m}/usage", json={"events": [{"event_id": "f1", "service": "ai.face", "quantity": 3000, "region": "ap-beijing",
                                                   "timestamp": "2027-05-20T10:00:00+08:00"}]}).status_code in (200, 202)
    assert op.post("/v1/settlements", json={"through": "2027-05-31"}).status_code in (200, 201)
    assert audit(ctx) == []
    with ctx.db.write() as conn:  # the 20th was the member's own day: say its payer paid it
        conn.execute(sa.update(schema.bill_lines).where(schema.bill_lines.c.account_id == member["id"]).values(paid_by=payer["id"]))
    found = {v.check: v.message for v in audit(ctx)}
    assert "group_payer" in found and "2027-05-20" in found["group_payer"] and payer["id"] in found["group_payer"]
    assert "payg_postings" in found  # and the payer's books hold no posting for it
    with ctx.db.write() as conn:
        conn.execute(sa.update(schema.bill_lines).where(schema.bill_lines.c.account_id == member["id"]).values(paid_by=None))
    assert audit(ctx) == []
