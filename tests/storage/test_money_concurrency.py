"""Two buyers and a settler at once on one prepaid account, in separate processes: no yuan is
spent twice and cash never passes the credit limit through a purchase."""

from __future__ import annotations

import multiprocessing
from datetime import timedelta
from decimal import Decimal

import sqlalchemy as sa

from packbill import services
from packbill.domain.catalog import load_catalog
from packbill.domain.errors import BillingError
from packbill.services import Context
from packbill.services.audit import audit
from packbill.storage import schema as t
from packbill.storage.db import Database

from ..conftest import FIXED_NOW


def buyer(url: str, account_id: str, attempts: int, out) -> None:
    ctx = Context(Database(url, migrate=False), load_catalog(), lambda: FIXED_NOW)
    bought = 0
    for _ in range(attempts):
        try:
            services.buy(ctx, account_id, "ai.face.100k")
            bought += 1
        except BillingError as exc:
            assert exc.code == "insufficient_funds"
    out.put(bought)
    ctx.close()


def settler(url: str, account_id: str) -> None:
    ctx = Context(Database(url, migrate=False), load_catalog(), lambda: FIXED_NOW)
    for n in range(10):
        services.ingest(ctx, account_id, [{"event_id": f"f{n}", "service": "ai.face", "quantity": 10, "region": "ap-beijing",
                                           "timestamp": (FIXED_NOW - timedelta(days=1, minutes=n)).isoformat()}])
        services.settle(ctx, (FIXED_NOW - timedelta(days=1)).date())
    ctx.close()


def test_two_buyers_and_a_settler_never_spend_the_same_yuan_twice(db_url):
    ctx = Context(Database(db_url), load_catalog(), lambda: FIXED_NOW)
    account, _ = services.create_account(ctx, "Prepaid", "cn", payment="balance")
    services.topup(ctx, account.id, Decimal("500.00"), "first")
    services.set_credit_limit(ctx, account.id, Decimal("100.00"))
    spawn = multiprocessing.get_context("spawn")
    results = spawn.Queue()
    procs = [spawn.Process(target=buyer, args=(db_url, account.id, 10, results)) for _ in range(2)]
    procs.append(spawn.Process(target=settler, args=(db_url, account.id)))
    for p in procs:
        p.start()
    for p in procs:
        p.join(300)
        assert p.exitcode == 0
    bought = results.get(timeout=5) + results.get(timeout=5)
    cash = services.wallet(ctx, account.id).purse.cash
    with ctx.db.read() as conn:
        postings = conn.execute(sa.select(sa.func.sum(t.postings.c.amount_fen)).where(t.postings.c.ledger_account == f"cash:{account.id}")).scalar_one()
        orders = conn.execute(sa.select(sa.func.count()).select_from(t.orders)).scalar_one()
        payg = Decimal(conn.execute(sa.select(sa.func.coalesce(sa.func.sum(t.bill_lines.c.cash_fen), 0))).scalar_one()) / 100
    assert orders == bought >= 11  # usage settled before a package existed may have cost a cent or two
    assert postings == int(cash * 100)  # the balance is its journal
    assert cash == Decimal("500.00") - 50 * bought - payg  # every yuan spent once
    assert cash >= Decimal("-100.00") - payg  # purchases never passed the credit limit
    assert cash + Decimal("100.00") < 50  # and none was refused while it could be paid
    assert [v.message for v in audit(ctx)] == []  # R21: the books are sound after it all
    ctx.close()
