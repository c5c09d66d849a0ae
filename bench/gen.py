"""Deterministic benchmark data: accounts and JSON Lines usage files, made on the fly."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

SERVICES = ["ai.pet", "ai.vehicle", "ai.plate", "ai.body", "ai.keypoints", "ai.face", "ai.tags", "ai.kitchen", "traffic.up", "traffic.down"]
REGIONS = ["ap-beijing", "ap-shanghai", "ap-guangzhou", "ap-chengdu", "ap-hongkong", "ap-singapore"]
START = datetime(2026, 9, 1, tzinfo=timezone(timedelta(hours=8)))


def account_ids(n: int) -> list[str]:
    return [f"acc_bench_{i:06d}" for i in range(n)]


def write_usage(path: Path, events: int, accounts: int, seed: int = 1, days: int = 30, duplicate_share: float = 0.02) -> int:
    """Write ``events`` lines (some repeating an earlier event id, as retries do); returns bytes."""
    rnd = random.Random(seed)
    ids = account_ids(accounts)
    recent: list[str] = []
    span = days * 86400
    with path.open("w", encoding="utf-8") as out:
        for i in range(events):
            if recent and rnd.random() < duplicate_share:
                out.write(rnd.choice(recent))
                continue
            service = SERVICES[i % len(SERVICES)]
            quantity = rnd.randint(1, 50) if service.startswith("ai.") else rnd.randint(10**5, 10**8)
            moment = START + timedelta(seconds=rnd.randrange(span))
            # the text json.dumps(..., separators=(",", ":")) writes, made faster (no value here needs escaping)
            line = (f'{{"account_id":"{ids[rnd.randrange(accounts)]}","event_id":"e{seed}-{i}","service":"{service}",'
                    f'"quantity":{quantity},"region":"{REGIONS[rnd.randrange(len(REGIONS))]}","timestamp":"{moment.isoformat()}"}}\n')
            out.write(line)
            if len(recent) < 1000:
                recent.append(line)
            else:
                recent[rnd.randrange(1000)] = line
    return path.stat().st_size


def bulk(conn, table: str, columns: tuple[str, ...], rows: list[tuple]) -> None:
    """Insert rows as fast as each database takes them: COPY on PostgreSQL, executemany on SQLite."""
    raw = conn.connection.driver_connection
    if conn.dialect.name == "postgresql":
        with raw.cursor() as cur, cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        return
    values = [tuple(v.isoformat() if isinstance(v, date) else v for v in row) for row in rows]
    raw.cursor().executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})", values)


def settlement_fixture(db, accounts: int, days: int, traffic_accounts: int, seed: int = 5) -> dict:
    """Accounts with packages and a month of unsettled usage, written straight into the sums
    (what ingest would have left): AI calls in every service every day, and for
    ``traffic_accounts`` of them traffic in both directions at five-minute resolution
    (144 windows a day, 08:00 to 20:00). Returns counts."""
    import sqlalchemy as sa

    from packbill.storage import schema as t

    rnd = random.Random(seed)
    ids = account_ids(accounts)
    first = START.date()
    purchase_us = int((START - timedelta(days=1)).timestamp() * 1_000_000)
    ai = SERVICES[:8]
    counts = {"accounts": accounts, "account_days": accounts * days, "daily_rows": 0, "window_rows": 0, "packages": 0}
    with db.write() as conn:
        conn.execute(sa.insert(t.accounts), [dict(id=a, name=a, site="cn", token_hash=f"h{a}", created_us=0) for a in ids])
        conn.execute(sa.insert(t.orders), [dict(id=f"o{a}", account_id=a, sku="x", count=4, amount_fen=0, at_us=purchase_us) for a in ids])
        packages = []
        for a in ids:
            for k, (sku, service, size) in enumerate([("ai.face.100k", "ai.face", 100_000), ("ai.face.100k", "ai.face", 100_000),
                                                       ("ai.pet.100k", "ai.pet", 100_000), ("traffic.up.100gb", "traffic.up", 100 * 10**9)]):
                packages.append(dict(id=f"p{a}-{k}", account_id=a, order_id=f"o{a}", sku=sku, service=service, size=size,
                                     remaining=size, price_fen=1000, purchased_us=purchase_us + k,
                                     first_day=first - timedelta(days=1), last_day=first + timedelta(days=360)))
        conn.execute(sa.insert(t.packages), packages)
        counts["packages"] = len(packages)
        # half the traffic accounts bill by traffic volume from the start
        conn.execute(sa.insert(t.traffic_switches), [dict(account_id=a, mode="traffic", requested_us=purchase_us,
                                                          effective_day=first) for a in ids[: traffic_accounts // 2]])
        daily, dirty = [], []
        for n in range(days):
            day = first + timedelta(days=n)
            for i, a in enumerate(ids):
                dirty.append(dict(account_id=a, day=day))
                for s in ai:
                    daily.append(dict(account_id=a, day=day, service=s, mainland=rnd.randint(100, 9000), other=rnd.randint(0, 50)))
                if i < traffic_accounts:
                    for s in ("traffic.up", "traffic.down"):
                        daily.append(dict(account_id=a, day=day, service=s, mainland=0, other=0))
            if len(daily) > 200_000 or n == days - 1:
                bulk(conn, "usage_daily", ("account_id", "day", "service", "mainland", "other"), [tuple(d.values()) for d in daily])
                counts["daily_rows"] += len(daily)
                daily = []
        conn.execute(sa.insert(t.usage_dirty), dirty)
        windows = []
        sums: dict = {}
        for n in range(days):
            day = first + timedelta(days=n)
            for a in ids[:traffic_accounts]:
                for s in ("traffic.up", "traffic.down"):
                    total = 0
                    for w in range(96, 240):
                        b = rnd.randint(10**6, 4 * 10**7)
                        total += b
                        windows.append((a, day if db.dialect == "postgresql" else day.isoformat(), s, w, b))
                    sums[(a, day, s)] = total
            if len(windows) > 500_000 or n == days - 1:
                bulk(conn, "usage_windows", ("account_id", "day", "service", '"window"', "bytes"), windows)
                counts["window_rows"] += len(windows)
                windows = []
        conn.execute(
            sa.update(t.usage_daily)
            .where(t.usage_daily.c.account_id == sa.bindparam("a"), t.usage_daily.c.day == sa.bindparam("d"),
                   t.usage_daily.c.service == sa.bindparam("s"))
            .values(mainland=sa.bindparam("q")),
            [dict(a=a, d=d, s=s, q=q) for (a, d, s), q in sums.items()],
        )
    counts["events_equivalent"] = counts["daily_rows"] - 2 * traffic_accounts * days + counts["window_rows"]
    return counts
