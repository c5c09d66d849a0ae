"""``packbill audit`` (R21): clean on sound books, and red, naming the rows, on each kind of
deliberate corruption (in a throwaway database of each kind; the journal's append-only trigger
is dropped first where the corruption must edit the journal)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal as D
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from packbill import services
from packbill.cli import app as cli_app
from packbill.services import Context, audit
from packbill.storage.db import Database

SH = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def books(db_url, catalog):
    """A small but complete history: top-up, voucher, a package half drawn, pay-as-you-go
    inside and outside mainland China, a settlement."""
    now = [datetime(2025, 9, 1, 9, tzinfo=SH)]
    ctx = Context(Database(db_url), catalog, lambda: now[0])
    account, _ = services.create_account(ctx, "Audit 审计", "cn", payment="balance")
    services.topup(ctx, account.id, D("100"), "bank")
    services.grant_voucher(ctx, account.id, D("5"), date(2026, 12, 31))
    now[0] = datetime(2025, 9, 2, 10, tzinfo=SH)
    (package,) = services.buy(ctx, account.id, "ai.face.100k").packages
    now[0] = datetime(2025, 9, 3, 10, tzinfo=SH)
    services.ingest(ctx, account.id, [
        {"event_id": "a", "service": "ai.face", "quantity": 50_000, "region": "ap-beijing", "timestamp": "2025-09-02T12:00:00+08:00"},
        {"event_id": "b", "service": "ai.pet", "quantity": 3000, "region": "ap-singapore", "timestamp": "2025-09-02T12:00:00+08:00"},
    ])
    services.settle(ctx, date(2025, 9, 2))
    yield ctx, account.id, package.id
    ctx.close()


def corrupt(ctx: Context, *statements: str, unlock: bool = False) -> None:
    with ctx.db.write() as conn:
        if unlock:
            if conn.dialect.name == "postgresql":
                conn.execute(sa.text("DROP TRIGGER postings_append_only ON postings"))
            else:
                conn.execute(sa.text("DROP TRIGGER postings_no_update"))
        for s in statements:
            conn.execute(sa.text(s))


def checks(ctx: Context) -> set[str]:
    return {v.check for v in audit.audit(ctx)}


def test_sound_books_pass(books):
    ctx, _, _ = books
    assert audit.audit(ctx) == []


@pytest.mark.parametrize("kind, statements, unlock, expected", [
    ("an unbalanced posting", ["UPDATE postings SET amount_fen = amount_fen + 1 WHERE id = (SELECT min(id) FROM postings "
                               "WHERE ledger_account LIKE 'payg:%')"], True, {"entry_balances", "payg_postings"}),
    ("a wallet balance edited", ["UPDATE accounts SET cash_fen = cash_fen + 100"], False, {"cash"}),
    ("a voucher balance edited", ["UPDATE vouchers SET remaining_fen = remaining_fen + 1"], False, {"voucher"}),
    ("a package's remaining edited", ["UPDATE packages SET remaining = remaining - 7"], False, {"package_remaining"}),
    ("a draw removed", ["DELETE FROM draws"], False, {"package_remaining", "package_recognised"}),
    ("a bill line's amount edited", ["UPDATE bill_lines SET amount_fen = amount_fen + 5, cash_fen = cash_fen + 5 "
                                     "WHERE amount_fen > 0"], False, {"payg_postings"}),
    ("a line's payment parts edited", ["UPDATE bill_lines SET cash_fen = cash_fen + 1 WHERE amount_fen > 0"], False, {"line_payment"}),
    ("a day sum edited", ["UPDATE usage_daily SET mainland = mainland + 1, settled_mainland = settled_mainland + 1 "
                          "WHERE service = 'ai.face'"], False, {"usage_sums", "usage_billed", "usage_bounds"}),  # past the largest day
    ("an event lost", ["DELETE FROM usage_events WHERE event_id = 'b'"], False, {"usage_sums"}),
    ("the day limits' bound understated", ["UPDATE usage_bounds SET largest = 0"], False, {"usage_bounds"}),
    ("the day limits' bound counting what is not waiting", ["UPDATE usage_bounds SET unsummed = unsummed + 3 WHERE kind = 'calls'"],
     False, {"usage_bounds"}),
    ("usage marked settled but not", ["UPDATE usage_daily SET settled_other = 0 WHERE service = 'ai.pet'"], False,
     {"usage_settled", "usage_billed"}),
    ("recognition posted twice", ["INSERT INTO journal_entries (id, account_id, at_us, kind, ref) SELECT max(id) + 1, min(account_id), "
                                  "0, 'recognition', 'forged' FROM journal_entries",
                                  "INSERT INTO postings (account_id, entry_id, ledger_account, amount_fen) SELECT min(e.account_id), max(e.id), "
                                  "min(p.ledger_account), -100 FROM journal_entries e, postings p WHERE p.ledger_account LIKE 'deferred:%'",
                                  "INSERT INTO postings (account_id, entry_id, ledger_account, amount_fen) SELECT min(account_id), max(id), "
                                  "'revenue:ai.face', 100 FROM journal_entries"], False, {"package_recognised"}),
    ("a posting moved to another account", ["UPDATE postings SET account_id = 'elsewhere' WHERE id = (SELECT min(id) FROM postings)"],
     True, {"links", "entry_balances"}),
    ("a draw of a line that is not there", ["UPDATE draws SET line_id = line_id + 1000"], False, {"links"}),
    ("an invoice above what was paid", ["INSERT INTO invoices (account_id, number, amount_fen, at_us) SELECT id, '26112000000000000099', "
                                        "999999, 0 FROM accounts"], False, {"invoiced"}),
])
def test_each_corruption_is_named(books, kind, statements, unlock, expected):
    ctx, account_id, package_id = books
    corrupt(ctx, *statements, unlock=unlock)
    found = audit.audit(ctx)
    assert {v.check for v in found} == expected, kind
    assert all(v.message and v.row for v in found)


def test_the_command_exits_1_and_prints_the_rows(books, db_url):
    ctx, account_id, package_id = books
    runner = CliRunner()
    clean = runner.invoke(cli_app, ["audit", "--db", db_url])
    assert clean.exit_code == 0, clean.output
    assert "sound" in clean.output
    corrupt(ctx, "UPDATE packages SET remaining = remaining - 7")
    red = runner.invoke(cli_app, ["audit", "--db", db_url])
    assert red.exit_code == 1
    assert package_id in red.output and "package_remaining" in red.output
