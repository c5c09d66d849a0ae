"""The console's words in Simplified Chinese (the default) and English."""

from __future__ import annotations

import re

from ..domain.catalog import UnknownSku
from ..domain.errors import BillingError
from ..present.words import LANGS, words

TEXT = words("console")

# The rules' refusals, as sentences, by error code and (for refunds) reason.
ERRORS = words("errors")


# The services' sentences (written in English for the API) as a Chinese page says them. A
# sentence not listed here is never shown in English on a Chinese page: the generic one is.

ZH_SENTENCES = [(re.compile(pattern), texts["zh"]) for pattern, texts in words("english_sentences").items()]
GENERIC_ZH = {code: texts["zh"] for code, texts in words("fallback").items()}


def zh_sentence(code: str, message: str) -> str:
    """A service's English sentence as a Chinese page shows it."""
    for pattern, zh in ZH_SENTENCES:
        found = pattern.search(message)
        if found:
            return zh.format(*found.groups())
    return GENERIC_ZH.get(code, GENERIC_ZH["other"])


def t(lang: str, key: str, **values) -> str:
    text = TEXT[key][lang if lang in LANGS else "zh"]
    return text.format(**values) if values else text


def error_sentence(lang: str, exc: Exception) -> str:
    """A refusal of the rules as a sentence in the chosen language."""
    lang = lang if lang in LANGS else "zh"
    if isinstance(exc, UnknownSku):
        return ERRORS["unknown_sku"][lang]
    if isinstance(exc, BillingError):
        reason = (exc.details or {}).get("reason") if isinstance(exc.details, dict) else None
        key = f"refund:{reason}" if exc.code == "refund_not_allowed" and reason else exc.code
        if lang == "zh" and exc.code in ("invalid_request", "conflict", "not_found"):
            return zh_sentence(exc.code, exc.message)
        if key in ERRORS:
            return ERRORS[key][lang].format(message=exc.message)
        return zh_sentence(exc.code, exc.message) if lang == "zh" else exc.message
    if lang == "zh":
        return zh_sentence("invalid_request", str(exc))
    return str(exc)
