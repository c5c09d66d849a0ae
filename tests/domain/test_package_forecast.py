"""R29: each active package's forecast at the account's recent rate (worked by hand)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal as D
from fractions import Fraction

from packbill.domain.days import SHANGHAI
from packbill.domain.model import Package, TrafficBilling
from packbill.domain.package_forecast import daily_rates, forecast_packages

TODAY = date(2027, 3, 1)


def package(pid: str, service: str, size: int, price: str, last_day: date, seq: int, sku: str = "x") -> Package:
    return Package(pid, "acc", sku, service, size, D(price), datetime(2027, 1, 1, 10, tzinfo=SHANGHAI) + timedelta(minutes=seq), seq,
                   date(2027, 1, 1), last_day)


def test_R29_a_package_runs_out_on_the_day_its_last_call_is_drawn():
    # 900,000 pet calls in the last 30 days: 30,000 a day from tomorrow; 1,000,000 left lasts
    # 33 days and a third: the 34th day (2027-04-04) draws its last 10,000
    p = package("p1", "ai.pet", 1_000_000, "2200", TODAY + timedelta(days=200), 1)
    (f,) = forecast_packages([(p, 1_000_000)], daily_rates({"ai.pet": 900_000}), TODAY, TrafficBilling.TRAFFIC).values()
    assert f.runs_out_on == date(2027, 4, 4) and f.forfeit_quantity == 0 and not f.forfeits


def test_R29_what_is_left_at_the_last_day_is_forfeited_at_its_contracted_value():
    # 27,700 a day for the 100 days from tomorrow to its last day: 2,770,000 of 10,000,000 drawn;
    # 7,230,000 forfeited, worth 20,000.00 x 0.723 = 14,460.00
    p = package("p1", "ai.pet", 10_000_000, "20000", TODAY + timedelta(days=100), 1)
    (f,) = forecast_packages([(p, 10_000_000)], daily_rates({"ai.pet": 831_000}), TODAY, TrafficBilling.TRAFFIC).values()
    assert (f.runs_out_on, f.forfeit_quantity, f.forfeit_value) == (None, 7_230_000, D("14460.00"))


def test_R29_packages_are_drawn_in_purchase_order_and_a_later_one_starts_when_the_first_runs_out():
    # 10,000 a day: the first bought (500,000 left) runs out on day 50 (2027-04-20); the second
    # (1,000,000) draws from day 51 to its last day (day 80): 300,000, forfeiting 700,000 (1,540.00)
    first = package("a", "ai.pet", 1_000_000, "2200", TODAY + timedelta(days=300), 1)
    second = package("b", "ai.pet", 1_000_000, "2200", TODAY + timedelta(days=80), 2)
    f = forecast_packages([(second, 1_000_000), (first, 500_000)], daily_rates({"ai.pet": 300_000}), TODAY, TrafficBilling.TRAFFIC)
    assert f["a"].runs_out_on == date(2027, 4, 20) and f["a"].forfeit_quantity == 0
    assert (f["b"].runs_out_on, f["b"].forfeit_quantity, f["b"].forfeit_value) == (None, 700_000, D("1540.00"))


def test_R29_no_recent_usage_no_forecast_and_frozen_traffic_packages_forfeit_everything():
    face = package("f", "ai.face", 100_000, "50", TODAY + timedelta(days=30), 1)
    up = package("t", "traffic.up", 10**12, "150", TODAY + timedelta(days=30), 2)
    rates = daily_rates({"ai.face": 0, "traffic.up": 3 * 10**11})
    f = forecast_packages([(face, 100_000), (up, 10**12)], rates, TODAY, TrafficBilling.DAILY_PEAK_BANDWIDTH)
    assert "f" not in f  # none without usage (R29)
    assert f["t"].forfeit_quantity == 10**12 and f["t"].forfeit_value == D("150.00")  # frozen while billed by peak bandwidth (R7)
    # on traffic billing 10 GB a day draws 300 GB in its 30 days: 700 GB forfeited, 105.00
    g = forecast_packages([(up, 10**12)], rates, TODAY, TrafficBilling.TRAFFIC)
    assert (g["t"].runs_out_on, g["t"].forfeit_quantity, g["t"].forfeit_value) == (None, 7 * 10**11, D("105.00"))


def test_R29_a_rate_that_is_not_whole_draws_the_exact_sum():
    # 100 calls in 30 days: 3 1/3 a day; the 30 days from tomorrow draw exactly 100
    p = package("p", "ai.face", 1000, "50", TODAY + timedelta(days=30), 1)
    (f,) = forecast_packages([(p, 1000)], {"ai.face": Fraction(100, 30)}, TODAY, TrafficBilling.TRAFFIC).values()
    assert f.forfeit_quantity == 900 and f.forfeit_value == D("45.00")


def test_R29_a_package_expected_to_forfeit_is_announced_30_and_7_days_before_its_last_day():
    from packbill.domain.package_forecast import PackageForecast
    from packbill.domain.reminders import forfeit_reminders

    p = package("p", "ai.pet", 10_000_000, "20000", TODAY + timedelta(days=40), 1)
    forfeits = {"p": PackageForecast(None, 7_230_000, D("14460.00"))}
    notices = {days: forfeit_reminders(p.last_day - timedelta(days=days), [p], forfeits, {"p": 9_000_000}) for days in (40, 31, 30, 12, 7, 0)}
    assert [len(notices[d]) for d in (40, 31)] == [0, 0]  # not yet
    assert [r.notice for d in (30, 12) for r in notices[d]] == [30, 30]  # the 30-day notice (given late if missed on its day)
    assert [r.notice for d in (7, 0) for r in notices[d]] == [7, 7]
    (r,) = notices[30]
    assert (r.kind, r.days_left, r.remaining, r.forecast.forfeit_value) == ("forfeit_expected", 31, 9_000_000, D("14460.00"))
    # a forecast that runs out before its last day forfeits nothing: no notice
    assert forfeit_reminders(p.last_day - timedelta(days=7), [p], {"p": PackageForecast(TODAY, 0, D("0.00"))}, {}) == []


def test_R29_package_low_fires_below_the_services_threshold_of_what_its_active_packages_held():
    """R29: per service, what the active packages have left together against what they held."""
    from packbill.domain.reminders import package_low_reminders

    a = package("a", "ai.pet", 1_000_000, "2200", TODAY + timedelta(days=200), 1)
    b = package("b", "ai.pet", 1_000_000, "2200", TODAY + timedelta(days=200), 2)
    spent = package("c", "ai.pet", 1_000_000, "2200", TODAY + timedelta(days=200), 3)
    up = package("t", "traffic.up", 10**12, "150", TODAY + timedelta(days=200), 4)
    held = [(a, 150_000), (b, 200_000), (spent, 0), (up, 10**11)]
    (r,) = package_low_reminders(TODAY, held, TrafficBilling.DAILY_PEAK_BANDWIDTH, {})  # 350,000 of 2,000,000: 17.5 % < 20 %
    assert (r.kind, r.package.id, r.remaining, r.capacity, r.threshold) == ("package_low", "b", 350_000, 2_000_000, D("0.2"))
    # the used-up package holds nothing any more and is not counted; frozen traffic is not either (R7)
    assert package_low_reminders(TODAY, held, TrafficBilling.DAILY_PEAK_BANDWIDTH, {"ai.pet": 15}) == []
    assert package_low_reminders(TODAY, held, TrafficBilling.DAILY_PEAK_BANDWIDTH, {"ai.pet": None}) == []  # off
    on_traffic = package_low_reminders(TODAY, held, TrafficBilling.TRAFFIC, {"ai.pet": None})
    assert [(x.package.id, x.remaining) for x in on_traffic] == [("t", 10**11)]  # 10 % of 1 TB left, not frozen


def test_R30_an_anomaly_is_a_day_above_three_times_the_median_of_the_week_before_and_above_10():
    """R30: 4.00, 5.00, 0.00 (nothing billed), 6.00, 5.00, 4.00, 5.00 the week before (median
    5.00): 15.01 is an anomaly, 15.00 is not (not more than 3 times), and 9.99 after a quiet week
    is not either (not above 10.00). A new account's first week is not judged."""
    from packbill.domain.anomaly import anomalies

    week = [D("4.00"), D("5.00"), None, D("6.00"), D("5.00"), D("4.00"), D("5.00")]
    start = date(2027, 5, 1)
    amounts = {(start + timedelta(days=i), "ai.face"): q for i, q in enumerate(week) if q is not None}
    day = start + timedelta(days=7)
    for amount, flagged in ((D("15.01"), True), (D("15.00"), False)):
        found = anomalies({**amounts, (day, "ai.face"): amount}, [day], start)
        assert [(a.service, a.day, a.amount, a.median) for a in found] == ([("ai.face", day, amount, D("5.00"))] if flagged else [])
    quiet = {(start + timedelta(days=i), "ai.pet"): D("0.10") for i in range(7)}
    assert anomalies({**quiet, (day, "ai.pet"): D("9.99")}, [day], start) == []
    assert anomalies({**quiet, (day, "ai.pet"): D("10.01")}, [day], start)[0].median == D("0.10")
    assert anomalies({**amounts, (day, "ai.face"): D("99")}, [day], start + timedelta(days=1)) == []  # not a week of history
    assert anomalies({}, [day], None) == []
