"""R15 to R20, worked examples on the reference model (the same engine the database runs)."""

from datetime import timedelta

import pytest

from packbill.domain.catalog import load_catalog
from packbill.domain.errors import Conflict, InvalidRequest
from packbill.domain.reference import ReferenceModel
from packbill.domain.wallet import (
    AlertState,
    InsufficientFunds,
    PaymentTerms,
    Purse,
    Voucher,
    WalletState,
    low_balance_alert,
    pay,
    service_status,
    voucher_order,
    wallet_state,
)

from ..helpers import D, d, ev, t

CATALOG = load_catalog()


@pytest.fixture
def ledger():
    ledger = ReferenceModel(CATALOG)
    ledger.create_account("a", "Acme", "cn", payment="balance")
    ledger.create_account("i", "Invoice Co", "cn")  # no terms given: invoice (the first API version's behaviour)
    return ledger


def cash(ledger, account="a"):
    return ledger.purse(account).cash


# R15 ----------------------------------------------------------------------------------------

def test_R15_topups_are_idempotent_by_reference_and_conflict_with_another_amount(ledger):
    assert ledger.topup("a", D("100.00"), "pay-1", t("2026-11-01 09:00"))
    assert not ledger.topup("a", D("100.00"), "pay-1", t("2026-11-01 09:05"))  # a retry: nothing added
    assert cash(ledger) == D("100.00")
    with pytest.raises(Conflict):
        ledger.topup("a", D("90.00"), "pay-1", t("2026-11-01 09:06"))
    ledger.adjust("a", D("-30.50"), t("2026-11-02 09:00"))
    assert cash(ledger) == D("69.50")


def test_R15_every_movement_is_a_balanced_entry(ledger):
    ledger.topup("a", D("100.00"), "pay-1", t("2026-11-01 09:00"))
    ledger.buy("a", "ai.face.100k", t("2026-11-01 10:00"))
    for entry in ledger._account("a").entries:
        assert sum(p.amount for p in entry.postings) == 0
    cash_postings = sum(p.amount for e in ledger._account("a").entries for p in e.postings if p.ledger_account == "cash:a")
    assert cash_postings == cash(ledger) == D("50.00")


@pytest.mark.parametrize("amount", [D("0"), D("-1"), D("1.001")])
def test_R15_bad_amounts_are_refused(ledger, amount):
    with pytest.raises(InvalidRequest):
        ledger.topup("a", amount, "x", t("2026-11-01 09:00"))
    assert cash(ledger) == 0


# R16 ----------------------------------------------------------------------------------------

def test_R16_purchases_and_lines_carry_list_and_contracted_amounts_by_the_days_rate(ledger):
    ledger.set_discount("i", D("0.85"), d("2026-11-10"))
    (p,), amount = ledger.buy("i", "ai.face.100k", t("2026-11-09 09:00"))
    assert amount == D("50.00")  # before the rate's effective day: list price
    (q,), amount = ledger.buy("i", "ai.face.100k", t("2026-11-10 09:00"))
    assert amount == D("42.50") and q.price == D("42.50")
    ledger.record_usage("i", [ev("1", "ai.plate", 3, "2026-11-09 12:00"), ev("2", "ai.plate", 3, "2026-11-10 12:00")])
    ledger.settle(d("2026-11-10"))
    before, after = ledger.bills("i", d("2026-11-09"), d("2026-11-10"))
    assert (before.list_amount, before.amount) == (D("0.30"), D("0.30"))
    assert (after.list_amount, after.amount) == (D("0.30"), D("0.26"))  # 0.255 rounded half up, once


def test_R16_a_supplement_uses_the_rate_of_its_own_day(ledger):
    ledger.record_usage("i", [ev("1", "ai.plate", 10, "2026-11-09 12:00")])
    ledger.settle(d("2026-11-09"))
    ledger.set_discount("i", D("0.5"), d("2026-11-10"))
    ledger.record_usage("i", [ev("2", "ai.plate", 10, "2026-11-09 22:00"), ev("3", "ai.plate", 10, "2026-11-10 12:00")])
    ledger.settle(d("2026-11-10"))
    _, supplement, new_day = ledger.bills("i", d("2026-11-09"), d("2026-11-10"))
    assert supplement.supplement and supplement.amount == D("1.00")
    assert new_day.amount == D("0.50")


@pytest.mark.parametrize("rate", [D("0"), D("1.01"), D("-0.5")])
def test_R16_a_rate_outside_0_to_1_is_refused(ledger, rate):
    with pytest.raises(InvalidRequest):
        ledger.set_discount("a", rate, d("2026-11-10"))


# R17 ----------------------------------------------------------------------------------------

def test_R17_vouchers_pay_first_in_the_order_of_the_rule():
    day = d("2026-11-10")
    v = [Voucher("late", D("100"), D("100"), d("2026-12-31"), None, 1),
         Voucher("small", D("5"), D("5"), d("2026-11-30"), None, 2),
         Voucher("big", D("60"), D("60"), d("2026-11-30"), None, 3),
         Voucher("big2", D("80"), D("80"), d("2026-11-30"), None, 4),
         Voucher("faces", D("100"), D("100"), d("2026-11-01"), frozenset({"ai.face"}), 5)]
    # earliest expiry first; among equals the one that covers more of a 50 charge (big and big2
    # cover all of it), then the smaller remaining (big), then the earlier granted
    assert [x.id for x in voucher_order(v, D("50"), "ai.plate", day)] == ["big", "big2", "small", "late"]
    payment, purse = pay(Purse(cash=D("10"), vouchers={x.id: x for x in v}), D("150"), "ai.plate", day, refusable=False)
    assert payment.vouchers == (("big2", D("80")), ("big", D("60")), ("small", D("5")), ("late", D("5")))
    assert payment.cash == 0 and purse.cash == D("10")


def test_R17_a_voucher_pays_only_its_services_and_never_after_it_expires(ledger):
    ledger.grant_voucher("i", D("20.00"), d("2026-11-30"), t("2026-11-01 09:00"), frozenset({"ai.face"}))
    ledger.record_usage("i", [ev("1", "ai.plate", 10, "2026-11-10 12:00"), ev("2", "ai.face", 2000, "2026-11-10 12:00")])
    ledger.settle(d("2026-11-10"))
    plate, face = sorted(ledger.bills("i", d("2026-11-10"), d("2026-11-10")), key=lambda ln: ln.service)[::-1]
    assert plate.service == "ai.plate" and plate.paid.voucher_total == 0 and plate.paid.cash == D("1.00")
    assert face.paid.voucher_total == D("1.00")
    ledger.record_usage("i", [ev("3", "ai.face", 2000, "2026-12-01 12:00")])
    ledger.settle(d("2026-12-01"))
    (late,) = ledger.bills("i", d("2026-12-01"), d("2026-12-01"))
    assert late.paid.voucher_total == 0  # expired on 2026-11-30


def test_R17_a_voucher_never_pays_arrears(ledger):
    ledger.record_usage("a", [ev("1", "ai.plate", 100, "2026-11-10 12:00")])
    ledger.settle(d("2026-11-10"))
    assert cash(ledger) == D("-10.00")
    ledger.grant_voucher("a", D("50.00"), d("2026-12-31"), t("2026-11-11 10:00"))
    assert cash(ledger) == D("-10.00")  # the voucher waits for the next charge
    assert ledger.purse("a").vouchers["a-v" + str(max(int(k.split("v")[-1]) for k in ledger.purse("a").vouchers))].remaining == D("50.00")


def test_R17_an_expired_voucher_cannot_be_granted(ledger):
    with pytest.raises(InvalidRequest):
        ledger.grant_voucher("a", D("5.00"), d("2026-10-31"), t("2026-11-01 09:00"))


# R18 ----------------------------------------------------------------------------------------

def test_R18_on_balance_terms_a_purchase_that_cannot_be_paid_is_refused_and_nothing_happens(ledger):
    ledger.topup("a", D("30.00"), "p1", t("2026-11-01 09:00"))
    with pytest.raises(InsufficientFunds) as refused:
        ledger.buy("a", "ai.face.100k", t("2026-11-01 10:00"))
    assert refused.value.details == {"needed": "50.00", "available": "30.00"}
    assert cash(ledger) == D("30.00") and ledger.packages("a", t("2026-11-01 11:00")) == []
    ledger.set_credit_limit("a", D("20.00"))
    ledger.buy("a", "ai.face.100k", t("2026-11-01 10:00"))  # down to the credit limit
    assert cash(ledger) == D("-20.00")


def test_R18_invoice_terms_are_never_refused_for_funds(ledger):
    ledger.buy("i", "ai.plate.10m", t("2026-11-01 10:00"))
    assert cash(ledger, "i") == D("-410000.00")
    assert wallet_state(ledger.purse("i").arrears_since, t("2026-12-01 10:00")) is WalletState.NORMAL


def test_R18_a_refund_pays_back_exactly_to_cash_and_to_the_vouchers_it_came_from(ledger):
    ledger.topup("a", D("40.00"), "p1", t("2026-11-01 09:00"))
    v = ledger.grant_voucher("a", D("20.00"), d("2026-11-30"), t("2026-11-01 09:00"))
    (p,), _ = ledger.buy("a", "ai.face.100k", t("2026-11-01 10:00"))  # 50: 20 voucher + 30 cash
    assert cash(ledger) == D("10.00") and ledger.purse("a").vouchers[v.id].remaining == 0
    ledger.refund("a", p.id, t("2026-11-02 10:00"))
    assert cash(ledger) == D("40.00") and ledger.purse("a").vouchers[v.id].remaining == D("20.00")


def test_R18_a_refunded_voucher_part_that_expired_since_is_forfeited(ledger):
    ledger.topup("a", D("40.00"), "p1", t("2026-11-01 09:00"))
    v = ledger.grant_voucher("a", D("20.00"), d("2026-11-01"), t("2026-11-01 09:00"))
    (p,), _ = ledger.buy("a", "ai.face.100k", t("2026-11-01 10:00"))
    ledger.refund("a", p.id, t("2026-11-03 10:00"))
    assert cash(ledger) == D("40.00") and ledger.purse("a").vouchers[v.id].remaining == 0
    assert any(e.kind == "refund" and any(x.ledger_account == "breakage" for x in e.postings) for e in ledger._account("a").entries)


# R19 ----------------------------------------------------------------------------------------

def test_R19_arrears_then_suspension_then_reclaim_and_a_topup_lifts_it(ledger):
    ledger.record_usage("a", [ev("1", "ai.plate", 100, "2026-11-10 12:00")])
    ledger.settle(d("2026-11-10"), t("2026-11-11 08:00"))
    since = ledger.purse("a").arrears_since
    assert since == t("2026-11-11 08:00")
    assert wallet_state(since, t("2026-11-12 07:59")) is WalletState.ARREARS
    assert wallet_state(since, t("2026-11-12 08:00")) is WalletState.SUSPENDED
    assert wallet_state(since, t("2026-11-27 08:00")) is WalletState.RECLAIM_DUE
    ledger.topup("a", D("5.00"), "p1", t("2026-11-13 09:00"))
    assert ledger.purse("a").arrears_since == since  # still below zero
    ledger.topup("a", D("5.00"), "p2", t("2026-11-13 09:10"))
    assert ledger.purse("a").arrears_since is None  # back to zero: lifted at once
    assert ("arrears", d("2026-11-11")) in ledger._account("a").events
    assert ("arrears_lifted", d("2026-11-13")) in ledger._account("a").events


def test_R19_a_suspended_service_stays_active_where_a_package_covers_it():
    status = service_status(WalletState.SUSPENDED, ["ai.face", "ai.plate"], covered=["ai.face"])
    assert status == {"ai.face": "active", "ai.plate": "suspended"}
    assert set(service_status(WalletState.ARREARS, ["ai.face"], covered=[]).values()) == {"active"}


def test_R19_usage_keeps_being_accepted_billed_and_drawn_in_arrears(ledger):
    ledger.set_credit_limit("a", D("100.00"))
    ledger.buy("a", "ai.face.100k", t("2026-11-01 10:00"))
    ledger.record_usage("a", [ev("1", "ai.plate", 1000, "2026-11-02 12:00")])
    ledger.settle(d("2026-11-02"))
    assert cash(ledger) == D("-150.00") and ledger.purse("a").arrears_since is not None
    ledger.record_usage("a", [ev("2", "ai.face", 10, "2026-11-03 12:00")])
    ledger.settle(d("2026-11-03"))
    assert ledger.bills("a", d("2026-11-03"), d("2026-11-03"))[0].drawn[0].quantity == 10


# R20 ----------------------------------------------------------------------------------------

def test_R20_low_balance_at_most_once_a_day_five_days_in_a_row_then_again_after_recovery():
    alert = AlertState()
    raised = []
    for n in range(8):
        day = d("2026-11-01") + timedelta(days=n)
        for _ in range(2):  # two charges a day
            fired, alert = low_balance_alert(D("100"), D("50"), day, alert)
            raised.append(fired)
    assert sum(raised) == 5 and raised[:10:2] == [True] * 5 and raised[1::2] == [False] * 8


def test_R20_the_alert_rearms_when_the_balance_recovers(ledger):
    ledger.set_threshold("i", D("100.00"))
    ledger.topup("i", D("105.00"), "p", t("2026-11-01 09:00"))
    for n in range(7):
        ledger.record_usage("i", [ev(f"u{n}", "ai.plate", 100, f"2026-11-{n + 2:02d} 12:00")])  # 10.00 a day
        ledger.settle(d(f"2026-11-{n + 2:02d}"))
    assert [k for k, _ in ledger._account("i").events].count("low_balance") == 5
    ledger.topup("i", D("100.00"), "p2", t("2026-11-10 09:00"))  # 35.00 -> 135.00: back above, re-armed
    ledger.record_usage("i", [ev("x", "ai.plate", 1000, "2026-11-10 12:00")])
    ledger.settle(d("2026-11-10"))
    assert [k for k, _ in ledger._account("i").events].count("low_balance") == 6


def test_R20_a_negative_threshold_is_refused(ledger):
    with pytest.raises(InvalidRequest):
        ledger.set_threshold("a", D("-1"))


def test_terms_default_to_invoice_for_accounts_created_without_them(ledger):
    assert ledger.purse("i").terms is PaymentTerms.INVOICE and ledger.purse("a").terms is PaymentTerms.BALANCE


def test_R19_the_delays_are_configuration(monkeypatch):
    from packbill.settings import Settings

    monkeypatch.setenv("PACKBILL_SUSPEND_AFTER_HOURS", "2")
    monkeypatch.setenv("PACKBILL_RECLAIM_AFTER_DAYS", "1")
    delays = Settings.load().delays()
    since = t("2026-11-11 08:00")
    assert wallet_state(since, t("2026-11-11 09:59"), delays) is WalletState.ARREARS
    assert wallet_state(since, t("2026-11-11 10:00"), delays) is WalletState.SUSPENDED
    assert wallet_state(since, t("2026-11-12 10:00"), delays) is WalletState.RECLAIM_DUE


@pytest.mark.parametrize("text", ["1_000", "５", "1e2", "1E2", "1,000", "٣", "Infinity", "NaN", " ", "", ".5", "5.", "0x10", "--1"])
def test_amounts_are_plain_decimal_strings(text):
    """Issue 27: Python's Decimal reads all of these; money written by people and clients must not."""
    from packbill.domain.money import parse_decimal

    with pytest.raises(ValueError):
        parse_decimal(text)


@pytest.mark.parametrize("text, value", [("120.50", "120.50"), ("-20.00", "-20.00"), ("+3", "3"), (" 7.1 ", "7.1"), ("0.0025", "0.0025")])
def test_plain_decimal_strings_are_read_exactly(text, value):
    from decimal import Decimal

    from packbill.domain.money import parse_decimal

    assert parse_decimal(text) == Decimal(value) and str(parse_decimal(text)) == str(Decimal(value))


def test_R16_one_rounding_of_a_contracted_price_for_the_console_the_advisor_and_the_purchase():
    """Issue 20: the advisor rounded a discounted price half even, the console and the purchase
    half up. 250.00 at 0.87 is 217.50 exactly; 0.125 x ... : a price whose half cent decides."""
    from decimal import Decimal

    from packbill.domain.wallet import contracted

    assert contracted(Decimal("2.25"), Decimal("0.5"))[1] == Decimal("1.13")  # 1.125: half up, not half even (1.12)
    assert contracted(Decimal("2.25") * 3, Decimal("0.5"))[1] == Decimal("3.38")  # the order of three: 3.375 -> 3.38
