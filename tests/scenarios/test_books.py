"""The books (R21, R22) on worked examples computed by hand, on both databases.

Every figure asserted here was worked out on paper first; the arithmetic is in the comments.
After each example the audit (every invariant of R21 over the whole database) must be clean.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal as D
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from packbill import services
from packbill.domain.errors import Conflict
from packbill.services import Context, audit, books
from packbill.storage.db import Database

SH = ZoneInfo("Asia/Shanghai")


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2025, 9, 1, 9, tzinfo=SH)

    def at(self, *args) -> datetime:
        self.now = datetime(*args, tzinfo=SH)
        return self.now


@pytest.fixture
def books_ctx(db_url, catalog):
    clock = Clock()
    context = Context(Database(db_url), catalog, lambda: clock.now)
    context.clock_ = clock
    yield context
    context.close()


def face(event_id: str, quantity: int, when: str, region: str = "ap-beijing") -> dict:
    return {"event_id": event_id, "service": "ai.face", "quantity": quantity, "region": region, "timestamp": when}


def entries(ctx: Context, account_id: str, kind: str) -> list[dict]:
    return [e for e in services.journal_entries(ctx, account_id) if e["kind"] == kind]


def assert_sound(ctx: Context) -> None:
    assert [v.message for v in audit.audit(ctx)] == []


def test_a_package_paid_partly_by_voucher_recognised_as_drawn_then_broken_at_expiry(books_ctx):
    ctx, clock = books_ctx, books_ctx.clock_
    account, _token = services.create_account(ctx, "Acme 影像", "cn", payment="balance")
    services.topup(ctx, account.id, D("600"), "bank-1")
    services.grant_voucher(ctx, account.id, D("200"), date(2025, 12, 31))
    clock.at(2025, 9, 10, 10)
    bought = services.buy(ctx, account.id, "ai.face.1m")  # 500.00: the voucher's 200 first, then 300 from cash
    (package,) = bought.packages
    assert (bought.paid.voucher_total, bought.paid.cash) == (D("200.00"), D("300.00"))
    clock.at(2025, 9, 20, 10)
    services.ingest(ctx, account.id, [face("e1", 500_000, "2025-09-15T12:00:00+08:00")])
    clock.at(2025, 10, 1, 9)
    services.settle(ctx, date(2025, 9, 30))
    # half drawn: 500.00 x 500,000 / 1,000,000 = 250.00 recognised
    (rec,) = entries(ctx, account.id, "recognition")
    assert sorted(rec["postings"]) == [(f"deferred:{package.id}", D("-250.00")), ("revenue:ai.face", D("250.00"))]

    september = books.statement(ctx, account.id, date(2025, 9, 1))
    assert (september.status, september.number) == ("final", "ST-202509-000001")
    assert (september.opening_balance, september.topups, september.closing_balance) == (D("0.00"), D("600.00"), D("300.00"))
    assert (september.purchases.amount, september.purchases.voucher, september.purchases.cash) == (D("500.00"), D("200.00"), D("300.00"))
    assert [(u.service, u.drawn, u.payg_quantity, u.mainland, u.other) for u in september.usage] == [("ai.face", 500_000, 0, 500_000, 0)]
    assert [(p.id, p.remaining, p.status) for p in september.packages] == [(package.id, 500_000, "active")]
    assert september.invoiceable == D("300.00")  # the cash spent; the voucher's 200 is never invoiceable

    # a third of the rest: 833,333 drawn recognises 500 x 833,333 / 1,000,000 = 416.6665 -> 416.67,
    # so October's entry posts 416.67 - 250.00 = 166.67
    clock.at(2025, 10, 6, 10)
    services.ingest(ctx, account.id, [face("e2", 333_333, "2025-10-05T12:00:00+08:00")])
    services.settle(ctx, date(2025, 10, 5))
    assert [sorted(e["postings"]) for e in entries(ctx, account.id, "recognition")][1] == [
        (f"deferred:{package.id}", D("-166.67")), ("revenue:ai.face", D("166.67"))]

    # the last day is 2026-09-09; a run through it leaves 500.00 - 416.67 = 83.33 of breakage
    clock.at(2026, 9, 10, 9)
    services.settle(ctx, date(2026, 9, 9))
    (expiry,) = entries(ctx, account.id, "expiry")
    assert sorted(expiry["postings"]) == [("breakage:ai.face", D("83.33")), (f"deferred:{package.id}", D("-83.33"))]
    services.settle(ctx, date(2026, 9, 9))  # again: nothing is broken twice
    assert len(entries(ctx, account.id, "expiry")) == 1

    # SPEC section 8, R21 revenue dates: revenue is dated by the usage day it serves, breakage by
    # the package's last day (the right lapses at that day's end), whenever the run was
    days = {r.day: r for r in books.revenue(ctx, date(2025, 9, 10), date(2026, 9, 10))}
    assert days[date(2025, 9, 10)].deferred == D("500.00")
    assert days[date(2025, 9, 15)].services["ai.face"]["recognised"] == D("250.00")
    assert days[date(2025, 10, 1)].services == {}  # the morning's run is not the usage's day
    assert days[date(2025, 10, 5)].services["ai.face"]["recognised"] == D("166.67")
    assert days[date(2026, 9, 9)].services["ai.face"]["breakage"] == D("83.33")
    assert days[date(2026, 9, 9)].deferred == D("0.00")
    # the voucher ran out at purchase; on its expiry nothing was left to forfeit
    assert entries(ctx, account.id, "voucher_expiry") == []
    assert_sound(ctx)


def test_a_refund_reverses_the_deferral_to_cash_and_voucher_and_an_unused_voucher_breaks(books_ctx):
    ctx, clock = books_ctx, books_ctx.clock_
    account, _token = services.create_account(ctx, "Beta", "cn", payment="balance")
    services.topup(ctx, account.id, D("100"), "bank-2")
    services.grant_voucher(ctx, account.id, D("30"), date(2025, 9, 30))
    clock.at(2025, 9, 2, 10)
    (package,) = services.buy(ctx, account.id, "ai.face.100k").packages  # 50.00: voucher 30, cash 20
    clock.at(2025, 9, 4, 10)
    back = services.refund(ctx, account.id, package.id)  # within 5 days, never drawn on
    assert (back.paid_back.voucher_total, back.paid_back.cash) == (D("30.00"), D("20.00"))
    (entry,) = entries(ctx, account.id, "refund")
    assert sorted(entry["postings"]) == sorted([(f"deferred:{package.id}", D("-50.00")), (f"cash:{account.id}", D("20.00")),
                                               (f"voucher:{services.wallet(ctx, account.id).vouchers[0].id}", D("30.00"))])
    clock.at(2025, 10, 1, 9)
    services.settle(ctx, date(2025, 9, 30))
    september = books.statement(ctx, account.id, date(2025, 9, 1))
    assert (september.refunds.amount, september.refunds.voucher, september.refunds.cash) == (D("50.00"), D("30.00"), D("20.00"))
    assert september.closing_balance == D("100.00")
    assert september.invoiceable == D("0.00")  # 20 spent, 20 refunded
    assert [(p.id, p.status) for p in september.packages] == [(package.id, "refunded")]
    # the voucher's last day was 2025-09-30: at the run of 2025-10-01 its 30.00 is forfeited
    (expiry,) = entries(ctx, account.id, "voucher_expiry")
    assert sorted(a for a, _ in expiry["postings"]) == ["breakage", f"voucher:{expiry['ref']}"]
    assert {a: x for a, x in expiry["postings"]}["breakage"] == D("30.00")
    # dated by the voucher's last day (SPEC section 8), in September, whose close then holds it
    assert books.revenue(ctx, date(2025, 9, 30), date(2025, 9, 30))[0].services["vouchers"]["breakage"] == D("30.00")
    assert books.revenue(ctx, date(2025, 10, 1), date(2025, 10, 1))[0].services == {}
    assert_sound(ctx)


def test_late_usage_after_the_final_statement_goes_on_the_next_one_and_invoices_stop_at_the_invoiceable(books_ctx):
    ctx, clock = books_ctx, books_ctx.clock_
    account, _token = services.create_account(ctx, "Gamma", "cn")  # invoice terms: cash goes below zero
    clock.at(2025, 9, 21, 10)
    services.ingest(ctx, account.id, [face("s1", 1000, "2025-09-20T12:00:00+08:00"),
                                      face("s2", 400, "2025-09-20T13:00:00+08:00", region="ap-singapore")])
    clock.at(2025, 10, 1, 9)
    services.settle(ctx, date(2025, 9, 30))
    # 1,400 calls x 0.0005 = 0.70, pay-as-you-go (no package)
    september = books.statement(ctx, account.id, date(2025, 9, 1))
    assert [(r.service, r.quantity, r.amount, r.cash) for r in september.payg] == [("ai.face", 1400, D("0.70"), D("0.70"))]
    assert [(u.mainland, u.other) for u in september.usage] == [(1000, 400)]

    clock.at(2025, 10, 2, 10)  # late usage of 2025-09-25 arrives after September is final
    services.ingest(ctx, account.id, [face("late", 2000, "2025-09-25T12:00:00+08:00")])
    services.settle(ctx, date(2025, 10, 1))
    assert books.statement(ctx, account.id, date(2025, 9, 1)) == september  # final: never changes
    october = books.statement(ctx, account.id, date(2025, 10, 1))
    assert (october.status, october.number) == ("provisional", None)
    # 2,000 x 0.0005 = 1.00, a supplement of its own day
    assert [(r.service, r.quantity, r.amount) for r in october.payg] == [("ai.face", 2000, D("1.00"))]
    assert october.daily == ((date(2025, 9, 25), D("0.00"), D("1.00")),)
    assert october.opening_balance == D("-0.70") and october.closing_balance == D("-1.70")

    # SPEC section 8, R22 invoiceable: 0.70 + 1.00 of cash spent, all of it still owed: nothing
    # is invoiceable until it is paid
    assert books.invoiceable_now(ctx, account.id) == D("0.00")
    with pytest.raises(Conflict):
        books.record_invoice(ctx, account.id, D("1.50"), "INV-0")
    services.topup(ctx, account.id, D("1.00"), "bank-pays-most")
    assert books.invoiceable_now(ctx, account.id) == D("1.00")  # 0.70 still owed
    services.topup(ctx, account.id, D("0.70"), "bank-pays-the-rest")
    assert books.invoiceable_now(ctx, account.id) == D("1.70")
    first = books.record_invoice(ctx, account.id, D("1.50"), "INV-1")
    assert first.invoiceable == D("0.20")
    with pytest.raises(Conflict):
        books.record_invoice(ctx, account.id, D("0.21"), "INV-2")
    with pytest.raises(Conflict):
        books.record_invoice(ctx, account.id, D("0.10"), "INV-1")  # the same number twice
    books.record_invoice(ctx, account.id, D("0.20"), "INV-3")
    assert books.invoiceable_now(ctx, account.id) == D("0.00")
    assert_sound(ctx)


def test_the_journal_refuses_update_and_delete(books_ctx):
    ctx = books_ctx
    account, _token = services.create_account(ctx, "Delta", "cn")
    services.topup(ctx, account.id, D("10"), "bank-3")
    for statement in ("UPDATE postings SET amount_fen = amount_fen + 1", "DELETE FROM postings",
                      "UPDATE journal_entries SET kind = 'x'", "DELETE FROM journal_entries"):
        with pytest.raises(sa.exc.DatabaseError, match="append-only"):
            with ctx.db.write() as conn:
                conn.execute(sa.text(statement))
    assert services.wallet(ctx, account.id).purse.cash == D("10.00")


def test_two_runs_finalising_a_month_at_once_freeze_each_statement_once(books_ctx):
    import threading

    ctx, clock = books_ctx, books_ctx.clock_
    ids = []
    for n in range(6):
        account, _ = services.create_account(ctx, f"Twin {n}", "cn")
        ids.append(account.id)
    clock.at(2025, 9, 21, 10)
    for n, account_id in enumerate(ids):
        services.ingest(ctx, account_id, [face(f"t{n}", 1000 * (n + 1), "2025-09-20T12:00:00+08:00")])
    clock.at(2025, 10, 1, 9)
    errors = []

    def run():
        try:
            services.settle(ctx, date(2025, 9, 30))
        except Exception as exc:  # noqa: BLE001 - the test reports whatever escaped
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(120)
    assert errors == []
    with ctx.db.read() as conn:
        rows = conn.execute(sa.text("SELECT account_id, number FROM statements")).all()
    assert sorted(a for a, _ in rows) == sorted(ids) and len({n for _, n in rows}) == len(ids)
    # 1,000 x (n + 1) calls x 0.0005: 0.50, 1.00, ... each once, on its final statement
    assert [books.statement(ctx, a, date(2025, 9, 1)).payg[0].amount for a in ids] == [D("0.50") * (n + 1) for n in range(6)]
    assert_sound(ctx)
