"""Small builders shared by the tests."""

from __future__ import annotations

import os
import shutil
from datetime import date, datetime
from decimal import Decimal

import pytest

from packbill.domain.days import SHANGHAI
from packbill.domain.model import UsageEvent


def t(text: str) -> datetime:
    """'2026-11-26 10:00' as an Asia/Shanghai moment."""
    return datetime.fromisoformat(text).replace(tzinfo=SHANGHAI)


def d(text: str) -> date:
    return date.fromisoformat(text)


def ev(event_id: str, service: str, quantity: int, when: str, region: str = "ap-beijing") -> UsageEvent:
    return UsageEvent(event_id, service, quantity, region, t(when))


def D(text: str) -> Decimal:
    return Decimal(text)


GB = 10**9


def tools_or_skip(*tools: str) -> None:
    """The PDF tests need poppler and tesseract; CI installs them, so there they must be present."""
    missing = [t for t in tools if not shutil.which(t)]
    if missing:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{', '.join(missing)} missing: .ci/run installs chromium, poppler-utils and tesseract-ocr")
        pytest.skip(f"needs {', '.join(missing)}")
