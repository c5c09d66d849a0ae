"""Archiving a closed month of raw usage (R23): the events go to a compressed Parquet file and
leave the database; the month's bills, statement, daily usage and the books' audit are
unchanged; the export still reads them; a retry of one is refused as too late; a restore puts
them back."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date, timedelta
from decimal import Decimal

import pyarrow.parquet as pq
import pytest
import sqlalchemy as sa

from packbill import services
from packbill.domain.errors import BillingError, InvalidRequest, InvalidUsage
from packbill.services import archive, books
from packbill.storage import partitions
from packbill.storage import schema as t
from tests.conftest import FIXED_NOW

MARCH = date(2027, 3, 1)


def march_event(i: int) -> dict:
    return {"event_id": f"m-{i}", "service": ("ai.face", "traffic.up")[i % 2], "quantity": 1000 + i,
            "region": ("ap-beijing", "ap-hongkong")[i % 5 == 0], "timestamp": f"2027-03-{1 + i % 28:02d}T10:{i % 60:02d}:00+08:00"}


def count_events(ctx) -> int:
    with ctx.db.read() as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(t.usage_events)).scalar_one()


def test_an_archived_month_keeps_its_bills_statement_and_audit(ctx, db_url, tmp_path):
    account, _ = services.create_account(ctx, "Archive Co", "cn", payment="balance")
    a = account.id
    services.topup(ctx, a, Decimal("500"), "r1", FIXED_NOW - timedelta(days=100))
    services.buy(ctx, a, "ai.face.100k", 1, FIXED_NOW - timedelta(days=95))
    services.ingest(ctx, a, [march_event(i) for i in range(300)])
    services.ingest(ctx, a, [{**march_event(1000), "timestamp": "2027-05-20T10:00:00+08:00"}])  # a later month stays
    services.settle(ctx, date(2027, 5, 31))
    before = (services.bills(ctx, a, MARCH, date(2027, 3, 31)), books.statement(ctx, a, MARCH),
              services.daily_usage(ctx, a, MARCH, date(2027, 3, 31)))

    # refused while the month can still change: no horizon; a horizon that does not pass it
    with pytest.raises(InvalidRequest, match="lateness horizon"):
        archive.archive_month(ctx, MARCH, tmp_path)
    ctx.lateness_days = 90
    with pytest.raises(InvalidRequest, match="horizon"):
        archive.archive_month(ctx, MARCH, tmp_path)
    ctx.lateness_days = 30

    done = archive.archive_month(ctx, MARCH, tmp_path)
    assert (done.rows, done.removed) == (300, 300) and done.path.exists() and done.size > 0
    assert pq.ParquetFile(done.path).metadata.row_group(0).column(0).compression == "ZSTD"
    assert count_events(ctx) == 1  # May's event stays
    if ctx.db.dialect == "postgresql":  # the month's partition was dropped, May's is there
        with ctx.db.read() as conn:
            assert MARCH not in partitions.months(conn) and date(2027, 5, 1) in partitions.months(conn)
            assert conn.execute(sa.text("SELECT count(*) FROM usage_event_ids")).scalar_one() == 1
    after = (services.bills(ctx, a, MARCH, date(2027, 3, 31)), books.statement(ctx, a, MARCH),
             services.daily_usage(ctx, a, MARCH, date(2027, 3, 31)))
    assert after == before
    with pytest.raises(BillingError, match="archived already"):
        archive.archive_month(ctx, MARCH, tmp_path)

    # the export still reads the archived events, beside the stored ones
    exported = list(archive.export(ctx, a, MARCH, date(2027, 5, 31)))
    assert len(exported) == 301 and sum(e["archived"] for e in exported) == 300
    assert {e["event_id"] for e in exported if e["archived"]} == {f"m-{i}" for i in range(300)}
    # a retry of an archived event is refused as too late, never counted again
    with pytest.raises(InvalidUsage) as refused:
        services.ingest(ctx, a, [march_event(7)])
    assert refused.value.details == [{"index": 0, "reason": "too_late"}]

    # the command line's export, as a file for a dispute
    env = {**os.environ, "PACKBILL_DB": db_url, "PACKBILL_LATENESS_DAYS": "30"}
    out = subprocess.run([sys.executable, "-m", "packbill", "usage", "export", a, "--from", "2027-03-01", "--to", "2027-03-31",
                          "--format", "jsonl"], env=env, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    exported = [json.loads(line) for line in out.stdout.splitlines() if line.strip()]
    assert len(exported) == 300
    assert all(e["timestamp"].endswith("+08:00") for e in exported)  # Beijing time, as people read it (issue 21)

    # restored: the events are back, the books still audit clean (the ctx fixture's teardown)
    assert archive.restore_month(ctx, MARCH) == 300
    assert count_events(ctx) == 301
    if ctx.db.dialect == "postgresql":
        with ctx.db.read() as conn:
            assert MARCH in partitions.months(conn)
            assert conn.execute(sa.text("SELECT count(*) FROM usage_event_ids")).scalar_one() == 301
    assert (services.bills(ctx, a, MARCH, date(2027, 3, 31)), books.statement(ctx, a, MARCH)) == before[:2]
    with pytest.raises(InvalidRequest):
        archive.restore_month(ctx, MARCH)
