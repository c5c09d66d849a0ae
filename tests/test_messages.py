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


def test_an_arrears_message_says_the_deadline_when_the_event_has_it():
    data = {"day": "2027-05-20", "owed": "1319.27", "suspend_at": "2027-05-21T08:00:00+08:00"}
    assert sentence("wallet.arrears", data, CATALOG, "zh") == "账户已欠费 1,319.27 元，请在 2027-05-21 08:00 前充值，否则服务将被暂停。"
    assert "before 2027-05-21 08:00" in sentence("wallet.arrears", data, CATALOG, "en")


def test_a_purchase_message_names_the_package_and_its_validity_as_a_range():
    data = {"sku": "ai.face.1m", "count": 1, "amount": "425.00", "first_day": "2026-11-06", "last_day": "2026-12-05"}
    assert sentence("package.bought", data, CATALOG, "zh") == "已购买 1 个人脸检测资源包-100万次，共 425.00 元，有效期 11-06 至 12-05，共 30 天。"
    year = {**data, "last_day": "2027-11-05"}
    assert "2026-11-06 to 2027-11-05 (365 days)" in sentence("package.bought", year, CATALOG, "en")


def test_settled_days_read_as_ranges_and_reminders_name_the_package():
    settled = {"days": ["2026-10-21", "2026-10-20", "2026-10-23"], "lines": 9, "amount": "32.81"}
    assert sentence("day.settled", settled, CATALOG, "zh").startswith("10-20 至 10-21，共 2 天、2026-10-23 的用量已结算")
    used_up = {"sku": "traffic.up.1tb", "service": "traffic.up", "remaining": 0}
    assert sentence("reminder.exhausted", used_up, CATALOG, "zh") == "上行流量资源包-1TB已用完，之后的上行流量用量按量计费。"
    en = sentence("reminder.exhausted", used_up, CATALOG, "en")
    assert "traffic.up" not in en and "further upstream traffic usage" in en


def test_a_top_up_received_is_a_message_with_its_figures():
    assert sentence("wallet.topped_up", {"amount": "2000", "balance": "2128.01"}, CATALOG, "zh") == "充值 2,000.00 元已到账，账户余额 2,128.01 元。"


def test_every_event_type_has_a_category_and_a_sentence_in_both_languages():
    from packbill.domain.notify import CATEGORIES, EVENT_TYPES, category_of
    from packbill.present.words import words

    assert sorted(t for kinds in CATEGORIES.values() for t in kinds) == sorted(EVENT_TYPES)
    for kind in EVENT_TYPES:
        assert category_of(kind) in CATEGORIES
        assert set(words("messages")[kind]) == {"zh", "en"}
