"""What a chart's axis and a package's name say to a person: round ticks, and packages told apart
by what the package list shows (the day each took effect), never by a fragment of an id."""

import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from packbill.domain.catalog import load_catalog
from packbill.domain.model import Package
from packbill.present import package_labels
from packbill.present.charts import line_chart, stacked_bars

CATALOG = load_catalog()


def ticks(svg: str) -> list[str]:
    """The value axis' labels, bottom to top."""
    return re.findall(r'text-anchor="end">([^<]*)</text>', svg)


def test_a_daily_usage_of_about_two_thousand_reads_in_steps_of_five_hundred():
    svg = stacked_bars("t", ["10-01", "10-02"], {"a": [1400, 1900], "b": [100, 210]})
    assert ticks(svg) == ["0", "500", "1,000", "1,500", "2,000", "2,500"]


def test_a_balance_below_zero_reads_below_the_axis_in_round_steps():
    svg = line_chart("t", ["a", "b", "c"], {"balance": [1200.0, -350.0, None]})
    assert ticks(svg) == ["-500", "0", "500", "1,000", "1,500"]


def test_large_and_small_figures_read_as_people_write_them():
    assert ticks(stacked_bars("t", ["x"], {"a": [3.2e9]})) == ["0", "1G", "2G", "3G", "4G"]
    assert ticks(stacked_bars("t", ["x"], {"a": [0.37]})) == ["0", "0.1", "0.2", "0.3", "0.4"]
    assert ticks(stacked_bars("t", ["x"], {"a": [0]}))[0] == "0"


@given(st.floats(min_value=0, max_value=1e12, allow_nan=False), st.floats(min_value=0, max_value=1e12, allow_nan=False))
def test_every_axis_holds_its_figures_in_at_most_six_round_steps(low, high):
    values = [-low, high]
    if low + high < 1e-4:  # below what a chart of calls, GB or money shows: an empty axis
        values = [0.0, 0.0]
    svg = line_chart("t", ["a", "b"], {"s": values})
    labels = ticks(svg)
    assert 2 <= len(labels) <= 7
    numbers = [_read(label) for label in labels]
    step = numbers[1] - numbers[0]
    assert all(abs((b - a) - step) <= step * 1e-6 for a, b in zip(numbers, numbers[1:], strict=False)), labels
    assert numbers[0] <= min(values) + 1e-9 and numbers[-1] >= max(values) - 1e-9
    mantissa = step / 10 ** _exponent(step)
    assert round(mantissa, 6) in (1, 2, 5), (labels, step)


def _read(label: str) -> float:
    scale = {"G": 1e9, "M": 1e6}.get(label[-1], 1)
    return float(label.rstrip("GM").replace(",", "")) * scale


def _exponent(value: float) -> int:
    import math

    return math.floor(math.log10(value) + 1e-9)


def _package(pid: str, sku: str, first: date, seq: int) -> Package:
    item = CATALOG.sku(sku)
    bought = datetime(2026, 9, 30, tzinfo=UTC) + timedelta(minutes=seq)
    return Package(pid, "acc", sku, item.service, item.size, Decimal(item.price), bought, seq, first, first + timedelta(days=364))


def test_a_package_alone_of_its_kind_is_called_by_its_kind():
    labels = package_labels(CATALOG, [_package("pkg_f929ac0230bd4357ba4a", "ai.kitchen.100k", date(2026, 10, 1), 1),
                                      _package("pkg_841b813ed9bb4a808296", "ai.face.1m", date(2026, 10, 1), 2)], "zh")
    assert labels == {"pkg_f929ac0230bd4357ba4a": "明厨亮灶资源包-10万次", "pkg_841b813ed9bb4a808296": "人脸检测资源包-100万次"}


def test_packages_of_one_kind_are_told_apart_by_the_day_they_took_effect_and_then_by_their_order():
    held = [_package("p3", "ai.kitchen.100k", date(2026, 10, 25), 3), _package("p1", "ai.kitchen.100k", date(2026, 10, 1), 1),
            _package("p2", "ai.kitchen.100k", date(2026, 10, 11), 2), _package("p4", "ai.kitchen.100k", date(2026, 10, 25), 4)]
    zh = package_labels(CATALOG, held, "zh")
    assert zh["p1"] == "明厨亮灶资源包-10万次（2026-10-01 起）"
    assert zh["p3"] == "明厨亮灶资源包-10万次（2026-10-25 起，第 1 个）"
    assert zh["p4"] == "明厨亮灶资源包-10万次（2026-10-25 起，第 2 个）"
    en = package_labels(CATALOG, held, "en")
    assert en["p2"] == "Kitchen compliance, 100,000 calls (from 2026-10-11)"
    assert en["p4"] == "Kitchen compliance, 100,000 calls (from 2026-10-25, no. 2)"
    assert len(set(zh.values())) == len(set(en.values())) == 4


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_no_label_shows_a_piece_of_a_package_id(lang):
    held = [_package(f"pkg_{n:020x}", "ai.face.100k", date(2026, 10, 1 + n % 3), n) for n in range(6)]
    for pid, label in package_labels(CATALOG, held, lang).items():
        assert pid[-4:] not in label


def test_a_legend_wider_than_its_chart_wraps_below_it_and_the_chart_grows_to_hold_it():
    names = {f"明厨亮灶资源包-10万次（2026-10-{d:02d} 起）": [1.0] for d in (1, 11, 25)} | {"按量计费": [1.0]}
    short = stacked_bars("t", ["x"], {"按量计费": [1.0]})
    long = stacked_bars("t", ["x"], names)
    height = re.search(r'viewBox="0 0 760 (\d+)"', long)
    assert height and int(height.group(1)) > 280 and 'viewBox="0 0 760 280"' in short
    rows = {float(y) for y in re.findall(r'<rect x="[\d.]+" y="([\d.]+)" width="10" height="10"', long)}
    assert len(rows) == 2 and max(rows) + 10 <= int(height.group(1))
    for x, label in re.findall(r'<text x="([\d.]+)" y="[\d.]+" font-size="11">([^<]*)</text>', long):
        assert float(x) + sum(11 if ord(c) >= 0x2E80 else 7 for c in label) <= 760, label
