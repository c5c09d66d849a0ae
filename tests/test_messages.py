"""Issue 21: a message names its figures, as people read them, and never shows an empty gap."""

from packbill.domain.catalog import load_catalog
from packbill.present.notify import sentence

CATALOG = load_catalog()


def test_a_low_balance_message_says_the_balance_and_the_threshold():
    data = {"day": "2027-05-20", "balance": "1319.27", "threshold": "2000.00"}
    assert sentence("wallet.low_balance", data, CATALOG, "zh") == "账户余额 1,319.27 元，低于预警值 2,000.00 元。"
    assert sentence("wallet.low_balance", data, CATALOG, "en") == "The balance of 1,319.27 CNY is below the alert threshold of 2,000.00 CNY."


def test_an_arrears_message_says_what_is_owed():
    data = {"day": "2027-05-20", "balance": "-1319.27", "owed": "1319.27"}
    assert sentence("wallet.arrears", data, CATALOG, "zh") == "账户已欠费 1,319.27 元，请尽快充值，否则服务将被暂停。"


def test_an_older_event_without_its_figures_reads_as_a_whole_sentence():
    """Events written before the figures were kept: no "低于预警值  元" with a gap."""
    assert sentence("wallet.low_balance", {"day": "2026-11-03"}, CATALOG, "zh") == "账户余额低于预警值。"
    assert sentence("wallet.arrears", {"day": "2026-11-03"}, CATALOG, "en") == "The account is in arrears; top up soon or services will be suspended."


def test_amounts_in_messages_have_thousands_separators():
    data = {"order_id": "o", "sku": "ai.plate.10m", "count": 1, "amount": "410000.00"}
    assert "410,000.00 元" in sentence("package.bought", data, CATALOG, "zh")
