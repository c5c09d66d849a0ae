"""One or more worked examples per rule of SPEC.md, named after it."""

from datetime import UTC, timedelta
from decimal import Decimal

import pytest

from packbill.domain.catalog import UnknownSku, load_catalog
from packbill.domain.days import Validity
from packbill.domain.errors import RefundNotAllowed, SiteNotEligible
from packbill.domain.model import PackageStatus, TrafficBilling
from packbill.domain.money import bps_to_mbps, window_bytes_to_bps
from packbill.domain.reference import ReferenceModel
from packbill.domain.traffic_billing import SwitchRequest, mode_on, pending_switch
from packbill.present import reminder_message

from ..helpers import GB, D, d, ev, t

CATALOG = load_catalog()
TRAFFIC = TrafficBilling.TRAFFIC
DPB = TrafficBilling.DAILY_PEAK_BANDWIDTH


@pytest.fixture
def ledger():
    ledger = ReferenceModel(CATALOG)
    ledger.create_account("a", "Acme cameras", "cn")
    ledger.create_account("b", "Beta cameras", "cn")
    ledger.create_account("x", "Overseas Ltd", "intl")
    return ledger


def lines_of(ledger, account="a", day="2026-11-26"):
    return ledger.bills(account, d(day), d(day))


# R1 ---------------------------------------------------------------------------------------

def test_R1_non_mainland_usage_never_touches_a_package(ledger):
    (p,), _ = ledger.buy("a", "ai.face.100k", t("2026-11-26 09:00"))
    ledger.record_usage("a", [ev("1", "ai.face", 1000, "2026-11-26 10:00", "ap-hongkong"),
                              ev("2", "ai.face", 300, "2026-11-26 11:00", "ap-shanghai")])
    ledger.settle(d("2026-11-26"))
    (line,) = lines_of(ledger)
    assert line.quantity == 1300
    assert [(x.package_id, x.quantity) for x in line.drawn] == [(p.id, 300)]
    assert line.payg_quantity == 1000
    assert line.amount == D("0.50")  # 1000 x 0.0005
    assert ledger.packages("a", t("2026-11-27 00:00"))[0].remaining == 100_000 - 300


def test_R1_unknown_region_is_invalid():
    from packbill.domain.usage import check_event

    raw = {"event_id": "e", "service": "ai.face", "quantity": 1, "region": "mars-1", "timestamp": "2026-11-26T10:00:00+08:00"}
    assert "unknown region" in check_event(raw, t("2026-11-26 12:00"), CATALOG)


# R2 ---------------------------------------------------------------------------------------

def test_R2_international_account_cannot_buy_and_nothing_is_created(ledger):
    with pytest.raises(SiteNotEligible):
        ledger.buy("x", "ai.face.100k", t("2026-11-26 09:00"))
    assert ledger.packages("x", t("2026-11-27 00:00")) == []


def test_R2_unknown_sku_is_refused(ledger):
    with pytest.raises(UnknownSku):
        ledger.buy("a", "ai.face.3k", t("2026-11-26 09:00"))
    assert ledger.packages("a", t("2026-11-27 00:00")) == []


# R3 ---------------------------------------------------------------------------------------

def test_R3_a_package_serves_only_the_account_that_bought_it(ledger):
    ledger.buy("a", "ai.pet.100k", t("2026-11-26 09:00"))
    ledger.record_usage("b", [ev("1", "ai.pet", 400, "2026-11-26 10:00")])
    ledger.settle(d("2026-11-26"))
    (line,) = lines_of(ledger, "b")
    assert line.drawn == () and line.payg_quantity == 400 and line.amount == D("1.00")
    assert ledger.packages("b", t("2026-11-27 00:00")) == []
    assert ledger.packages("a", t("2026-11-27 00:00"))[0].remaining == 100_000


# R4 ---------------------------------------------------------------------------------------

def test_R4_worked_example_validity_window():
    assert Validity.parse("P1Y").last_day(d("2026-11-26")) == d("2027-11-25")
    assert Validity.parse("P6M").last_day(d("2026-08-31")) == d("2027-02-28")
    assert Validity.parse("P30D").last_day(d("2026-11-26")) == d("2026-12-25")
    # 29 February: the period ends with the last day of February, no day is lost
    assert Validity.parse("P1Y").last_day(d("2028-02-29")) == d("2029-02-28")


def test_R4_effective_from_midnight_of_purchase_day_in_shanghai(ledger):
    # bought at 23:30 Shanghai; usage at 00:10 the same Shanghai day is covered
    (p,), _ = ledger.buy("a", "ai.body.100k", t("2026-11-26 23:30"))
    assert (p.first_day, p.last_day) == (d("2026-11-26"), d("2027-11-25"))
    ledger.record_usage("a", [ev("1", "ai.body", 10, "2026-11-26 00:10"),
                              ev("2", "ai.body", 10, "2026-11-25 23:59")])
    ledger.settle(d("2026-11-26"))
    before, = lines_of(ledger, day="2026-11-25")
    on, = lines_of(ledger, day="2026-11-26")
    assert before.drawn == () and before.payg_quantity == 10
    assert on.drawn[0].quantity == 10 and on.payg_quantity == 0


def test_R4_purchase_time_in_utc_counts_by_shanghai_day(ledger):
    from datetime import datetime

    # 2026-11-25 17:00 UTC is 2026-11-26 01:00 in Shanghai
    (p,), _ = ledger.buy("a", "ai.body.100k", datetime(2026, 11, 25, 17, 0, tzinfo=UTC))
    assert p.first_day == d("2026-11-26")


def test_R4_last_covered_day_is_drawn_day_after_is_not(ledger):
    ledger.buy("a", "ai.tags.100k", t("2026-11-26 09:00"))
    ledger.record_usage("a", [ev("1", "ai.tags", 5, "2027-11-25 23:00"), ev("2", "ai.tags", 5, "2027-11-26 01:00")])
    ledger.settle(d("2027-11-26"))
    assert lines_of(ledger, day="2027-11-25")[0].payg_quantity == 0
    assert lines_of(ledger, day="2027-11-26")[0].payg_quantity == 5


# R5 ---------------------------------------------------------------------------------------

def test_R5_stacked_packages_drawn_in_purchase_order_with_creation_tiebreak(ledger):
    (late,), _ = ledger.buy("a", "ai.face.100k", t("2026-11-20 12:00"))
    (early,), _ = ledger.buy("a", "ai.face.100k", t("2026-11-20 08:00"))  # bought earlier, created later
    same_time, _ = ledger.buy("a", "ai.face.100k", t("2026-11-20 12:00"), count=2)
    order = [v.package.id for v in ledger.packages("a", t("2026-11-21 00:00"))]
    assert order == [early.id, late.id, same_time[0].id, same_time[1].id]
    ledger.record_usage("a", [ev("1", "ai.face", 250_000, "2026-11-21 10:00")])
    ledger.settle(d("2026-11-21"))
    (line,) = lines_of(ledger, day="2026-11-21")
    assert [(x.package_id, x.quantity) for x in line.drawn] == [
        (early.id, 100_000), (late.id, 100_000), (same_time[0].id, 50_000)]


def test_R5_buying_another_never_extends_an_older_one(ledger):
    (old,), _ = ledger.buy("a", "ai.face.100k", t("2026-01-10 09:00"))
    (new,), _ = ledger.buy("a", "ai.face.100k", t("2026-11-10 09:00"))
    assert old.last_day == d("2027-01-09") and new.last_day == d("2027-11-09")


# R6 ---------------------------------------------------------------------------------------

def test_R6_one_day_split_across_packages_and_payg(ledger):
    (p1,), _ = ledger.buy("a", "ai.plate.100k", t("2026-11-01 09:00"))
    (p2,), _ = ledger.buy("a", "ai.plate.100k", t("2026-11-02 09:00"))
    ledger.record_usage("a", [ev("1", "ai.plate", 150_000, "2026-11-26 10:00"),
                              ev("2", "ai.plate", 50_123, "2026-11-26 11:00")])
    ledger.settle(d("2026-11-26"))
    (line,) = lines_of(ledger)
    assert [(x.package_id, x.quantity) for x in line.drawn] == [(p1.id, 100_000), (p2.id, 100_000)]
    assert line.payg_quantity == 123 and line.amount == D("12.30")
    assert line.quantity == sum(x.quantity for x in line.drawn) + line.payg_quantity


def test_R6_settled_per_service_per_day(ledger):
    ledger.buy("a", "ai.pet.100k", t("2026-11-01 09:00"))
    ledger.record_usage("a", [ev("1", "ai.pet", 7, "2026-11-26 10:00"), ev("2", "ai.vehicle", 9, "2026-11-26 10:00"),
                              ev("3", "ai.pet", 3, "2026-11-27 10:00")])
    ledger.settle(d("2026-11-27"))
    got = [(ln.day, ln.service, ln.quantity, ln.payg_quantity) for ln in ledger.bills("a", d("2026-11-01"), d("2026-11-30"))]
    assert got == [(d("2026-11-26"), "ai.pet", 7, 0), (d("2026-11-26"), "ai.vehicle", 9, 9), (d("2026-11-27"), "ai.pet", 3, 0)]


# R7 ---------------------------------------------------------------------------------------

def test_R7_default_is_daily_peak_bandwidth_and_switch_takes_effect_next_day():
    reqs = [SwitchRequest(TRAFFIC, t("2026-11-26 10:00"), 1)]
    assert mode_on(d("2026-11-26"), []) is DPB
    assert mode_on(d("2026-11-26"), reqs) is DPB
    assert mode_on(d("2026-11-27"), reqs) is TRAFFIC
    assert pending_switch(d("2026-11-26"), reqs) == (TRAFFIC, d("2026-11-27"))
    assert pending_switch(d("2026-11-27"), reqs) is None


def test_R7_last_request_before_midnight_wins():
    reqs = [SwitchRequest(TRAFFIC, t("2026-11-26 10:00"), 1), SwitchRequest(DPB, t("2026-11-26 23:59"), 2),
            SwitchRequest(TRAFFIC, t("2026-11-27 00:01"), 3)]
    assert mode_on(d("2026-11-27"), reqs) is DPB
    assert mode_on(d("2026-11-28"), reqs) is TRAFFIC
    assert pending_switch(d("2026-11-26"), reqs[:2]) is None  # switched there and back: nothing pending


def test_R7_frozen_on_peak_days_drawn_on_traffic_days_validity_keeps_running(ledger):
    (up,), _ = ledger.buy("a", "traffic.up.100gb", t("2026-11-01 09:00"))
    ledger.record_usage("a", [ev("1", "traffic.up", 30 * GB, "2026-11-26 10:00")])
    ledger.switch_traffic_billing("a", TRAFFIC, t("2026-11-26 18:00"))
    ledger.record_usage("a", [ev("2", "traffic.up", 40 * GB, "2026-11-27 10:00")])
    ledger.settle(d("2026-11-27"))
    assert ledger.packages("a", t("2026-11-26 20:00"))[0].status is PackageStatus.FROZEN
    day1, = lines_of(ledger, day="2026-11-26")
    assert day1.service == "bandwidth.up" and day1.drawn == ()
    day2, = lines_of(ledger, day="2026-11-27")
    assert (day2.service, day2.drawn[0].quantity, day2.payg_quantity) == ("traffic.up", 40 * GB, 0)
    view = ledger.packages("a", t("2026-11-27 12:00"))[0]
    assert view.status is PackageStatus.ACTIVE and view.remaining == 60 * GB
    assert view.package.last_day == d("2026-10-31") + timedelta(days=365)  # not extended by the freeze


def test_R7_switching_back_freezes_again_and_thaws_later(ledger):
    ledger.buy("a", "traffic.down.100gb", t("2026-11-01 09:00"))
    ledger.switch_traffic_billing("a", TRAFFIC, t("2026-11-10 09:00"))
    ledger.switch_traffic_billing("a", DPB, t("2026-11-20 09:00"))
    statuses = [ledger.packages("a", t(f"2026-11-{day} 12:00"))[0].status for day in (10, 11, 20, 21)]
    assert statuses == [PackageStatus.FROZEN, PackageStatus.ACTIVE, PackageStatus.ACTIVE, PackageStatus.FROZEN]


def test_R7_traffic_volume_day_bills_bytes_per_gb_after_packages(ledger):
    ledger.switch_traffic_billing("a", TRAFFIC, t("2026-11-25 09:00"))
    ledger.record_usage("a", [ev("1", "traffic.down", 3 * GB + 500_000_000, "2026-11-26 10:00")])
    ledger.settle(d("2026-11-26"))
    (line,) = lines_of(ledger)
    assert line.service == "traffic.down" and line.amount == D("1.75")  # 3.5 GB x 0.50


# R8 ---------------------------------------------------------------------------------------

def test_R8_product_example_30mb_in_a_window_is_0_8_mbps():
    assert bps_to_mbps(window_bytes_to_bps(30_000_000)) == D("0.8")


def test_R8_peak_is_largest_window_over_all_regions(ledger):
    ledger.record_usage("a", [
        ev("1", "traffic.up", 30_000_000, "2026-11-26 10:00", "ap-beijing"),
        ev("2", "traffic.up", 30_000_000, "2026-11-26 10:04:59", "ap-hongkong"),  # same window: 60 MB
        ev("3", "traffic.up", 45_000_000, "2026-11-26 10:05", "ap-beijing"),      # next window
        ev("4", "traffic.down", 3_000_000, "2026-11-26 23:59:59"),               # window 287
    ])
    ledger.settle(d("2026-11-26"))
    by_service = {line.service: line for line in lines_of(ledger)}
    assert set(by_service) == {"bandwidth.up", "bandwidth.down"}
    up, down = by_service["bandwidth.up"], by_service["bandwidth.down"]
    assert up.quantity == 1_600_000 and up.amount == D("0.56")  # 1.6 Mbps (in bit/s) x 0.35
    assert down.quantity == 80_000 and down.amount == D("0.06")  # 0.08 Mbps x 0.70 = 0.056


def test_R8_windows_are_shanghai_five_minute_windows():
    from packbill.domain.days import day_and_window

    assert day_and_window(t("2026-11-26 00:00")) == (d("2026-11-26"), 0)
    assert day_and_window(t("2026-11-26 00:04:59")) == (d("2026-11-26"), 0)
    assert day_and_window(t("2026-11-26 23:59:59")) == (d("2026-11-26"), 287)


# R9 ---------------------------------------------------------------------------------------

def test_R9_remainder_forfeited_after_last_day(ledger):
    (p,), _ = ledger.buy("a", "ai.kitchen.100k", t("2025-11-26 09:00"))
    ledger.record_usage("a", [ev("1", "ai.kitchen", 100, "2026-11-25 09:00"), ev("2", "ai.kitchen", 100, "2026-11-26 09:00")])
    ledger.settle(d("2026-11-26"))
    assert lines_of(ledger, day="2026-11-25")[0].payg_quantity == 0
    assert lines_of(ledger, day="2026-11-26")[0].payg_quantity == 100
    view = ledger.packages("a", t("2026-11-26 12:00"))[0]
    assert view.status is PackageStatus.EXPIRED and view.remaining == 99_900
    with pytest.raises(RefundNotAllowed):
        ledger.refund("a", p.id, t("2026-11-26 12:00"))


# R10 --------------------------------------------------------------------------------------

def test_R10_one_refund_within_five_days_of_an_undrawn_package(ledger):
    (p1, p2), amount = ledger.buy("a", "ai.face.1m", t("2026-11-20 10:00"), count=2)
    assert amount == D("1000")
    assert ledger.refund("a", p1.id, t("2026-11-25 10:00")) == D("500")
    assert ledger.packages("a", t("2026-11-25 10:00"))[0].status is PackageStatus.REFUNDED
    with pytest.raises(RefundNotAllowed, match="one no-reason refund"):
        ledger.refund("a", p2.id, t("2026-11-25 10:00"))


def test_R10_refused_after_five_days(ledger):
    (p,), _ = ledger.buy("a", "ai.face.1m", t("2026-11-20 10:00"))
    with pytest.raises(RefundNotAllowed, match="within 5 days"):
        ledger.refund("a", p.id, t("2026-11-25 10:00:01"))


def test_R10_refused_once_drawn(ledger):
    (p,), _ = ledger.buy("a", "ai.face.1m", t("2026-11-20 10:00"))
    ledger.record_usage("a", [ev("1", "ai.face", 1, "2026-11-20 11:00")])
    ledger.settle(d("2026-11-20"))
    with pytest.raises(RefundNotAllowed, match="already paid for usage"):
        ledger.refund("a", p.id, t("2026-11-21 10:00"))


def test_R10_refunded_package_is_never_drawn(ledger):
    (p,), _ = ledger.buy("a", "ai.face.1m", t("2026-11-20 10:00"))
    ledger.refund("a", p.id, t("2026-11-20 11:00"))
    ledger.record_usage("a", [ev("1", "ai.face", 10, "2026-11-20 12:00")])
    ledger.settle(d("2026-11-20"))
    assert lines_of(ledger, day="2026-11-20")[0].drawn == ()


# R11 --------------------------------------------------------------------------------------

def kinds(reminders):
    return sorted((r.kind, str(r.day), r.threshold) for r in reminders)


def test_R11_expiring_each_day_of_the_last_seven(ledger):
    ledger.buy("a", "ai.pet.100k", t("2025-11-26 09:00"))  # last day 2026-11-25
    assert ledger.reminders("a", d("2026-11-18")) == []
    for day in ("2026-11-19", "2026-11-22", "2026-11-25"):
        (r,) = ledger.reminders("a", d(day))
        assert (r.kind, str(r.day)) == ("expiring", day) and "forfeited" in reminder_message(r, CATALOG)
    assert ledger.reminders("a", d("2026-11-26")) == []


def test_R11_low_at_20_and_10_percent_then_exhausted(ledger):
    (p,), _ = ledger.buy("a", "ai.pet.100k", t("2026-11-01 09:00"))
    ledger.record_usage("a", [ev("1", "ai.pet", 80_000, "2026-11-02 09:00")])  # exactly 20% left: not below
    ledger.settle(d("2026-11-02"))
    assert ledger.reminders("a", d("2026-11-02")) == []
    ledger.record_usage("a", [ev("2", "ai.pet", 1, "2026-11-03 09:00")])
    ledger.record_usage("a", [ev("3", "ai.pet", 10_000, "2026-11-04 09:00")])
    ledger.settle(d("2026-11-04"))
    assert kinds(ledger.reminders("a", d("2026-11-04"))) == [
        ("low", "2026-11-03", D("0.2")), ("low", "2026-11-04", D("0.1"))]
    ledger.record_usage("a", [ev("4", "ai.pet", 20_000, "2026-11-05 09:00")])
    ledger.settle(d("2026-11-05"))
    assert kinds(ledger.reminders("a", d("2026-11-05"))) == [("exhausted", "2026-11-05", None)]
    assert kinds(ledger.reminders("a", d("2026-11-04"))) == [
        ("low", "2026-11-03", D("0.2")), ("low", "2026-11-04", D("0.1"))]


def test_R11_frozen_traffic_packages_are_reminded(ledger):
    ledger.buy("a", "traffic.up.1tb", t("2026-11-01 09:00"))
    (r,) = ledger.reminders("a", d("2026-11-02"))
    assert r.kind == "frozen" and "daily peak bandwidth" in reminder_message(r, CATALOG)
    ledger.switch_traffic_billing("a", TRAFFIC, t("2026-11-02 09:00"))
    assert ledger.reminders("a", d("2026-11-03")) == []


# R12 --------------------------------------------------------------------------------------

def test_R12_late_usage_is_a_supplement_under_that_days_rules(ledger):
    (p,), _ = ledger.buy("a", "ai.vehicle.100k", t("2026-11-01 09:00"))
    ledger.record_usage("a", [ev("1", "ai.vehicle", 99_000, "2026-11-26 09:00")])
    assert ledger.settle(d("2026-11-26")) == (1, 1)
    ledger.record_usage("a", [ev("2", "ai.vehicle", 3_000, "2026-11-26 22:00"), ev("3", "ai.vehicle", 5, "2026-11-27 09:00")])
    assert ledger.settle(d("2026-11-27")) == (2, 2)
    first, supplement = lines_of(ledger)
    assert not first.supplement and supplement.supplement
    assert supplement.quantity == 3_000 and supplement.drawn[0].quantity == 1_000 and supplement.payg_quantity == 2_000
    assert supplement.amount == D("6.00")
    (next_day,) = lines_of(ledger, day="2026-11-27")
    assert next_day.payg_quantity == 5 and not next_day.supplement


def test_R12_supplement_uses_that_days_traffic_billing_type(ledger):
    ledger.buy("a", "traffic.up.100gb", t("2026-11-01 09:00"))
    ledger.record_usage("a", [ev("1", "traffic.up", 30_000_000, "2026-11-26 10:00")])
    ledger.settle(d("2026-11-26"))
    ledger.switch_traffic_billing("a", TRAFFIC, t("2026-11-26 20:00"))
    # late traffic of the 26th (a peak-bandwidth day) raises its peak from 0.8 to 2.4 Mbps
    ledger.record_usage("a", [ev("2", "traffic.up", 60_000_000, "2026-11-26 10:01"), ev("3", "traffic.up", 1, "2026-11-26 11:00")])
    ledger.settle(d("2026-11-27"))
    first, supplement = lines_of(ledger)
    assert (first.service, first.quantity, first.amount) == ("bandwidth.up", 800_000, D("0.28"))  # 0.8 Mbps
    assert (supplement.service, supplement.quantity, supplement.amount, supplement.supplement) == (
        "bandwidth.up", 1_600_000, D("0.84") - D("0.28"), True)  # a rise of 1.6 Mbps
    assert ledger.packages("a", t("2026-11-27 12:00"))[0].remaining == 100 * GB


def test_R12_supplement_that_does_not_raise_the_peak_bills_nothing(ledger):
    ledger.record_usage("a", [ev("1", "traffic.down", 30_000_000, "2026-11-26 10:00")])
    ledger.settle(d("2026-11-26"))
    ledger.record_usage("a", [ev("2", "traffic.down", 1_000, "2026-11-26 12:00")])
    assert ledger.settle(d("2026-11-26")) == (1, 0)
    assert len(lines_of(ledger)) == 1


def test_R12_settling_again_changes_nothing(ledger):
    ledger.buy("a", "ai.face.100k", t("2026-11-01 09:00"))
    ledger.record_usage("a", [ev("1", "ai.face", 10, "2026-11-26 09:00")])
    assert ledger.settle(d("2026-11-26")) == (1, 1)
    before = (lines_of(ledger), ledger.packages("a", t("2026-11-27 00:00")))
    assert ledger.settle(d("2026-11-26")) == (0, 0)
    assert ledger.settle(d("2026-11-30")) == (0, 0)
    assert (lines_of(ledger), ledger.packages("a", t("2026-11-27 00:00"))) == before


def test_R12_supplement_draws_from_packages_covering_that_day_only(ledger):
    ledger.record_usage("a", [ev("1", "ai.face", 10, "2026-11-20 09:00")])
    ledger.settle(d("2026-11-20"))
    ledger.buy("a", "ai.face.100k", t("2026-11-22 09:00"))
    ledger.record_usage("a", [ev("2", "ai.face", 10, "2026-11-20 10:00")])
    ledger.settle(d("2026-11-22"))
    assert [ln.payg_quantity for ln in lines_of(ledger, day="2026-11-20")] == [10, 10]


# R13 --------------------------------------------------------------------------------------

def test_R13_each_line_rounded_half_up_to_a_fen(ledger):
    ledger.record_usage("a", [ev("1", "ai.face", 9, "2026-11-26 09:00"),        # 0.0045 -> 0.00
                              ev("2", "ai.body", 5, "2026-11-26 09:00"),        # 0.010 -> 0.01
                              ev("3", "ai.pet", 2, "2026-11-26 09:00")])        # 0.005 -> 0.01 (half up)
    ledger.settle(d("2026-11-26"))
    amounts = {ln.service: ln.amount for ln in lines_of(ledger)}
    assert amounts == {"ai.face": D("0.00"), "ai.body": D("0.01"), "ai.pet": D("0.01")}
    assert all(isinstance(a, Decimal) for a in amounts.values())


def test_R13_graduated_monthly_tiers_restart_on_the_first():
    from packbill.domain.catalog import default_catalog_text, parse_catalog

    text = default_catalog_text().replace('price = "0.0005"', 'tiers = [{up_to = 100, price = "0.01"}, {price = "0.001"}]')
    ledger = ReferenceModel(parse_catalog(text))
    ledger.create_account("a", "A", "cn")
    ledger.record_usage("a", [ev("1", "ai.face", 60, "2026-11-29 09:00"), ev("2", "ai.face", 60, "2026-11-30 09:00"),
                              ev("3", "ai.face", 60, "2026-12-01 09:00")])
    ledger.settle(d("2026-12-01"))
    amounts = [ln.amount for ln in ledger.bills("a", d("2026-11-01"), d("2026-12-31"))]
    assert amounts == [D("0.60"), D("0.42"), D("0.60")]  # 40 x 0.01 + 20 x 0.001


# R14 --------------------------------------------------------------------------------------

def test_R14_retried_event_counts_once_however_late(ledger):
    e = ev("same", "ai.face", 10, "2026-11-26 09:00")
    assert ledger.record_usage("a", [e, e]) == (1, 1)
    ledger.settle(d("2026-11-26"))
    assert ledger.record_usage("a", [e]) == (0, 1)
    assert ledger.settle(d("2026-11-30")) == (0, 0)
    assert lines_of(ledger)[0].quantity == 10


def test_R14_event_ids_are_per_account(ledger):
    e = ev("same", "ai.face", 10, "2026-11-26 09:00")
    assert ledger.record_usage("a", [e]) == (1, 0)
    assert ledger.record_usage("b", [e]) == (1, 0)


def test_R14_future_events_refused_past_events_accepted():
    from packbill.domain.usage import check_batch

    now = t("2026-11-26 12:00")
    raws = [
        {"event_id": "ok-past", "service": "ai.face", "quantity": 1, "region": "ap-beijing", "timestamp": "2025-01-01T00:00:00+08:00"},
        {"event_id": "ok-soon", "service": "ai.face", "quantity": 1, "region": "ap-beijing", "timestamp": "2026-11-26T12:05:00+08:00"},
        {"event_id": "late", "service": "ai.face", "quantity": 1, "region": "ap-beijing", "timestamp": "2026-11-26T12:05:01+08:00"},
        {"event_id": "naive", "service": "ai.face", "quantity": 1, "region": "ap-beijing", "timestamp": "2026-11-26T10:00:00"},
        {"event_id": "", "service": "ai.face", "quantity": 1, "region": "ap-beijing", "timestamp": "2026-11-26T10:00:00Z"},
        {"event_id": "z", "service": "bandwidth.up", "quantity": 1, "region": "ap-beijing", "timestamp": "2026-11-26T10:00:00Z"},
        {"event_id": "q", "service": "ai.face", "quantity": 0, "region": "ap-beijing", "timestamp": "2026-11-26T10:00:00Z"},
        {"event_id": "f", "service": "ai.face", "quantity": 1.5, "region": "ap-beijing", "timestamp": "2026-11-26T10:00:00Z"},
        {"event_id": "b", "service": "ai.face", "quantity": True, "region": "ap-beijing", "timestamp": "2026-11-26T10:00:00Z"},
        {"event_id": "big", "service": "ai.face", "quantity": 10**15 + 1, "region": "ap-beijing", "timestamp": "2026-11-26T10:00:00Z"},
        {"event_id": "x" * 129, "service": "ai.face", "quantity": 1, "region": "ap-beijing", "timestamp": "2026-11-26T10:00:00Z"},
        "not an object",
    ]
    events, errors = check_batch(raws, now, CATALOG)
    assert [e.event_id for e in events] == ["ok-past", "ok-soon"]
    assert [e.index for e in errors] == list(range(2, 12))
    assert "ahead" in errors[0].reason and "UTC offset" in errors[1].reason
