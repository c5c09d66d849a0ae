"""Money properties over random histories of the reference model (R15 to R18)."""

from datetime import timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from packbill.domain.catalog import load_catalog
from packbill.domain.errors import BillingError
from packbill.domain.reference import ReferenceModel

from ..helpers import ev, t

CATALOG = load_catalog()
START = t("2026-11-01 09:00")
amounts = st.integers(1, 40_000).map(lambda fen: Decimal(fen) / 100)
ops = st.lists(st.one_of(
    st.tuples(st.just("topup"), amounts, st.integers(0, 5)),
    st.tuples(st.just("adjust"), st.integers(-20_000, 20_000).map(lambda f: Decimal(f) / 100), st.just(0)),
    st.tuples(st.just("voucher"), amounts, st.integers(0, 20)),
    st.tuples(st.just("buy"), st.sampled_from(["ai.face.100k", "ai.plate.100k", "ai.pet.100k"]), st.integers(1, 3)),
    st.tuples(st.just("refund"), st.just(0), st.just(0)),
    st.tuples(st.just("usage"), st.sampled_from(["ai.face", "ai.plate", "ai.pet"]), st.integers(1, 5_000)),
    st.tuples(st.just("discount"), st.sampled_from(["0.5", "0.85", "1"]), st.just(0)),
    st.tuples(st.just("limit"), st.sampled_from(["0", "50", "500"]), st.just(0)),
), max_size=40)


def run(history, terms):
    ledger = ReferenceModel(CATALOG)
    ledger.create_account("a", "A", "cn", payment=terms)
    bought = []
    checks = []
    for n, (kind, x, y) in enumerate(history):
        at = START + timedelta(hours=6 * n)
        before = ledger.purse("a")
        try:
            if kind == "topup":
                ledger.topup("a", x, f"ref{y}", at)
            elif kind == "adjust" and x:
                ledger.adjust("a", x, at)
            elif kind == "voucher":
                ledger.grant_voucher("a", x, at.date() + timedelta(days=y), at, None)
            elif kind == "buy":
                packages, _ = ledger.buy("a", x, at, y)
                bought += [p.id for p in packages]
                checks.append((before, ledger.purse("a")))
            elif kind == "refund" and bought:
                ledger.refund("a", bought[-1], at)
            elif kind == "usage":
                ledger.record_usage("a", [ev(f"e{n}", x, y, (at - timedelta(hours=1)).strftime("%Y-%m-%d %H:%M"))])
                ledger.settle(at.date() - timedelta(days=1), at)
            elif kind == "discount":
                ledger.set_discount("a", Decimal(x), at.date())
            elif kind == "limit":
                ledger.set_credit_limit("a", Decimal(x))
        except BillingError:
            assert ledger.purse("a") == before  # a refusal changes nothing
    return ledger, checks


def totals(ledger):
    out = {}
    for e in ledger._account("a").entries:
        for p in e.postings:
            if p.ledger_account == "cash:a":
                out[e.kind] = out.get(e.kind, Decimal(0)) + p.amount
    return out


@settings(max_examples=200, deadline=None)
@given(ops, st.sampled_from(["balance", "invoice"]))
def test_money_is_conserved(history, terms):
    """top-ups + adjustments = balance + everything paid from cash - everything paid back."""
    ledger, _ = run(history, terms)
    by_kind = totals(ledger)
    topups = sum(ledger._account("a").topups.values(), Decimal(0))
    paid = -(by_kind.get("purchase", 0) + by_kind.get("payg", 0))
    paid_back = by_kind.get("refund", 0)
    assert topups + by_kind.get("adjustment", 0) == ledger.purse("a").cash + paid - paid_back
    for e in ledger._account("a").entries:
        assert sum(p.amount for p in e.postings) == 0
    for voucher in ledger.purse("a").vouchers.values():
        assert 0 <= voucher.remaining <= voucher.amount


@settings(max_examples=200, deadline=None)
@given(ops)
def test_no_voucher_ever_pays_arrears_and_no_purchase_passes_the_credit_limit(history):
    ledger, checks = run(history, "balance")
    for e in ledger._account("a").entries:
        voucher_out = [p for p in e.postings if p.ledger_account.startswith("voucher:") and p.amount < 0]
        if voucher_out:
            assert e.kind in ("purchase", "payg", "voucher_expired")  # only charges as they are made
        if e.kind == "voucher":
            assert not any(p.ledger_account == "cash:a" for p in e.postings)
    for before, after in checks:
        assert after.cash >= min(before.cash, -before.credit_limit)
