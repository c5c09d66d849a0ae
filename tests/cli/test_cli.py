"""The command line against both databases: the operator's daily work."""

from __future__ import annotations

import json
import re

import pytest
from typer.testing import CliRunner

from packbill.entry import app  # the packbill command: the CLI and the demo

runner = CliRunner()


@pytest.fixture(autouse=True)
def _initialised(request):
    """Each test's database is made first, as a new user does with ``packbill init``."""
    if "db_url" in request.fixturenames:
        db_url = request.getfixturevalue("db_url")
        result = runner.invoke(app, ["init", "--db", db_url], env={"COLUMNS": "200"})
        assert result.exit_code == 0 and "the database is ready" in result.output, result.output


def run(db_url, *args, ok=True):
    result = runner.invoke(app, [*args, "--db", db_url], env={"COLUMNS": "200"})
    if ok:
        assert result.exit_code == 0, result.output
    return result


def new_account(db_url, name="Acme", site="cn"):
    out = run(db_url, "accounts", "create", name, "--site", site).output
    return re.search(r"account (acc_\w+)", out).group(1)


def test_help_lists_every_command():
    out = runner.invoke(app, ["--help"], env={"COLUMNS": "200"}).output
    for cmd in ("serve", "demo", "catalog", "accounts", "packages", "usage", "settle", "bills", "reminders"):
        assert cmd in out
    for group, subs in {"accounts": ("create", "list", "show"), "packages": ("buy", "list", "refund"), "usage": ("import",)}.items():
        sub_out = runner.invoke(app, [group, "--help"], env={"COLUMNS": "200"}).output
        assert all(s in sub_out for s in subs)


def test_catalog_show():
    out = runner.invoke(app, ["catalog", "show"], env={"COLUMNS": "200"}).output
    assert "ai.plate.10m" in out and "410,000.00" in out and "traffic.down.100tb" in out  # money as people read it
    data = json.loads(runner.invoke(app, ["catalog", "show", "--format", "json"]).output)
    assert len(data["packages"]) == 34


def test_catalog_json_is_the_apis_catalog(db_url):
    """`catalog show --format json` prints exactly what GET /v1/catalog answers (the catalog file
    alone when there is no database, the version in force when there is one)."""
    from fastapi.testclient import TestClient

    from packbill.domain.catalog import load_catalog
    from packbill.server import create_app
    from packbill.services import Context
    from packbill.storage.db import Database

    cli = json.loads(runner.invoke(app, ["catalog", "show", "--format", "json"]).output)
    assert json.loads(runner.invoke(app, ["catalog", "show", "--format", "json", "--db", db_url]).output) == cli
    ctx = Context(Database(db_url), load_catalog())
    with TestClient(create_app(ctx, "op-token", console=False)) as client:
        api = client.get("/v1/catalog", headers={"Authorization": "Bearer op-token"}).json()
    ctx.close()
    assert cli == api


def test_operator_day(db_url, tmp_path):
    acme = new_account(db_url)
    assert acme in run(db_url, "accounts", "list").output
    out = run(db_url, "packages", "buy", acme, "ai.face.100k", "--count", "2", "--at", "2026-09-01T09:00:00+08:00").output
    assert "amount: 100.00 CNY" in out
    first_pkg = re.findall(r"bought (pkg_\w+)", out)[0]

    csv_file = tmp_path / "usage.csv"
    csv_file.write_text(
        "account_id,event_id,service,quantity,region,timestamp\n"
        f"{acme},e1,ai.face,150000,ap-beijing,2026-09-02T10:00:00+08:00\n"
        f"{acme},e2,ai.face,60000,ap-beijing,2026-09-02T11:00:00+08:00\n"
        f"{acme},e1,ai.face,150000,ap-beijing,2026-09-02T10:00:00+08:00\n"
        f"{acme},e3,ai.face,1000,ap-tokyo,2026-09-02T11:00:00+08:00\n"
    )
    out = run(db_url, "usage", "import", str(csv_file)).output
    assert "3 events imported, 1 repeated event id counted once" in out
    jsonl = tmp_path / "late.jsonl"
    jsonl.write_text(json.dumps({"account_id": acme, "event_id": "e4", "service": "traffic.up", "quantity": 30_000_000,
                                 "region": "ap-beijing", "timestamp": "2026-09-02T10:00:00+08:00"}) + "\n")
    assert "1 row: 1 event imported, 0 repeated event ids counted once" in run(db_url, "usage", "import", str(jsonl)).output
    assert "settled 1 account-day(s), wrote 2 bill line(s)" in run(db_url, "settle", "--through", "2026-09-02").output

    data = json.loads(run(db_url, "bills", "show", acme, "--from", "2026-09-01", "--to", "2026-09-30", "--format", "json").output)
    face = next(ln for ln in data["lines"] if ln["service"] == "ai.face")
    assert face["quantity"] == 211_000 and face["payg_quantity"] == 11_000 and face["amount"] == "5.50"
    assert data["total"] == "5.78"  # 5.50 + 0.8 Mbps x 0.35 = 0.28
    csv_out = run(db_url, "bills", "show", acme, "--from", "2026-09-01", "--to", "2026-09-30", "--format", "csv", "--lang", "en").output
    header, *rows = csv_out.splitlines()
    assert header == "Day,Service,Region,Quantity,Unit,Paid from,Package id,List amount,Contracted amount,Voucher,Cash,Supplement"
    face_rows = [r for r in rows if ",Face detection," in r]
    # a row per package drawn, then the pay-as-you-go part with its amounts
    assert [r.split(",")[3] for r in face_rows] == ["100000", "100000", "11000"]
    assert face_rows[-1].split(",")[5:9] == ["Pay-as-you-go", "", "5.50", "5.50"]
    assert "用量" in run(db_url, "bills", "show", acme, "--from", "2026-09-01", "--to", "2026-09-30", "--format", "csv").output  # zh by default
    table = run(db_url, "bills", "show", acme, "--from", "2026-09-01", "--to", "2026-09-30").output
    assert "5.78" in table and first_pkg in table

    listed = run(db_url, "packages", "list", acme, "--as-of", "2026-09-03T00:00:00+08:00").output
    assert listed.count("exhausted") == 2 and "active" not in listed
    assert "exhausted" in run(db_url, "reminders", acme, "--as-of", "2026-09-03T00:00:00+08:00").output
    refused = run(db_url, "packages", "refund", acme, first_pkg, "--at", "2026-09-03T09:00:00+08:00", ok=False)
    assert refused.exit_code == 1 and "already paid for usage" in refused.output
    out = run(db_url, "accounts", "traffic-billing", acme, "traffic").output
    assert "traffic billed by traffic from" in out
    assert "switching to traffic" in run(db_url, "accounts", "show", acme).output


def test_bad_import_file_imports_nothing(db_url, tmp_path):
    acme = new_account(db_url)
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "account_id,event_id,service,quantity,region,timestamp\n"
        f"{acme},ok1,ai.face,5,ap-beijing,2026-09-02T10:00:00+08:00\n"
        f"{acme},b1,ai.face,-5,ap-beijing,2026-09-02T10:00:00+08:00\n"
        f"{acme},b2,ai.face,5,ap-beijing,2026-09-02T10:00:00\n"
        f"acc_nobody,b3,ai.face,5,ap-beijing,2026-09-02T10:00:00+08:00\n"
        f"{acme},b4,ai.face,5,moon,2026-09-02T10:00:00+08:00\n"
        f"{acme},ok2,ai.face,5,ap-beijing,2026-09-02T10:00:00+08:00\n"
    )
    result = run(db_url, "usage", "import", str(bad), ok=False)
    assert result.exit_code == 1
    for line, reason in ((3, "quantity"), (4, "UTC offset"), (5, "unknown account"), (6, "unknown region")):
        assert re.search(rf"bad\.csv:{line}: .*{reason}", result.output), result.output
    assert "nothing was imported" in result.output
    run(db_url, "settle", "--through", "2026-09-02")
    assert json.loads(run(db_url, "bills", "show", acme, "--from", "2026-09-01", "--to", "2026-09-30", "--format", "json").output)["lines"] == []


def test_bad_jsonl_line_is_reported(db_url, tmp_path):
    acme = new_account(db_url)
    bad = tmp_path / "bad.jsonl"
    good = {"account_id": acme, "event_id": "x", "service": "ai.face", "quantity": 1, "region": "ap-beijing",
            "timestamp": "2026-09-02T10:00:00+08:00"}
    bad.write_text(json.dumps(good) + "\n{oops\n" + json.dumps({**good, "event_id": "y", "quantity": 1.5}) + "\n")
    result = run(db_url, "usage", "import", str(bad), ok=False)
    assert "bad.jsonl:2: not a JSON object" in result.output and "bad.jsonl:3: quantity must be an integer" in result.output


def test_intl_account_refused_at_purchase(db_url):
    overseas = new_account(db_url, "Overseas", "intl")
    result = run(db_url, "packages", "buy", overseas, "ai.face.100k", ok=False)
    assert result.exit_code == 1 and "China site" in result.output
    assert "pkg_" not in run(db_url, "packages", "list", overseas).output


def test_settle_refuses_a_day_not_ended(db_url):
    from datetime import datetime, timedelta, timezone

    tomorrow = (datetime.now(timezone(timedelta(hours=8))) + timedelta(days=1)).date()
    result = run(db_url, "settle", "--through", str(tomorrow), ok=False)
    assert result.exit_code == 1 and "has not ended" in result.output


@pytest.mark.parametrize("args", [["bills", "show", "acc_x", "--from", "2026-01-01", "--to", "2026-01-31"], ["reminders", "acc_x"],
                                  ["packages", "list", "acc_x"], ["accounts", "show", "acc_x"]])
def test_unknown_account_is_a_clear_error(db_url, args):
    result = run(db_url, *args, ok=False)
    assert result.exit_code == 1 and "no account acc_x" in result.output


def test_every_command_uses_the_operators_catalog(db_url, tmp_path, monkeypatch):
    from packbill.domain.catalog import default_catalog_text

    mine = tmp_path / "catalog.toml"
    mine.write_text(default_catalog_text().replace('price = "0.0005"', 'price = "0.01"'), "utf-8")
    monkeypatch.setenv("PACKBILL_CATALOG", str(mine))
    acme = new_account(db_url)
    usage = tmp_path / "u.jsonl"
    usage.write_text(json.dumps({"account_id": acme, "event_id": "e", "service": "ai.face", "quantity": 100,
                                 "region": "ap-beijing", "timestamp": "2026-09-02T10:00:00+08:00"}) + "\n")
    run(db_url, "usage", "import", str(usage))
    run(db_url, "settle", "--through", "2026-09-02")
    data = json.loads(run(db_url, "bills", "show", acme, "--from", "2026-09-01", "--to", "2026-09-30", "--format", "json").output)
    assert data["total"] == "1.00"  # 100 calls x 0.01 from the operator's catalog, not 0.0005


def test_the_import_progress_bar_renders_before_the_number_of_events_is_known():
    """Issue 27: the storing bar was shown with no total yet, and its text column raised a
    TypeError in the bar's refresh thread (a traceback on screen, exit status 0)."""
    from rich.console import Console
    from rich.progress import Progress

    from packbill.cli.common import Count as _Count

    with Progress(_Count(), console=Console(file=open("/dev/null", "w"), force_terminal=True)) as bar:
        task = bar.add_task("storing", total=None)
        bar.update(task, advance=1_234)
        assert str(_Count().render(bar.tasks[0])) == "1,234/?"
        bar.update(task, total=5_000)
        assert str(_Count().render(bar.tasks[0])) == "1,234/5,000"


def test_importing_from_a_pipe_is_refused_in_one_sentence(tmp_path):
    import subprocess
    import sys

    db = f"sqlite:///{tmp_path / 'p.db'}"
    subprocess.run([sys.executable, "-m", "packbill", "init", "--db", db], check=True, capture_output=True)
    done = subprocess.run([sys.executable, "-m", "packbill", "usage", "import", "/dev/stdin", "--db", db], input="x\n",
                          capture_output=True, text=True)
    assert done.returncode == 1 and "not a regular file" in done.stderr and "Traceback" not in done.stderr


def test_the_settlement_progress_counts_accounts(db_url):
    """Issue 21: the bar said 500/500 for 4 accounts (chunks times their nominal size) and 0/None
    before it knew; it counts the accounts a run settles."""
    from datetime import date

    from packbill import services
    from packbill.domain.catalog import load_catalog
    from packbill.services import Context, settlement
    from packbill.storage.db import Database

    ids = [new_account(db_url, f"Acct {n}") for n in range(4)]
    ctx = Context(Database(db_url), load_catalog())
    seen: list[tuple[int, int]] = []
    try:
        for n, account_id in enumerate(ids):  # four accounts with usage to settle (one chunk of up to 500)
            services.ingest(ctx, account_id, [{"event_id": f"p{n}", "service": "ai.face", "quantity": 10, "region": "ap-beijing",
                                               "timestamp": "2026-11-01T10:00:00+08:00"}])
        settlement.settle(ctx, date(2026, 11, 1), progress=lambda done, total: seen.append((done, total)))
    finally:
        ctx.close()
    assert seen[0] == (0, 4) and seen[-1] == (4, 4) and all(total == 4 for _, total in seen)
    out = run(db_url, "settle", "--through", "2026-11-02").output
    assert "None" not in out and "500" not in out


def test_help_groups_the_commands_by_who_uses_them_in_whole_sentences():
    """Issue 21: ``--help`` lists the customers' commands, the money, the books and the operations
    apart (no catch-all "Commands" panel), and every help text is a sentence, shown whole."""
    import typer.main

    from packbill.cli.main import PANELS

    out = runner.invoke(app, ["--help"], env={"COLUMNS": "200"}).output
    panels = [title for title in PANELS if f"─ {title} " in out]
    assert panels == list(PANELS) and "─ Commands " not in out
    assert out.index("─ Customers and their packages ") < out.index("─ Money ") < out.index("─ Books and finance ") < out.index("─ Operations ")
    root = typer.main.get_command(app)
    listed = set(root.commands)
    assert listed == {name for names in PANELS.values() for name in names}, "every command is in one panel"

    def sentences(command, path: str) -> list[str]:
        bad = []
        first = (command.help or "").strip().split("\n\n")[0]
        if not first or not first[0].isupper() or not first.endswith("."):
            bad.append(f"{path}: {first!r}")
        for param in command.params:
            text = re.sub(r"\s*\\?\[default:.*\]$", "", getattr(param, "help", None) or "").strip()
            if getattr(param, "help", None) is not None and not (text[:1].isupper() and text.endswith(".")):
                bad.append(f"{path} {param.name}: {text!r}")
            if re.search(r"(?<!\\)\[", text):  # Rich reads an unescaped [...] as markup and drops it from the help
                bad.append(f"{path} {param.name}: unescaped [ in {text!r}")
        for name, sub in getattr(command, "commands", {}).items():
            bad += sentences(sub, f"{path} {name}")
        return bad

    assert sentences(root, "packbill") == []


def test_webhooks_have_commands(db_url):
    account = new_account(db_url, "Hooked")
    out = run(db_url, "webhooks", "add", "https://hooks.example.com/packbill", "--account", account, "--event", "package.bought").output
    webhook_id = re.search(r"webhook (wh_\w+|\S+) sends", out).group(1)
    assert "package.bought" in out and "whsec_" in out
    listed = run(db_url, "webhooks", "list").output
    assert webhook_id in listed and "active" in listed
    assert "Nothing was sent" in run(db_url, "webhooks", "deliveries", webhook_id).output
    bad = run(db_url, "webhooks", "add", "https://hooks.example.com/x", "--event", "no.such", ok=False)
    assert bad.exit_code == 1 and "Traceback" not in bad.output and "unknown: no.such" in bad.output
    assert run(db_url, "webhooks", "resend", webhook_id, "7", ok=False).exit_code == 1
    assert "removed" in run(db_url, "webhooks", "remove", webhook_id).output
    assert "No webhook endpoints yet" in run(db_url, "webhooks", "list").output
    trail = run(db_url, "trail", "--action", "webhook.create").output
    assert webhook_id in trail


def test_packages_list_says_when_each_runs_out_or_what_it_forfeits_and_alerts_are_set_per_service(db_url, tmp_path):
    """R29 on the command line: a 1m face package bought today at 1,000 face calls a day (the last
    30 days) draws 364,000 by its last day and forfeits 636,000 (318.00); the package alert of a
    service is set and listed; a careless percent is refused in one line."""
    from datetime import datetime, timedelta

    from packbill.domain.days import SHANGHAI

    account = new_account(db_url, "Forecast Co")
    run(db_url, "packages", "buy", account, "ai.face.1m")
    now = datetime.now(SHANGHAI)
    events = [{"account_id": account, "event_id": f"c{i}", "service": "ai.face", "quantity": 1_000, "region": "ap-beijing",
               "timestamp": (now - timedelta(days=i)).replace(hour=3).isoformat()} for i in range(1, 31)]
    path = tmp_path / "usage.jsonl"
    path.write_text("\n".join(json.dumps(e) for e in events), encoding="utf-8")
    run(db_url, "usage", "import", str(path))
    listed = run(db_url, "packages", "list", account).output
    assert "at the last 30 days' rate" in listed and "forfeits about 636,000 calls (318.00 CNY)" in listed
    assert "at the last 30 days' rate" not in run(db_url, "packages", "list", account, "--as-of", now.isoformat()).output
    assert "Face detection package alert below 15%" in run(db_url, "package-alert", "set", account, "ai.face", "15").output
    alerts = run(db_url, "package-alert", "list", account).output
    assert "15%" in alerts and "20% (default)" in alerts and "100.0%" in alerts
    bad = run(db_url, "package-alert", "set", account, "ai.face", "150", ok=False)
    assert bad.exit_code == 1 and "Traceback" not in bad.output and "1 to 99" in bad.output


def test_auto_rebuy_and_budget_on_the_command_line(db_url, tmp_path):
    """R28 and R30 on the command line: a rule set and listed, the used-up package bought again by
    the settlement (the rule's month shows what it spent), turned off; a budget and a cap set and
    shown, the service capped in the wallet; careless input refused in one line."""
    from datetime import datetime, timedelta

    from packbill.domain.days import SHANGHAI

    account = new_account(db_url, "Rebuy Co")
    now = datetime.now(SHANGHAI)
    run(db_url, "packages", "buy", account, "ai.pet.100k", "--at", (now - timedelta(days=3)).isoformat())
    assert "auto-rebuy of Pet recognition on" in run(db_url, "auto-rebuy", "set", account, "ai.pet", "ai.pet.100k",
                                                     "--monthly-cap", "1,000").output
    events = [{"account_id": account, "event_id": f"r{i}", "service": "ai.pet", "quantity": 12_000, "region": "ap-beijing",
               "timestamp": (now - timedelta(days=1)).replace(hour=3, minute=i).isoformat()} for i in range(10)]
    path = tmp_path / "usage.jsonl"
    path.write_text("\n".join(json.dumps(e) for e in events), encoding="utf-8")
    run(db_url, "usage", "import", str(path))
    run(db_url, "settle", "--through", (now - timedelta(days=1)).date().isoformat())
    assert run(db_url, "packages", "list", account).output.count("Pet recognition, 100,000 calls") == 2
    listed = run(db_url, "auto-rebuy", "list", account).output
    assert "Pet recognition" in listed and "used up" in listed and "1,000.00" in listed and "250.00" in listed
    assert "turned off" in run(db_url, "auto-rebuy", "off", account, "ai.pet").output
    assert "off for every service" in run(db_url, "auto-rebuy", "list", account).output
    assert "monthly budget 2,000.00 CNY" in run(db_url, "budget", "set", account, "2000").output
    # today's 20,000 face calls (10.00, estimated) reach a 10.00 cap; pets keep running on the rebought package
    today = [{"account_id": account, "event_id": "f1", "service": "ai.face", "quantity": 20_000, "region": "ap-beijing",
              "timestamp": (now - timedelta(seconds=5)).isoformat()}]
    path.write_text(json.dumps(today[0]), encoding="utf-8")
    run(db_url, "usage", "import", str(path))
    assert "(capped now)" in run(db_url, "budget", "cap", account, "ai.face", "10").output
    assert "(capped now)" not in run(db_url, "budget", "cap", account, "ai.pet", "1").output
    shown = run(db_url, "budget", "show", account).output
    assert "2,000.00" in shown and "capped" in shown
    assert "capped services" in run(db_url, "wallet", "show", account).output
    for args, words in ((("budget", "cap", account, "ai.pets", "10"), "unknown service"),
                        (("budget", "set", account, "lots"), "monthly amount"),
                        (("auto-rebuy", "set", account, "ai.pet", "ai.face.1m", "--monthly-cap", "10"), "not of ai.pet")):
        bad = run(db_url, *args, ok=False)
        assert bad.exit_code == 1 and "Traceback" not in bad.output and words in bad.output, bad.output


def test_invoice_titles_requests_issue_and_export_on_the_command_line(db_url, tmp_path):
    """R33 on the command line: a title (a mistyped code refused in one line), a request split at
    6 %, listed, issued with its 20 digits, the issued ones exported as XLSX and read back."""
    from openpyxl import load_workbook

    account = new_account(db_url, "Invoice Co")
    run(db_url, "wallet", "topup", account, "3000", "--reference", "bank-1")
    run(db_url, "packages", "buy", account, "ai.pet.1m")
    bad = run(db_url, "invoices", "title-add", account, "金龙餐饮有限公司", "91350100M000100Y44", ok=False)
    assert bad.exit_code == 1 and "Traceback" not in bad.output and "check character is wrong" in bad.output
    added = run(db_url, "invoices", "title-add", account, "金龙餐饮有限公司", "91350100M000100Y43").output
    title = re.search(r"(tit_\w+)", added).group(1)
    assert "金龙餐饮有限公司" in run(db_url, "invoices", "titles", account).output
    made = run(db_url, "invoices", "request", account, title, "1,000").output
    assert "1,000.00 CNY (943.40 net + 56.60 tax at 6 %), pending" in made
    request_id = re.search(r"(ivr_\w+)", made).group(1)
    assert "20 digits" in run(db_url, "invoices", "issue", request_id, "123", ok=False).output
    assert "issued as 26112000000000000001" in run(db_url, "invoices", "issue", request_id, "26112000000000000001").output
    assert "issued" in run(db_url, "invoices", "requests", account).output
    path = tmp_path / "issued.xlsx"
    assert "1 issued request(s)" in run(db_url, "invoices", "export", str(path), "--status", "issued").output
    rows = list(load_workbook(path).active.iter_rows(values_only=True))
    assert rows[1][3:5] == ("金龙餐饮有限公司", "91350100M000100Y43") and rows[1][11] == 1000.0
    assert "1,200.00" in run(db_url, "invoices", "list", account).output


def test_R32_the_operator_sets_a_payer_and_lists_its_members(db_url):
    hq, shop = new_account(db_url, "集团总部"), new_account(db_url, "金龙餐饮二店")
    out = run(db_url, "accounts", "payer", shop, hq, "--at", "2026-09-01T10:00:00+08:00").output
    assert f"{shop}: paid for by {hq} from 2026-09-02" in out
    listed = run(db_url, "accounts", "members", hq).output
    assert shop in listed and "金龙餐饮二店" in listed and "2026-09-02" in listed
    refused = run(db_url, "accounts", "payer", hq, shop, ok=False)
    assert refused.exit_code == 1 and "one level of group accounts" in refused.output and "Traceback" not in refused.output
    assert "paid for by itself" in run(db_url, "accounts", "payer", shop, "none").output
    assert "pays for no other account" in run(db_url, "accounts", "members", hq).output


@pytest.mark.parametrize("suffix", [".jsonl", ".ndjson", ".json"])
def test_a_json_lines_file_is_read_the_same_through_a_server_whatever_its_suffix(tmp_path, suffix):
    """Through a server the CLI reads the file itself: the same suffixes are JSON Lines as for an
    import into the database (a .ndjson file was read as CSV, and refused for a missing account_id)."""
    from packbill.cli.usage import _records

    path = tmp_path / f"usage{suffix}"
    path.write_text('{"account_id": "acc_a", "event_id": "e1"}\n\n{"account_id": "acc_b", "event_id": "e2"}\n', encoding="utf-8")
    assert list(_records(path)) == [(1, {"account_id": "acc_a", "event_id": "e1"}), (3, {"account_id": "acc_b", "event_id": "e2"})]


def test_every_command_that_writes_for_people_refuses_a_language_it_does_not_speak(db_url):
    """``reminders`` and ``advise`` wrote English for --lang fr; the file commands refused it, each
    with its own copy of the check. Now one option does, before the command runs."""
    account = new_account(db_url)
    for args in (["reminders", account], ["advise", account], ["bills", "show", account, "--from", "2027-01-01", "--to", "2027-01-02"],
                 ["statements", "show", account, "2027-01"], ["revenue", "--from", "2027-01-01", "--to", "2027-01-02"]):
        result = run(db_url, *args, "--lang", "fr", ok=False)
        assert result.exit_code == 1 and "--lang is zh or en, not 'fr'" in result.output, (args, result.output)
    assert "您" in run(db_url, "reminders", account, "--lang", "zh").output or "no reminders" in run(db_url, "reminders", account).output


def test_a_mistyped_day_is_said_before_any_progress_bar_is_drawn(db_url):
    result = run(db_url, "settle", "--through", "tomorrow", ok=False)
    assert result.exit_code == 1 and "--through must be a day written YYYY-MM-DD" in result.output
    assert "settling accounts" not in result.output
