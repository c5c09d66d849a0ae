"""R28 auto-rebuy triggers and decisions, R30 budget alerts, forecast and caps, each rule alone."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta
from decimal import Decimal as D

import pytest

from packbill.domain.auto_rebuy import Act, Rule, Tried, Trigger, check_rule, decide, due, spent_in
from packbill.domain.budget import MonthSpend, budget_alerts, capped, days_left, forecast
from packbill.domain.days import SHANGHAI
from packbill.domain.errors import InvalidRequest
from packbill.domain.model import Package, TrafficBilling

TODAY = date(2027, 3, 10)
T = TrafficBilling.TRAFFIC


def package(pid: str, seq: int, last_day: date, service: str = "ai.pet", size: int = 100_000) -> Package:
    return Package(pid, "acc", f"{service}.100k", service, size, D("250"), datetime(2027, 1, 1, 10, tzinfo=SHANGHAI) + timedelta(minutes=seq),
                   seq, date(2027, 1, 1), last_day)


EXHAUSTED = Rule("ai.pet", "ai.pet.100k", Trigger.EXHAUSTED, None, D("500.00"))
EXPIRING = Rule("ai.pet", "ai.pet.100k", Trigger.EXPIRING, 7, D("500.00"))


def test_R28_exhausted_is_due_when_the_last_package_with_something_left_is_used_up_and_named_by_it():
    a, b = package("a", 1, date(2027, 12, 31)), package("b", 2, date(2027, 12, 31))
    assert due(EXHAUSTED, TODAY, [(a, 0), (b, 10)], T) is None  # b still has something
    found = due(EXHAUSTED, TODAY, [(a, 0), (b, 0)], T)
    assert found is not None and found.key == "exhausted:b" and found.package is b  # the one bought last
    assert due(EXHAUSTED, TODAY, [], T) is None  # nothing held: nothing used up
    assert due(EXHAUSTED, TODAY, [(replace(b, refunded_at=datetime(2027, 2, 1, tzinfo=SHANGHAI)), 0)], T) is None
    assert due(EXHAUSTED, TODAY, [(package("old", 1, date(2027, 3, 9)), 0)], T) is None  # expired: not in use
    assert due(EXHAUSTED, TODAY, [(a, 0), (package("f", 3, date(2027, 12, 31), "ai.face"), 5)], T).key == "exhausted:a"


def test_R28_expiring_is_due_days_before_the_last_day_of_the_package_ending_last():
    a, b = package("a", 1, TODAY + timedelta(days=3)), package("b", 2, TODAY + timedelta(days=8))
    assert due(EXPIRING, TODAY, [(a, 10), (b, 10)], T) is None  # b ends 8 days off
    assert due(EXPIRING, TODAY + timedelta(days=1), [(a, 10), (b, 10)], T).key == "expiring:b"  # 7 days
    assert due(EXPIRING, TODAY, [(a, 10), (b, 0)], T).key == "expiring:a"  # b used up: a is the last with something
    assert due(EXPIRING, TODAY, [(a, 0), (b, 0)], T) is None  # nothing left anywhere: that is exhausted's


def test_R28_a_traffic_rule_is_never_due_on_daily_peak_bandwidth_billing():
    rule = Rule("traffic.down", "traffic.down.1tb", Trigger.EXHAUSTED, None, D("9999"))
    p = package("t", 1, date(2027, 12, 31), "traffic.down")
    assert due(rule, TODAY, [(p, 0)], T) is not None
    assert due(rule, TODAY, [(p, 0)], TrafficBilling.DAILY_PEAK_BANDWIDTH) is None


def test_R28_a_trigger_buys_once_is_tried_at_most_once_a_day_and_never_past_the_cap():
    assert decide(EXHAUSTED, None, TODAY, D("0"), D("250.00")) is Act.BUY
    assert decide(EXHAUSTED, Tried("ord_1", TODAY - timedelta(days=5)), TODAY, D("0"), D("250.00")) is Act.WAIT
    assert decide(EXHAUSTED, Tried(None, TODAY), TODAY, D("0"), D("250.00")) is Act.WAIT
    assert decide(EXHAUSTED, Tried(None, TODAY - timedelta(days=1)), TODAY, D("0"), D("250.00")) is Act.BUY
    assert decide(EXHAUSTED, None, TODAY, D("250.00"), D("250.00")) is Act.BUY  # exactly the cap
    assert decide(EXHAUSTED, None, TODAY, D("250.01"), D("250.00")) is Act.CAPPED
    assert spent_in([(date(2027, 3, 1), D("250")), (date(2027, 2, 1), D("250"))], date(2027, 3, 1)) == D("250")


def test_R28_a_rule_is_checked_whole(catalog):
    assert check_rule(catalog, "ai.pet", "ai.pet.1m", "expiring", 7, D("3000")).days_before == 7
    for args, words in [(("ai.pet", "ai.face.1m", "exhausted", None, D(1)), "not of ai.pet"),
                        (("ai.pet", 5, "exhausted", None, D(1)), "'sku'"),
                        (("nope", "ai.pet.1m", "exhausted", None, D(1)), "unknown service"),
                        (("ai.pet", "ai.pet.1m", "later", None, D(1)), "'trigger'"),
                        (("ai.pet", "ai.pet.1m", "expiring", 0, D(1)), "'days_before'"),
                        (("ai.pet", "ai.pet.1m", "expiring", True, D(1)), "'days_before'"),
                        (("ai.pet", "ai.pet.1m", "exhausted", 3, D(1)), "only for an 'expiring'"),
                        (("ai.pet", "ai.pet.1m", "exhausted", None, D(0)), "greater than zero")]:
        with pytest.raises(InvalidRequest, match=words):
            check_rule(catalog, *args)


def spend(purchases: str, payg: dict[str, str], expected: str) -> MonthSpend:
    return MonthSpend(date(2027, 3, 1), D(purchases), {s: D(v) for s, v in payg.items()}, D(expected))


def test_R30_budget_alerts_at_50_80_100_percent_and_when_the_forecast_passes_it():
    assert budget_alerts(None, spend("900", {}, "900")) == []
    assert [a.step for a in budget_alerts(D("1000"), spend("300", {"ai.pet": "199.99"}, "499.99"))] == []
    assert [a.step for a in budget_alerts(D("1000"), spend("300", {"ai.pet": "200"}, "500"))] == [50]
    assert [a.step for a in budget_alerts(D("1000"), spend("300", {"ai.pet": "500"}, "1000"))] == [50, 80]
    assert [a.step for a in budget_alerts(D("1000"), spend("300", {"ai.pet": "500"}, "1000.01"))] == [50, 80, None]
    found = budget_alerts(D("1000"), spend("0", {"ai.pet": "1000"}, "1000"))
    assert [a.key for a in found] == ["budget:2027-03:50", "budget:2027-03:80", "budget:2027-03:100"]


def test_R30_the_forecast_is_what_was_spent_before_today_and_the_recent_rate_for_each_day_left():
    assert days_left(date(2027, 3, 10)) == 22 and days_left(date(2027, 2, 28)) == 1 and days_left(date(2028, 2, 1)) == 29
    # 100.00 a day for the 22 days from the 10th: 2,200.00 on top of the 400.00 before today
    assert forecast(D("450"), D("400"), D("100"), date(2027, 3, 10)) == D("2600.00")
    assert forecast(D("5000"), D("400"), D("100"), date(2027, 3, 10)) == D("5000")  # never below what was spent


def test_R30_a_cap_reached_stops_the_service_unless_a_package_covers_it():
    caps = {"ai.pet": D("100"), "ai.face": D("100")}
    assert capped(caps, {"ai.pet": D("100"), "ai.face": D("99.99")}, set()) == {"ai.pet"}
    assert capped(caps, {"ai.pet": D("100")}, {"ai.pet"}) == set()
