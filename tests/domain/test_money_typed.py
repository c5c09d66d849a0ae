"""Issue 21: amounts people type ("1,000", "1000.5", full-width digits, a trailing 元) are read
as they mean them in the console and the CLI; anything ambiguous is refused, never guessed."""

from decimal import Decimal

import pytest

from packbill.domain.money import parse_decimal, parse_typed


@pytest.mark.parametrize("typed, meant", [
    ("1,000", "1000"), ("1000.5", "1000.5"), ("12,345.50", "12345.50"), ("-1,000", "-1000"), (" 20 ", "20"),
    ("１０００．５", "1000.5"), ("1，000", "1000"), ("300元", "300"), ("300 CNY", "300"), ("1,234,567.89", "1234567.89"),
])
def test_typed_amounts_are_read_as_people_mean_them(typed, meant):
    assert parse_typed(typed) == Decimal(meant)


@pytest.mark.parametrize("typed", ["1,00", "10,0000", "1,000,00", ",100", "1.000,50", "1e3", "abc", "", "1_000"])
def test_ambiguous_amounts_are_refused(typed):
    with pytest.raises(ValueError):
        parse_typed(typed)


def test_the_api_stays_strict():
    """The contract's money is a plain decimal string: the API does not guess either."""
    with pytest.raises(ValueError):
        parse_decimal("1,000")
