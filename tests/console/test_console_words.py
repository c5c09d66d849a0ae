"""Every message on a Chinese page is Chinese: the services' refusals (written in English for the
API) as the console shows them, raised for real from careless input."""

from __future__ import annotations

import inspect
import re
from datetime import date, timedelta
from decimal import Decimal

import pytest

from packbill import services
from packbill.console.i18n import GENERIC_ZH, error_sentence
from packbill.domain.errors import BillingError
from packbill.domain.money import parse_decimal
from packbill.services import books, catalog, inbox, invoicing, operators, schedule
from tests.conftest import FIXED_NOW

ENGLISH = re.compile(r"[A-Za-z]{3,}")
ALLOWED = {"YYYY"}


def refusals(ctx):
    account, _ = services.create_account(ctx, "A", "cn", payment="balance")
    a = account.id
    services.topup(ctx, a, Decimal("5"), "r1")
    tries = [
        lambda: services.topup(ctx, a, Decimal("0"), "r"),
        lambda: services.topup(ctx, a, Decimal("0.001"), "r"),
        lambda: services.topup(ctx, a, Decimal("1e20"), "r"),
        lambda: services.topup(ctx, a, Decimal("1"), ""),
        lambda: services.topup(ctx, a, Decimal("6"), "r1"),
        lambda: services.topup(ctx, a, parse_decimal("abc"), "r"),
        lambda: services.adjust(ctx, a, Decimal("0"), "why"),
        lambda: services.adjust(ctx, a, Decimal("1"), ""),
        lambda: services.grant_voucher(ctx, a, Decimal("1"), date(2020, 1, 1)),
        lambda: services.set_discount(ctx, a, Decimal("2"), date(2027, 6, 2)),
        lambda: services.set_discount(ctx, a, Decimal("0.12345"), date(2027, 6, 2)),
        lambda: services.set_payment_terms(ctx, a, "cash"),
        lambda: services.create_account(ctx, "", "cn"),
        lambda: services.create_account(ctx, "B", "mars"),
        lambda: services.switch_traffic_billing(ctx, a, "fast"),
        lambda: services.buy(ctx, a, "ai.face.100k", 0),
        lambda: services.buy(ctx, a, "ai.face.100k", 1, FIXED_NOW + timedelta(days=1)),
        lambda: services.settle(ctx, date(2099, 1, 1)),
        lambda: operators.create_key(ctx, "k", "root", operators.Principal.os_user()),
        lambda: operators.revoke_key(ctx, "key_nope"),
        lambda: services.refund(ctx, a, "pkg_nope"),
        lambda: books.parse_month("2026-13"),
        lambda: books.parse_month("2026-1"),
        lambda: books.statement(ctx, a, date(2099, 1, 1)),
        lambda: books.revenue(ctx, date(2020, 1, 1), date(2026, 1, 1)),
        lambda: books.record_invoice(ctx, a, Decimal("999"), "12345678"),
        lambda: inbox.messages(ctx, a, category="spam"),
        lambda: inbox.messages(ctx, a, limit=0),
        lambda: services.account_page(ctx, sort="colour"),
        lambda: services.account_page(ctx, state="asleep"),
        lambda: schedule.parse_time("25:00"),
        lambda: catalog.withdraw(ctx, "v1"),
        lambda: catalog.withdraw(ctx, "v9"),
        lambda: invoicing.requests(ctx, status="lost"),
        lambda: invoicing.add_title(ctx, a, {"type": "normal", "name": "x" * 500, "tax_id": "91310000MA1FL8TQ3X"}),
        lambda: invoicing.add_title(ctx, a, {"type": "normal", "name": "甲公司", "tax_id": "9131000MA1FL8TQ3X"}),
    ]
    found = []
    for attempt in tries:
        try:
            attempt()
        except (BillingError, ValueError) as exc:
            found.append(exc)
        else:
            pytest.fail(f"expected a refusal: {inspect.getsource(attempt).strip()}")
    return found


def test_every_refusal_reads_in_chinese_on_a_chinese_page(ctx):
    for exc in refusals(ctx):
        zh = error_sentence("zh", exc)
        words = set(ENGLISH.findall(re.sub(r"\b\w*_\w*\b", "", zh))) - ALLOWED  # ids (key_..., acc_...) are data
        assert not words, (getattr(exc, "message", str(exc)), zh)
        en = error_sentence("en", exc)
        assert not re.search(r"[\u4e00-\u9fff]", en), en
        # and it says what the English says, not "输入有误，请检查后重试" where the English names the fault
        assert zh not in GENERIC_ZH.values(), (getattr(exc, "message", str(exc)), zh)
