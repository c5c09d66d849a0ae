"""Settlement spread over worker processes: four processes settle one run's chunks at once, one
is killed with SIGKILL in the middle, and still every account is settled once, none twice and
none missed (the books audit clean afterwards, on the ctx fixture's teardown)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import date, timedelta

import sqlalchemy as sa

from packbill import services
from packbill.services import settlement
from packbill.services.usage import ingest_records
from packbill.storage import schema as t
from tests.conftest import FIXED_NOW

ACCOUNTS = 400
CHUNK = 10


def test_four_workers_and_a_killed_one_settle_each_account_once(ctx, db_url, tmp_path):
    accounts = [services.create_account(ctx, f"W{i}", "cn")[0].id for i in range(ACCOUNTS)]
    for a in accounts[::7]:
        services.buy(ctx, a, "ai.face.100k", 1, FIXED_NOW - timedelta(days=5))
    records = [{"account_id": a, "event_id": f"{a}-{d}-{s}", "service": s, "quantity": 1000 + i, "region": "ap-beijing",
                "timestamp": (FIXED_NOW - timedelta(days=d, hours=3)).isoformat()}
               for i, a in enumerate(accounts) for d in (1, 2) for s in ("ai.face", "ai.pet")]
    assert ingest_records(ctx, records).accepted == len(records)
    through = (FIXED_NOW - timedelta(days=1)).date()
    run_id = settlement.start(ctx, through, chunk=CHUNK)
    env = {**os.environ, "PACKBILL_DB": db_url}

    def worker(i: int) -> subprocess.Popen:
        return subprocess.Popen([sys.executable, "-m", "packbill", "worker", "--run", str(run_id)], env=env,
                                stdout=open(tmp_path / f"w{i}.log", "w"), stderr=subprocess.STDOUT)

    victim = worker(0)
    c = t.settlement_chunks
    deadline = time.monotonic() + 120
    mine = 0
    while time.monotonic() < deadline and mine < 1:
        with ctx.db.read() as conn:
            mine = conn.execute(sa.select(sa.func.count()).select_from(c).where(c.c.run_id == run_id,
                                                                                 c.c.done_by.like(f"%:{victim.pid}"))).scalar_one()
        time.sleep(0.01)
    assert mine >= 1, (tmp_path / "w0.log").read_text()
    workers = [victim] + [worker(i) for i in (1, 2, 3)]  # three more join the run the first is working on
    victim.send_signal(signal.SIGKILL)  # in the middle of its next chunk: that chunk's transaction dies with it
    victim.wait(10)
    for w in workers[1:]:
        assert w.wait(300) == 0, (tmp_path / "w1.log").read_text()
    result = settlement.finish(ctx, run_id)  # takes whatever is left, then closes the run
    with ctx.db.read() as conn:
        chunks = conn.execute(sa.select(c.c.chunk, c.c.done_by).where(c.c.run_id == run_id)).all()
        lines = conn.execute(sa.select(t.bill_lines.c.account_id, t.bill_lines.c.day, t.bill_lines.c.service)).all()
    assert len(chunks) == ACCOUNTS // CHUNK and all(by is not None for _, by in chunks)
    assert len({by for _, by in chunks}) >= 2  # the killed one's chunks and the others'
    assert sum(1 for _, by in chunks if by.endswith(f":{victim.pid}")) < len(chunks)  # it did not finish the run
    per_line = Counter((a, d if isinstance(d, date) else date.fromisoformat(d), s) for a, d, s in lines)
    assert set(per_line.values()) == {1} and len(per_line) == ACCOUNTS * 2 * 2  # every account-day-service once
    assert result.days == ACCOUNTS * 2 and result.lines == ACCOUNTS * 4
    (run,) = [r for r in services.runs(ctx) if r.run.id == run_id]
    assert run.status == "finished"
