"""What one order means (``domain.purchase.sell``): R2, R4, R16 to R20 in one decision, used by the
database-backed purchase and by the reference model alike."""

from datetime import date

import pytest

from packbill.domain.catalog import load_catalog
from packbill.domain.errors import SiteNotEligible
from packbill.domain.model import Site
from packbill.domain.purchase import sell
from packbill.domain.wallet import DiscountRate, InsufficientFunds, PaymentTerms, Purse, Voucher

from ..helpers import D, t

CATALOG = load_catalog()


def _ids():
    n = iter(range(100))
    return lambda: f"pkg_{next(n)}"


def test_three_packages_at_a_discount_share_the_total_and_are_paid_vouchers_first():
    purse = Purse(cash=D("1000.00"), vouchers={"v1": Voucher("v1", D("50.00"), D("50.00"), date(2027, 12, 31), None, 1)},
                  terms=PaymentTerms.BALANCE)
    sale = sell(CATALOG, "acc_a", Site.CN, "ai.face.100k", 3, t("2027-06-01 10:00"), (DiscountRate(D("0.85"), date(2027, 1, 1)),),
                purse, (), "ord_1", _ids())
    assert sale.amount == D("127.50") and sale.list_amount == D("150.00")  # 3 x 50.00 at 0.85 (R16)
    assert sum(p.price for p in sale.packages) == sale.amount and {p.price for p in sale.packages} <= {D("42.50")}
    assert sale.payment.voucher_total == D("50.00") and sale.payment.cash == D("77.50")  # R17: the voucher first
    assert sale.purse.cash == D("922.50") and sale.events == []
    assert sum(p.amount for p in sale.entry.postings) == 0 and sale.entry.kind == "purchase"
    account_id, kind, data, _ = sale.notice()
    assert account_id == "acc_a" and data["sku"] == "ai.face.100k"
    assert kind == "package.bought" and data["amount"] == "127.50" and data["package_ids"] == [p.id for p in sale.packages]
    assert sale.statement_month is None


def test_a_purchase_in_a_final_month_is_on_the_next_open_statement():
    sale = sell(CATALOG, "acc_a", Site.CN, "ai.face.100k", 1, t("2027-06-01 10:00"), (), Purse(cash=D("100.00"), terms=PaymentTerms.BALANCE),
                [date(2027, 6, 1)], "ord_1", _ids())
    assert sale.statement_month == date(2027, 7, 1)


def test_refused_before_anything_for_the_site_and_for_the_funds():
    with pytest.raises(SiteNotEligible):
        sell(CATALOG, "acc_a", Site.INTL, "ai.face.100k", 1, t("2027-06-01 10:00"), (), Purse(cash=D("100.00")), (), "o", _ids())
    with pytest.raises(InsufficientFunds):
        sell(CATALOG, "acc_a", Site.CN, "ai.face.100k", 1, t("2027-06-01 10:00"), (), Purse(cash=D("49.99"), terms=PaymentTerms.BALANCE),
             (), "o", _ids())
