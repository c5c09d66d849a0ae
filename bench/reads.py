"""The package list of an account with 1,000 packages and a year of settled days, timed in a
fresh process (a warm server's: the first read builds the process's cache of the packages and
is reported on its own), beside a raw SELECT of the same rows. Prints one JSON line."""

import json
import sqlite3
import sys
import time
from datetime import datetime, timedelta, timezone

from packbill import services
from packbill.server import settle_heap
from packbill.services import Context


def main() -> None:
    path = sys.argv[1]
    ctx = Context.open(f"sqlite:///{path}")
    account, _ = services.create_account(ctx, "big", "cn")
    start = datetime(2025, 9, 1, 9, tzinfo=timezone(timedelta(hours=8)))
    for i in range(10):
        services.buy(ctx, account.id, "ai.face.100k", 100, start + timedelta(minutes=i))
    for day in range(365):
        moment = start + timedelta(days=day)
        services.ingest(ctx, account.id, [{"event_id": f"d{day}", "service": "ai.face", "quantity": 250_000, "region": "ap-beijing",
                                           "timestamp": moment.isoformat()}])
    services.settle(ctx, (start + timedelta(days=364)).date(), now=start + timedelta(days=366))
    settle_heap()  # as `packbill serve` does once started

    began = time.perf_counter()
    services.list_packages(ctx, account.id)
    first = time.perf_counter() - began
    timings_now, timings_past = [], []
    for _ in range(200):
        s = time.perf_counter()
        services.list_packages(ctx, account.id)
        timings_now.append(time.perf_counter() - s)
        s = time.perf_counter()
        services.list_packages(ctx, account.id, as_of=start + timedelta(days=180))
        timings_past.append(time.perf_counter() - s)
    raw = sqlite3.connect(path)
    raw_t = []
    for _ in range(200):
        s = time.perf_counter()
        raw.execute("SELECT * FROM packages WHERE account_id = ?", (account.id,)).fetchall()
        raw_t.append(time.perf_counter() - s)
    raw.close()
    ctx.close()
    print(json.dumps({"first": first, "now": timings_now, "past": timings_past, "raw": raw_t}))


if __name__ == "__main__":
    main()
