"""R32 in the pure core: who pays for an account on a day, the rules of a change, and settling a
member's days stretch by stretch from each payer's wallet (``domain.group``)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from packbill.domain.catalog import load_catalog
from packbill.domain.errors import Conflict, InvalidRequest
from packbill.domain.group import PayerChange, check_change, members_of, payer_on, settle_paid, stretches
from packbill.domain.settlement import AccountState, UsageDay, settle_account
from packbill.domain.wallet import PaymentTerms, Purse

from ..helpers import d, t

CATALOG = load_catalog()


JOIN = PayerChange("hq", d("2027-05-21"), t("2027-05-20 10:00"))
LEAVE = PayerChange(None, d("2027-05-26"), t("2027-05-25 23:59"))


def test_R32_a_change_takes_effect_the_next_shanghai_day_and_the_last_of_a_day_wins():
    assert check_change("m", "hq", t("2027-05-20 23:59"), None, payer_is_member=False, account_pays_others=False).effective_day == d("2027-05-21")
    history = [JOIN, LEAVE]
    assert [payer_on(d(x), history) for x in ("2027-05-20", "2027-05-21", "2027-05-25", "2027-05-26")] == [None, "hq", "hq", None]
    again = PayerChange("other", d("2027-05-26"), t("2027-05-25 23:59:59"))
    assert payer_on(d("2027-05-27"), [JOIN, LEAVE, again]) == "other"
    assert payer_on(d("2027-05-27"), [JOIN, again, LEAVE]) == "other"  # by when it was made, not where it is listed
    assert members_of("hq", {"m": [JOIN], "n": [JOIN, LEAVE], "o": []}) == [("m", d("2027-05-21"))]
    assert members_of("hq", {"n": [JOIN, LEAVE]}, d("2027-05-22")) == [("n", d("2027-05-21"))]


def test_R32_one_level_never_itself_never_into_a_settled_day():
    at = t("2027-05-20 10:00")
    with pytest.raises(InvalidRequest, match="its own payer"):
        check_change("m", "m", at, None, payer_is_member=False, account_pays_others=False)
    with pytest.raises(InvalidRequest, match="paid for by another account"):
        check_change("m", "hq", at, None, payer_is_member=True, account_pays_others=False)
    with pytest.raises(InvalidRequest, match="pays for other accounts"):
        check_change("m", "hq", at, None, payer_is_member=False, account_pays_others=True)
    with pytest.raises(Conflict, match="already settled"):
        check_change("m", "hq", at, d("2027-05-21"), payer_is_member=False, account_pays_others=False)
    assert check_change("m", None, at, d("2027-05-20"), payer_is_member=False, account_pays_others=True).payer is None


def test_R32_stretches_cut_the_days_where_the_payer_changes():
    days = [d(f"2027-05-{n}") for n in (27, 19, 20, 21, 25, 26)]
    assert stretches(days, [JOIN, LEAVE]) == [
        (None, [d("2027-05-19"), d("2027-05-20")]), ("hq", [d("2027-05-21"), d("2027-05-25")]), (None, [d("2027-05-26"), d("2027-05-27")])]


def test_R32_settle_paid_bills_as_the_engine_and_takes_each_stretchs_money_from_its_wallet():
    """Three days of pay-as-you-go face calls around a membership: the lines are the engine's own
    (same amounts, same order), the member's wallet paid its own days, the payer's the middle one,
    and the lines the payer paid say so."""
    usage = [UsageDay(d(day), {"ai.face": q}, {}) for day, q in (("2027-05-20", 1000), ("2027-05-22", 2000), ("2027-05-27", 3000))]
    own = Purse(cash=Decimal("100.00"), terms=PaymentTerms.BALANCE)
    hq = Purse(cash=Decimal("500.00"), terms=PaymentTerms.BALANCE)
    state = AccountState(purse=own)
    alone = settle_account(usage, state, CATALOG, run_at=t("2027-05-28 08:00"))
    paid = settle_paid("m", usage, state, [JOIN, LEAVE], {"m": own, "hq": hq}, CATALOG, run_at=t("2027-05-28 08:00"), settled_through=None)
    assert [(x.day, x.amount) for x in paid.result.lines] == [(x.day, x.amount) for x in alone.lines]
    by_day = {x.day: x for x in paid.result.lines}
    assert [by_day[d(x)].paid_by for x in ("2027-05-20", "2027-05-22", "2027-05-27")] == [None, "hq", None]
    middle = by_day[d("2027-05-22")].amount
    assert middle > 0
    assert paid.wallets["hq"].cash == Decimal("500.00") - middle
    assert paid.wallets["m"].cash == Decimal("100.00") - by_day[d("2027-05-20")].amount - by_day[d("2027-05-27")].amount
    assert paid.result.state.purse == paid.wallets["m"] and paid.result.days == alone.days
    never = settle_paid("m", usage, state, [], {"m": own}, CATALOG, run_at=t("2027-05-28 08:00"), settled_through=None)
    assert never.result.lines == alone.lines and set(never.wallets) == {"m"}
