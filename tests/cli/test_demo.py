"""`packbill demo` end to end: the month runs, its story happens, the report is written."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal

from typer.testing import CliRunner

from packbill import services
from packbill.demo.simulate import MONTH_START
from packbill.domain.catalog import load_catalog
from packbill.domain.days import SHANGHAI
from packbill.entry import app
from packbill.present import money
from packbill.services import Context, inbox, operators
from packbill.storage.db import Database


def test_demo_month(tmp_path):
    db = f"sqlite:///{tmp_path / 'demo.db'}"
    report = tmp_path / "report.html"
    result = CliRunner().invoke(app, ["demo", "--db", db, "--seed", "7", "--report", str(report)], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "with pay-as-you-go only" in result.output and str(report.resolve()) in result.output.replace("\n", "")

    ctx = Context(Database(db), load_catalog())
    account = services.list_accounts(ctx)[0]  # the first kitchen; the second pays through it (R32)
    lines = services.bills(ctx, account.id, MONTH_START, MONTH_START.replace(day=31))
    views = services.list_packages(ctx, account.id)
    # the second and third kitchen packages were bought by auto-rebuy at the mornings' settlements (R28)
    assert [v.package.sku for v in views] == ["ai.kitchen.100k", "ai.face.1m", "traffic.up.1tb", "ai.kitchen.100k", "ai.kitchen.100k"]
    assert "auto-rebuy (R28)" in result.output and "budget alerts (R30)" in result.output and "100 % on 2026-10-26" in flat_output(result)
    assert views[0].status.value == "exhausted"  # ran one out
    assert any(ln.supplement for ln in lines)  # late usage settled as a supplement
    traffic = [ln for ln in lines if ln.service == "traffic.up"]
    assert traffic and min(ln.day for ln in traffic).day == 16  # thawed the day after the switch
    assert any(ln.service == "bandwidth.up" and ln.day.day == 15 for ln in lines)
    kitchen_day_11 = [ln for ln in lines if ln.service == "ai.kitchen" and ln.day.day == 11 and not ln.supplement]
    assert kitchen_day_11 and kitchen_day_11[0].drawn  # the stacked package pays from its purchase day

    html = report.read_text("utf-8")
    # five usage charts and the cash balance over the month (R15)
    assert html.count("<svg") == 7 and "http://" not in html.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert "每天早上结算后的现金余额" in html and 'lang="zh-CN"' in html  # Chinese by default
    assert "ai.kitchen" not in html.split("<details>")[0] and "明厨亮灶资源包-10万次" in html  # packages named, not coded
    # the month's money: a top-up, a voucher used, a discount, a day in arrears and its lifting
    kinds = [e["kind"] for e in services.journal_entries(ctx, account.id)]
    assert kinds.count("topup") >= 2 and "voucher" in kinds
    wallet = services.wallet(ctx, account.id)
    assert wallet.vouchers[0].remaining < wallet.vouchers[0].amount
    assert any(ln.list_amount is not None and ln.amount < ln.list_amount for ln in lines if ln.day.day >= 8)
    events = [kind for kind, _, _ in services.wallet_events(ctx, account.id)]
    assert "arrears" in events and "arrears_lifted" in events and "low_balance" in events
    assert wallet.state.value == "normal"
    total = sum((ln.amount for ln in lines), Decimal(0))
    assert f"{total:.2f}" in html
    # SPEC section 8: the demo's October closes: its final statements bill what its revenue holds
    from packbill.services import books

    october = books.month_close(ctx, MONTH_START)
    assert october.final and october.balanced and sum(r.statements_payg for r in october.rows) == total
    assert "close of 2026-10" in result.output and "balanced" in result.output
    # the report adds the money up the same way, and the advice
    assert 'id=money' in html and october_number(ctx, account_id=views[0].package.account_id) in html
    assert f"可开票 {money(books.statement(ctx, views[0].package.account_id, MONTH_START).invoiceable)} 元" in html
    assert f"已平：账单按量计费 {money(total)} 元 = 按量计费收入 {money(total)} 元" in html
    assert "购买建议" in html and "id=advice" in html
    assert "金龙餐饮新街口店：本月由本账户钱包支付 250.00 元（现金 250.00 元）" in html  # R32, in the report too
    # R28, R29, R30: the rebuys (one refused for money until the 24th's top-up), the forecasts, the budget's alerts
    controls = html.split("id=controls")[1].split("</ul>")[0]
    assert controls.count("自动续购：已购买 1 个明厨亮灶资源包-10万次") == 2 and "余额不足" in controls
    assert "本月（2026-10）费用已达预算的 100%" in controls and "按近 30 天用量，预计" in html
    assert "人体识别本月（2026-10）按量费用已达上限 40.00 元" in controls and "明厨亮灶资源包合计余量已低于 20%" in controls
    # R33: October's invoice, requested and issued on 1 November for all that was invoiceable
    assert "发票已开具：发票号码 26112000000000000001，价税合计 2,135.94 元（金额 2,015.04 元，税额 120.90 元）。" in controls
    # R31: the price cut of the 20th: the second rebuy (the 25th) at 200.00 less 10 %, body calls from the 20th at 0.0015
    assert [v.package.price for v in views if v.package.sku == "ai.kitchen.100k"] == [Decimal("250.00"), Decimal("225.00"), Decimal("180.00")]
    body = [ln for ln in lines if ln.service == "ai.body" and not ln.supplement]
    assert {ln.day.day for ln in body} >= {19, 20}
    for ln in body:
        price = Decimal("0.0015") if ln.day.day >= 20 else Decimal("0.002")
        assert ln.list_amount == (ln.payg_quantity * price).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP), ln
    assert "v2 from 2026-10-20" in flat_output(result)
    assert "issued as 26112000000000000001" in flat_output(result)
    # R32: the second kitchen pays through the first from the 2nd: its package, the first's wallet and statement
    branch = services.list_accounts(ctx)[1]
    assert "新街口店" in branch.name and [m.id for m in services.members(ctx, account.id)] == [branch.id]
    assert [v.package.sku for v in services.list_packages(ctx, branch.id)] == ["ai.kitchen.100k"]
    hq = books.statement(ctx, account.id, MONTH_START)
    (row,) = hq.group
    assert (row.account_id, row.role, row.total, row.purchases_cash) == (branch.id, "member", Decimal("250.00"), Decimal("250.00"))
    mine = books.statement(ctx, branch.id, MONTH_START)
    assert mine.group[0].account_id == account.id and mine.closing_balance == 0 and not mine.payg
    for s in (hq, mine):
        assert s.closing_balance == (s.opening_balance + s.topups + s.adjustments - s.purchases.cash + s.refunds.cash - s.payg_cash
                                     + s.group_cash)
    assert f"paid through {account.name} from 2026-10-02" in flat_output(result)
    # traffic billing first (issue 22): the month's traffic costs less by daily peak bandwidth even with packages
    assert "id=switch-first" in html and "上行流量资源包" not in html.split("id=advice")[1].split("</table>")[0]
    assert "switch traffic billing to daily peak bandwidth" in flat_output(result)
    # how to open the console on it without settling anything new, and a token that signs in
    flat = result.output.replace("\n", "")
    assert "--no-schedule" in flat and f"--db {db}" in flat
    token = re.search(r"customer's token (\S+)", flat).group(1)
    assert operators.authenticate(ctx, token, None).account_id == views[0].package.account_id
    # the reminders were raised on their days, as a running server's schedule would have: none dated after the month's last morning
    events = inbox.events(ctx, account_id=views[0].package.account_id)
    assert any(e.type == "reminder.exhausted" for e in events)
    assert max(e.at for e in events).astimezone(SHANGHAI).date().isoformat() == "2026-11-01"
    ctx.close()


def flat_output(result) -> str:
    return result.output.replace("\n", "")


def october_number(ctx, account_id: str) -> str:
    from packbill.services import books

    number = books.statement(ctx, account_id, MONTH_START).number
    assert number
    return number


def test_demo_is_deterministic(tmp_path):
    outputs = []
    for n in range(2):
        db = f"sqlite:///{tmp_path / f'demo{n}.db'}"
        CliRunner().invoke(app, ["demo", "--db", db, "--seed", "3", "--report", str(tmp_path / f"r{n}.html")])
        ctx = Context(Database(db), load_catalog())
        account = services.list_accounts(ctx)[0]  # the first kitchen; the second pays through it (R32)
        lines = services.bills(ctx, account.id, MONTH_START, MONTH_START.replace(day=31))
        outputs.append([(ln.day, ln.service, ln.quantity, [d.quantity for d in ln.drawn], ln.payg_quantity, ln.amount) for ln in lines])
        ctx.close()
    assert outputs[0] == outputs[1]


def test_demo_report_in_english_on_request(tmp_path):
    report = tmp_path / "report-en.html"
    result = CliRunner().invoke(app, ["demo", "--db", f"sqlite:///{tmp_path / 'en.db'}", "--report", str(report), "--lang", "en"])
    assert result.exit_code == 0, result.output
    html = report.read_text("utf-8")
    assert "Cash balance after each morning" in html and 'lang="en"' in html and "每天早上" not in html
    bad = CliRunner().invoke(app, ["demo", "--db", f"sqlite:///{tmp_path / 'x.db'}", "--lang", "fr"])
    assert bad.exit_code == 1 and "Traceback" not in bad.output
