"""R33 alone: the unified social credit code's check character (GB 32100-2015) against published
codes, the tax split's rounding, titles checked whole, red-letter amounts."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from hypothesis import given
from hypothesis import strategies as st

from packbill.domain.errors import InvalidRequest
from packbill.domain.invoice import (
    CODE_CHARACTERS,
    check_character,
    check_number,
    check_tax_id,
    check_title,
    red_letter_needed,
    requestable,
    split_tax,
)

PUBLISHED = [
    "91350100M000100Y43",  # the standard's own example (GB 32100-2015, appendix)
    "91440300708461136T",  # Shenzhen Tencent Computer Systems Co., Ltd.
    "91110000600037341L",  # a Beijing company's code as printed on its business licence
    "91110108551385082Q",  # a Beijing Haidian company's code as printed on its business licence
]


@pytest.mark.parametrize("code", PUBLISHED)
def test_R33_published_codes_pass_and_any_one_character_changed_fails(code):
    assert check_tax_id(code) == code and check_character(code[:17]) == code[17]
    for i in range(18):  # GB 32100's check catches every single substitution
        for c in CODE_CHARACTERS:
            if c != code[i]:
                with pytest.raises(InvalidRequest):
                    check_tax_id(code[:i] + c + code[i + 1:])


def test_R33_a_code_is_forgiven_spaces_case_and_full_width_but_nothing_else():
    assert check_tax_id(" ９１３５０１００ｍ０００１００ｙ４３ ") == "91350100M000100Y43"
    for bad, words in [("91350100M000100Y4", "not 17"), ("91350100I000100Y43", "cannot contain I"), (91350100, "18 characters"),
                       ("91350100M000100Y42", "check character is wrong")]:
        with pytest.raises(InvalidRequest, match=words):
            check_tax_id(bad)


def test_R33_the_tax_split_rounds_the_net_half_up_and_tax_is_the_rest():
    assert split_tax(D("1000.00"), D("0.06")) == split_tax(D("1000.00"), D("0.06"))
    s = split_tax(D("1000.00"), D("0.06"))  # 943.396…
    assert (s.net, s.tax) == (D("943.40"), D("56.60"))
    s = split_tax(D("0.53"), D("0.06"))  # 0.5 exactly: half up
    assert (s.net, s.tax) == (D("0.50"), D("0.03"))
    s = split_tax(D("0.01"), D("0.06"))  # 0.00943…
    assert (s.net, s.tax) == (D("0.01"), D("0.00"))
    s = split_tax(D("-2200.00"), D("0.06"))  # red: the opposite of the blue split
    assert (s.net, s.tax) == (D("-2075.47"), D("-124.53"))
    assert split_tax(D("100"), D("0")).tax == 0


@given(st.integers(1, 10**11), st.sampled_from([D("0.06"), D("0.09"), D("0.13"), D("0.03"), D("0")]))
def test_R33_net_and_tax_always_add_up_to_the_amount(fen, rate):
    amount = D(fen) / 100
    s = split_tax(amount, rate)
    assert s.net + s.tax == amount and abs(s.net * (1 + rate) - amount) <= D("0.01") * (1 + rate) / 2 + D("1e-12")


def test_R33_a_title_is_checked_whole():
    special = check_title("special", "金龙餐饮有限公司", PUBLISHED[0], "北京", "010-1", "招商银行", "1109")
    assert special.tax_id == PUBLISHED[0]
    with pytest.raises(InvalidRequest, match="'phone', 'bank'"):
        check_title("special", "金龙", PUBLISHED[0], "北京")
    with pytest.raises(InvalidRequest, match="'type'"):
        check_title("vat", "金龙", PUBLISHED[0])
    with pytest.raises(InvalidRequest, match="control characters"):
        check_title("normal", "金龙\x07", PUBLISHED[0])


def test_R33_requests_and_red_letter_amounts():
    assert requestable(D("2200"), D("1000")) == D("1200") and requestable(D("100"), D("300")) == 0
    assert red_letter_needed(D("4400"), D("2200"), D("0")) == D("2200")
    assert red_letter_needed(D("4400"), D("2200"), D("2200")) == 0  # a red request pending covers it
    assert red_letter_needed(D("1000"), D("2200"), D("0")) == 0
    assert check_number("2611 2000 0000 0000 0001") == "26112000000000000001"
    with pytest.raises(InvalidRequest):
        check_number("INV-1")
