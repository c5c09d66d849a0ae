"""packbill's words in Chinese and English, from one file (``words.toml``) in one shape: a table
of keys, each with its text in every language. Chinese is the default language."""

from __future__ import annotations

import tomllib
from functools import cache
from importlib.resources import files

LANGS = ("zh", "en")
"""The languages packbill speaks; the first is the default."""

Table = dict[str, dict[str, str]]


def language(lang: str | None) -> str:
    """``lang`` when packbill speaks it, else the default (Chinese)."""
    return lang if lang in LANGS else LANGS[0]


@cache
def _all() -> dict[str, Table]:
    return tomllib.loads(files("packbill.present").joinpath("words.toml").read_text("utf-8"))


def words(table: str) -> Table:
    """One table of words: key -> {language: text}."""
    return _all()[table]


def in_language(table: str, lang: str) -> dict[str, str]:
    """One table's words in one language: key -> text."""
    lang = language(lang)
    return {key: texts[lang] for key, texts in words(table).items()}


def word(table: str, key: str, lang: str, **values: object) -> str:
    """A key's text in ``lang``, with its ``{name}`` marks filled in from ``values``."""
    text = words(table)[key][language(lang)]
    return text.format(**values) if values else text
