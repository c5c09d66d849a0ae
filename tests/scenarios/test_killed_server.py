"""Retries never pay twice: four clients buy with an Idempotency-Key per intended purchase and
retry after every lost reply, while the server is killed (SIGKILL) again and again."""

from __future__ import annotations

import threading
import time
import uuid

import httpx
import sqlalchemy as sa

from packbill.domain.catalog import load_catalog
from packbill.services import Context
from packbill.storage import schema as t
from packbill.storage.db import Database

from .conftest import start_server

CLIENTS, PURCHASES, KILLS = 4, 12, 6


def test_purchases_retried_across_killed_servers_are_bought_exactly_once(db_url, tmp_path):
    holder = {"server": start_server(db_url, tmp_path / "s0.log")}
    acc = holder["server"].client().post("/v1/accounts", json={"name": "Retry", "site": "cn"}).json()
    keys: list[str] = []
    failures: list[str] = []
    killing_ended: list[float] = []  # the moment the last server started: retries have 120 s from then

    def answered_in_time() -> bool:
        return not killing_ended or time.monotonic() < killing_ended[0] + 120

    def client(n: int) -> None:
        for i in range(PURCHASES):
            key = f"c{n}-{i}-{uuid.uuid4().hex[:6]}"
            keys.append(key)
            last = "no reply"
            while answered_in_time():
                try:
                    with httpx.Client(base_url=holder["server"].url, timeout=10,
                                      headers={"Authorization": f"Bearer {acc['token']}", "Idempotency-Key": key}) as c:
                        r = c.post(f"/v1/accounts/{acc['id']}/packages", json={"sku": "ai.face.100k"})
                    if r.status_code == 201:
                        break
                    if r.status_code < 500:
                        failures.append(f"{key}: {r.status_code} {r.text}")
                        break
                    last = f"{r.status_code} {r.text[:200]}"
                except httpx.HTTPError as exc:
                    last = repr(exc)  # a lost reply: send the same request again
                time.sleep(0.05)
            else:
                failures.append(f"{key}: never answered (last: {last})")

    threads = [threading.Thread(target=client, args=(n,)) for n in range(CLIENTS)]
    for th in threads:
        th.start()
    for k in range(KILLS):
        time.sleep(0.4)
        holder["server"].process.kill()  # SIGKILL, mid-request or not
        holder["server"].process.wait()
        holder["server"] = start_server(db_url, tmp_path / f"s{k + 1}.log")
    killing_ended.append(time.monotonic())
    for th in threads:
        th.join(180)
    holder["server"].process.terminate()
    holder["server"].process.wait(10)
    assert failures == []
    ctx = Context(Database(db_url, migrate=False), load_catalog())
    with ctx.db.read() as conn:
        orders = conn.execute(sa.select(sa.func.count()).select_from(t.orders)).scalar_one()
        claimed = conn.execute(sa.select(sa.func.count()).select_from(t.idempotency_keys)).scalar_one()
        cash = conn.execute(sa.select(t.accounts.c.cash_fen).where(t.accounts.c.id == acc["id"])).scalar_one()
    ctx.close()
    assert orders == claimed == len(keys) == CLIENTS * PURCHASES
    assert cash == -5000 * orders  # each order paid once, 50.00 each
