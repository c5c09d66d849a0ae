"""What a settled chunk writes besides its lines (``domain.settled.chunk_books``): R15, R19, R21, R22."""

from datetime import date
from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from packbill.domain.books import recognised
from packbill.domain.catalog import load_catalog
from packbill.domain.journal import DEFERRED, PAYG, REVENUE
from packbill.domain.reference import ReferenceModel
from packbill.domain.settled import chunk_books
from packbill.domain.settlement import settle_account

from ..helpers import D, d, ev, t

CATALOG = load_catalog()


def _settled(ledger, account_id, through):
    acc = ledger._account(account_id)
    days = [acc.unsettled(day) for day in sorted(x for x in acc.usage if x <= through)]
    return acc.state, settle_account(days, acc.state, CATALOG, run_at=t("2026-11-03 08:00"), settled_through=None)


def test_a_chunk_recognises_what_its_draws_took_and_charges_what_was_not_drawn():
    ledger = ReferenceModel(CATALOG)
    ledger.create_account("a", "Acme", "cn", payment="balance")
    ledger.topup("a", D("1000.00"), "pay-1", t("2026-11-01 08:00"))
    ledger.buy("a", "ai.face.100k", t("2026-11-01 09:00"))
    ledger.record_usage("a", [ev("e1", "ai.face", 100_004, "2026-11-02 10:00"), ev("e2", "ai.plate", 3, "2026-11-02 10:00")])
    before, result = _settled(ledger, "a", d("2026-11-02"))
    books = chunk_books(7, {"a": result}, {"a": before}, d("2026-11-03"), ())
    kinds = {e.kind: e for _, e in books.entries}
    assert set(kinds) == {"payg", "recognition"} and all(e.ref == "run:7" for e in kinds.values())
    recognised = {p.ledger_account.split(":")[0]: p.amount for p in kinds["recognition"].postings}
    package_price = before.balances[next(iter(before.balances))].package.price
    assert recognised[DEFERRED.rstrip(":")] == -package_price and recognised[REVENUE.rstrip(":")] == package_price  # all 100,000 drawn
    charged = abs(sum(p.amount for p in kinds["payg"].postings if p.ledger_account.startswith(PAYG)))
    assert charged == sum(line.amount for line in result.lines) > 0
    assert books.notifications[-1][1] == "day.settled" and books.notifications[-1][2]["amount"] == str(charged)
    assert sum(p.amount for e in kinds.values() for p in e.postings) == 0


def test_a_line_of_a_final_month_goes_on_the_first_open_statement():
    ledger = ReferenceModel(CATALOG)
    ledger.create_account("a", "Acme", "cn", payment="balance")
    ledger.topup("a", D("10.00"), "pay-1", t("2026-10-01 08:00"))
    ledger.record_usage("a", [ev("e1", "ai.plate", 3, "2026-10-31 23:00")])
    before, result = _settled(ledger, "a", d("2026-10-31"))
    open_books = chunk_books(1, {"a": result}, {"a": before}, d("2026-11-03"), ())
    late_books = chunk_books(1, {"a": result}, {"a": before}, d("2026-11-03"), [date(2026, 10, 1), date(2026, 11, 1)])
    assert open_books.statement_months == {d("2026-10-31"): date(2026, 10, 1)}
    assert late_books.statement_months == {d("2026-10-31"): date(2026, 12, 1)}


def test_the_wallet_events_a_charge_raises_are_dated_by_the_run_and_notified():
    ledger = ReferenceModel(CATALOG)
    ledger.create_account("a", "Acme", "cn", payment="balance")
    ledger.topup("a", D("0.10"), "pay-1", t("2026-11-01 08:00"))
    ledger.record_usage("a", [ev("e1", "ai.plate", 5, "2026-11-02 10:00")])
    before, result = _settled(ledger, "a", d("2026-11-02"))
    books = chunk_books(3, {"a": result}, {"a": before}, d("2026-11-03"), ())
    assert ("a", "arrears") in books.wallet_events
    # the message says what is owed and when services stop: 24 hours after the run put it in arrears
    assert ("a", "wallet.arrears", {"day": "2026-11-03", "balance": "-0.40", "owed": "0.40", "suspend_at": "2026-11-04T08:00:00+08:00"},
            None) in books.notifications


@settings(max_examples=500, deadline=None)
@given(fen=st.integers(0, 10**15), size=st.integers(1, 10**13), share=st.fractions(0, 1))
def test_R21_recognised_rounds_amount_times_drawn_over_size_half_up(fen, size, share):
    """R21's recognised total, computed in whole fen, is amount x drawn / size rounded half up to
    0.01, as the exact fraction says (its half-way cases included)."""
    amount = D(fen).scaleb(-2)
    drawn = int(size * share)
    exact = Fraction(fen, 100) * drawn / size
    expected = D(int(exact * 100 + Fraction(1, 2))).scaleb(-2)
    assert recognised(amount, drawn, size) == (amount if drawn >= size else expected)
    assert recognised(amount, size * 2 + 1, size) == amount and recognised(amount, 0, size) == 0
