"""CSV cells a spreadsheet will not run: text that begins with ``=``, ``+``, ``-``, ``@``, a tab or
a carriage return is a formula to Excel and WPS (``=HYPERLINK(...)`` in an account name would be
a live link in every export). Such a cell is written with a leading apostrophe, which the
spreadsheet shows as text; numbers (``-5.00``) are left as they are. Every CSV packbill writes
goes through ``writer``."""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from typing import IO, Any

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"^[+-]?\d+(\.\d+)?$")


def cell(value: Any) -> Any:
    """``value`` as a CSV cell no spreadsheet runs as a formula."""
    if isinstance(value, str) and value.startswith(_FORMULA_START) and not _NUMBER.match(value):
        return "'" + value
    return value


class SafeWriter:
    """``csv.writer`` whose every cell passes through ``cell``."""

    def __init__(self, stream: IO[str]) -> None:
        self._writer = csv.writer(stream)

    def writerow(self, row: Iterable[Any]) -> None:
        self._writer.writerow([cell(v) for v in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def writer(stream: IO[str]) -> SafeWriter:
    return SafeWriter(stream)
