"""Rules as the specification clarified them, where the first version had chosen otherwise."""

import pytest

from packbill.domain.catalog import load_catalog
from packbill.domain.errors import InvalidRequest
from packbill.domain.model import TrafficBilling
from packbill.domain.reference import ReferenceModel

from ..helpers import D, d, ev, t

CATALOG = load_catalog()


@pytest.fixture
def ledger():
    ledger = ReferenceModel(CATALOG)
    ledger.create_account("a", "Acme", "cn")
    ledger.create_account("b", "Beta", "cn")
    return ledger


def test_R9_R12_a_supplement_never_draws_on_a_package_expired_by_the_time_of_the_run(ledger):
    (p,), _ = ledger.buy("a", "ai.face.100k", t("2025-11-26 09:00"))  # last day 2026-11-25
    ledger.record_usage("a", [ev("1", "ai.face", 10, "2026-11-25 09:00")])
    ledger.settle(d("2026-11-25"), t("2026-11-26 08:00"))
    assert ledger.bills("a", d("2026-11-25"), d("2026-11-25"))[0].drawn[0].quantity == 10
    ledger.record_usage("a", [ev("2", "ai.face", 20, "2026-11-25 22:00")])  # late, arrives after expiry
    ledger.settle(d("2026-11-26"), t("2026-11-27 08:00"))
    supplement = ledger.bills("a", d("2026-11-25"), d("2026-11-25"))[1]
    assert supplement.supplement and supplement.drawn == () and supplement.payg_quantity == 20
    assert supplement.amount == D("0.01")  # 20 x 0.0005 = 0.01


def test_R12_a_supplement_within_the_validity_still_draws(ledger):
    ledger.buy("a", "ai.face.100k", t("2025-11-27 09:00"))  # last day 2026-11-26
    ledger.record_usage("a", [ev("1", "ai.face", 10, "2026-11-25 09:00")])
    ledger.settle(d("2026-11-25"), t("2026-11-26 08:00"))
    ledger.record_usage("a", [ev("2", "ai.face", 20, "2026-11-25 22:00")])
    ledger.settle(d("2026-11-25"), t("2026-11-26 10:00"))  # the package covers the run's day
    assert ledger.bills("a", d("2026-11-25"), d("2026-11-25"))[1].drawn[0].quantity == 20


def test_R12_a_day_is_settled_for_every_account_once_a_run_through_it_finished(ledger):
    ledger.record_usage("a", [ev("1", "ai.face", 10, "2026-11-25 09:00")])
    ledger.settle(d("2026-11-25"))
    ledger.record_usage("b", [ev("1", "ai.face", 10, "2026-11-25 09:00")])  # b had nothing then
    ledger.settle(d("2026-11-26"))
    (line,) = ledger.bills("b", d("2026-11-25"), d("2026-11-25"))
    assert line.supplement


def test_R8_the_peak_is_exact_until_the_line_is_rounded(ledger):
    # 30,535,710 bytes in one window is 0.81428560 Mbps: x 0.35 = 0.284999... -> 0.28. Rounding the
    # peak to whole bit/s first (814,286 bit/s) would have billed 0.29.
    ledger.record_usage("a", [ev("1", "traffic.up", 30_535_710, "2026-11-26 10:00")])
    ledger.settle(d("2026-11-26"))
    (line,) = ledger.bills("a", d("2026-11-26"), d("2026-11-26"))
    assert (line.service, line.quantity, line.amount) == ("bandwidth.up", 814_286, D("0.28"))


def test_R7_a_switch_with_a_past_at_may_not_change_a_settled_day(ledger):
    ledger.record_usage("a", [ev("1", "traffic.up", 10**6, "2026-11-25 09:00")])
    ledger.settle(d("2026-11-25"))
    with pytest.raises(InvalidRequest):
        ledger.switch_traffic_billing("a", TrafficBilling.TRAFFIC, t("2026-11-24 20:00"))  # effective on the 25th
    with pytest.raises(InvalidRequest):
        ledger.switch_traffic_billing("b", TrafficBilling.TRAFFIC, t("2026-11-24 20:00"))  # settled for b too
    assert ledger.switch_traffic_billing("a", TrafficBilling.TRAFFIC, t("2026-11-25 20:00")) == d("2026-11-26")


def test_R22_money_still_owed_is_not_invoiceable():
    """SPEC section 8: invoiceable = purchases' and pay-as-you-go's cash, less refunds, less what
    is still owed (minus a negative balance), less what was invoiced; never below zero."""
    from packbill.domain.books import invoiceable

    assert invoiceable(D("100.00"), D("50.00"), D("10.00"), D("20.00"), D("5.00")) == D("120.00")  # nothing owed
    assert invoiceable(D("100.00"), D("50.00"), D("10.00"), D("20.00"), D("-30.00")) == D("90.00")
    assert invoiceable(D("100.00"), D("50.00"), D("0.00"), D("0.00"), D("-1319.27")) == D("0.00")  # never below zero
