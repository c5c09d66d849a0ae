"""Issue 28, the command line over HTTP: the same commands run on the database (--db) and through
a real ``packbill serve`` with a key (--server/--token, or ``packbill login``) print the same,
on both databases; through the server the key's role applies and the audit trail names it."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta

from typer.testing import CliRunner

from packbill.client import Client
from packbill.domain.days import shanghai_day
from packbill.entry import app

from .conftest import OPERATOR


def run(args: list[str], env: dict) -> tuple[int, str]:
    """(exit status, what the command printed; a refusal's message when it failed)."""
    result = CliRunner().invoke(app, args, env={"COLUMNS": "160", **env})
    return result.exit_code, result.stdout if result.exit_code == 0 else result.output


def test_the_same_commands_print_the_same_on_the_database_and_through_a_server(server, db_url, tmp_path):
    env = {"PACKBILL_LOGIN_FILE": str(tmp_path / "login.json"), "PACKBILL_SERVER": "", "PACKBILL_TOKEN": ""}
    today = shanghai_day(datetime.now(UTC))
    first, second = today - timedelta(days=3), today - timedelta(days=2)
    with Client(server.url, OPERATOR) as admin:
        finance = admin.create_key("finance-bob", "finance")
        support = admin.create_key("support-sue", "support")
        account = admin.create_account("金龙餐饮 Both Ways", "cn", payment="balance")
        admin.topup(account.id, "300.00", "bank-both")
        admin.buy(account.id, "ai.face.100k")
        admin.grant_voucher(account.id, "20.00", today + timedelta(days=30))
        admin.send_usage(account.id, [{"event_id": f"e{i}", "service": "ai.plate", "quantity": 100, "region": "ap-beijing",
                                       "timestamp": f"{day}T12:00:00+08:00"} for i, day in enumerate((first, second))])
    local = ["--db", db_url]
    remote = ["--server", server.url, "--token", finance.token]
    # settling: one day on the database, the next through the server, said the same way
    assert run(["settle", "--through", str(first), *local], env) == (0, "settled 1 account-day(s), wrote 1 bill line(s)\n")
    assert run(["settle", "--through", str(second), *remote], env) == (0, "settled 1 account-day(s), wrote 1 bill line(s)\n")
    month = f"{first:%Y-%m}"
    for command in (["close", month], ["close", month, "--format", "json"],
                    ["revenue", "--from", str(first), "--to", str(today)],
                    ["revenue", "--from", str(first), "--to", str(today), "--format", "json"],
                    ["revenue", "--from", str(first), "--to", str(today), "--format", "csv", "--lang", "zh"],
                    ["wallet", "show", account.id], ["keys", "list"], ["trail", "--account", account.id, "--limit", "20"],
                    ["trail", "--account", account.id, "--format", "json"]):
        key = ["--server", server.url, "--token", OPERATOR] if command[0] == "keys" else remote  # keys are the admin's
        here, there = run([*command, *local], env), run([*command, *key], env)
        assert here[0] == there[0] == 0, (command, here, there)
        assert here[1] == there[1], command
        assert here[1].strip(), command
    shown = run(["wallet", "show", account.id, *remote], env)[1]
    assert "250.00" in shown and "used" in shown  # 300 - 50; the 2 × 100 plates at 0.10 paid by the 20.00 voucher
    assert json.loads(run(["close", month, "--format", "json", *remote], env)[1])["balanced"] is True
    more = (["accounts", "list"], ["accounts", "show", account.id], ["vouchers", "list", account.id],
            ["statements", "show", account.id, month], ["statements", "show", account.id, month, "--format", "json"],
            ["statements", "show", account.id, month, "--format", "csv", "--lang", "en"],
            ["invoices", "titles", account.id], ["invoices", "requests"], ["webhooks", "list"])
    for command in more:
        key = ["--server", server.url, "--token", OPERATOR] if command[0] in ("webhooks",) else remote
        here, there = run([*command, *local], env), run([*command, *key], env)
        assert here == there and here[0] == 0, (command, here, there)
    # changes both ways say the same, but for what is new (ids, tokens, references)
    for kind in ("usage", "topup", "title", "key"):
        said = []
        for n, way in enumerate((local, ["--server", server.url, "--token", OPERATOR])):
            if kind == "usage":
                file = tmp_path / f"usage{n}.csv"
                file.write_text("account_id,event_id,service,quantity,region,timestamp\n" + "".join(
                    f"{account.id},u{n}-{i},ai.plate,10,ap-beijing,{today}T0{i}:00:00+08:00\n" for i in range(3)), "utf-8")
                said.append(run(["usage", "import", str(file), *way], env))
            elif kind == "topup":
                said.append(run(["wallet", "topup", account.id, "1,000", "--reference", "bank-way", *way], env))  # the same reference twice
            elif kind == "title":
                said.append(run(["invoices", "title-add", account.id, "金龙餐饮管理有限公司", "91350100M000100Y43", *way], env))
            else:
                said.append(run(["keys", "create", f"auditor-{n}", "--role", "support", *way], env))
        masked = [(code, re.sub(r"(tit|key)_\w+|pbk?_[\w-]+|auditor-\d", "X", text)) for code, text in said]
        assert masked[0][0] == masked[1][0] == 0, (kind, said)
        if kind == "topup":  # the second time the same reference adds nothing
            assert said[0][1].startswith("topped up 1,000.00 CNY (bank-way)") and said[1][1].startswith("already recorded 1,000.00 CNY")
        else:
            assert masked[0] == masked[1], (kind, said)
    again = run(["usage", "import", str(tmp_path / "usage0.csv"), "--server", server.url, "--token", OPERATOR], env)
    assert again == (0, "3 rows: 0 events imported, 3 repeated event ids counted once\n")  # sent again: each event counts once (R14)
    refused = run(["usage", "import", str(tmp_path / "usage0.csv"), *remote], env)  # a finance key does not send usage
    assert refused[0] == 1 and "forbidden" in refused[1] and "nothing was imported" in refused[1]
    # packbill login keeps the server and the key: the commands use them without options
    code, said = run(["login", "--server", server.url, "--token", finance.token], env)
    assert code == 0 and "finance" in said and finance.id in said
    assert run(["close", month], env) == run(["close", month, *local], env)
    assert (tmp_path / "login.json").stat().st_mode & 0o777 == 0o600
    # the key's role applies, and the trail names the key, not the database's user
    code, said = run(["settle", "--through", str(second), "--server", server.url, "--token", support.token], env)
    assert code == 1 and "forbidden" in said
    records = json.loads(run(["trail", "--action", "settlement.run", "--format", "json", *local], env)[1])
    assert {r["actor"] for r in records} >= {finance.id, support.id} and any(r["actor"].startswith("os:") for r in records)
    bad = run(["close", month, "--server", server.url, "--token", "not-a-key"], env)
    assert bad[0] == 1 and "unauthorized" in bad[1] and "Traceback" not in bad[1]
    assert run(["logout"], env)[0] == 0 and not (tmp_path / "login.json").exists()
