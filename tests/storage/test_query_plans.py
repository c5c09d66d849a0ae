"""Per-account tables are keyed by (account_id, id): a statement that names a package or a voucher
by its id alone reads every row of the table. Settlement updated each package it drew from that
way: at 40,000 packages and 30,000 draws a run, over a billion rows read. Every statement a day's
work runs (buying, paying with vouchers, ingesting, settling, refunding) is planned here by
SQLite itself, and none may scan a per-account table whole."""

from __future__ import annotations

import sqlite3
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import event

from packbill import services
from packbill.domain.catalog import load_catalog
from packbill.services import Context
from packbill.storage.db import Database
from tests.conftest import FIXED_NOW

PER_ACCOUNT = ("packages", "vouchers", "package_vouchers", "orders", "bill_lines", "draws", "usage_daily", "usage_windows", "statements",
               "journal_entries", "postings")


def test_no_statement_of_a_days_work_reads_a_per_account_table_whole(tmp_path):
    ctx = Context(Database(f"sqlite:///{tmp_path / 'plans.db'}"), load_catalog(), lambda: FIXED_NOW)
    bought = FIXED_NOW - timedelta(days=3)
    accounts = []
    for n in range(3):  # more than one account, so that a scan has others' rows to read
        account, _ = services.create_account(ctx, f"A{n}", "cn", at=bought - timedelta(days=1))
        services.topup(ctx, account.id, Decimal("500"), f"r{n}", at=bought - timedelta(days=1))
        services.grant_voucher(ctx, account.id, Decimal("200"), date(2028, 1, 1), at=bought - timedelta(days=1))
        services.buy(ctx, account.id, "ai.face.100k", 2, bought)
        accounts.append(account.id)
    statements: list[str] = []

    @event.listens_for(ctx.db.engine, "connect")
    def _traced(dbapi_connection, _record):  # every connection of the engine reports what it runs
        dbapi_connection.set_trace_callback(statements.append)

    ctx.db.engine.dispose()  # new connections from here on, each traced
    for n, account_id in enumerate(accounts):  # the first keeps a package whole (to refund); the others pay as they go, from vouchers
        events = [{"event_id": f"e{n}-{i}", "service": "ai.face", "quantity": (30_000 if n == 0 else 80_000) + i, "region": "ap-beijing",
                   "timestamp": (bought + timedelta(hours=2 + i)).isoformat()} for i in range(3)]
        services.ingest(ctx, account_id, events)
    services.settle(ctx, (FIXED_NOW - timedelta(days=1)).date())
    package = next(p.package.id for p in services.list_packages(ctx, accounts[0]) if p.remaining == p.package.size)
    services.refund(ctx, accounts[0], package)
    raw = sqlite3.connect(tmp_path / "plans.db")
    scans = set()
    for sql in statements:
        if not sql.lstrip().upper().startswith(("SELECT", "UPDATE", "DELETE", "INSERT")) or "sqlite_" in sql:
            continue
        try:
            plan = raw.execute(f"EXPLAIN QUERY PLAN {sql}").fetchall()
        except sqlite3.Error:
            continue  # a statement of a temporary table or of an attached stage
        scans |= {(detail, " ".join(sql.split())[:160]) for *_, detail in plan
                  if any(detail in (f"SCAN {table}", f"SCAN {table} USING COVERING INDEX") for table in PER_ACCOUNT)}
    ctx.close()
    assert any(sql.startswith("UPDATE vouchers") for sql in statements)  # the trace saw the day's work, vouchers paying too
    assert scans == set(), "\n".join(f"{d}: {s}" for d, s in sorted(scans))
