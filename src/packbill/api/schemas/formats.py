"""What the service accepts, written where a generated client can read it: days, moments, money
and rates as the document's patterns (the service's own checks keep their sentences; these only
tell clients the same rules). Days and moments lie in 2000 to 2199, as every date packbill takes."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field, StrictStr, WithJsonSchema

from .base import Whole

_YEAR = "(20|21)[0-9]{2}"
_LEAP = "(20([02468][048]|[13579][26])|21([02468][48]|[13579][26]))"
_MONTH_DAY = "((0[13578]|1[02])-(0[1-9]|[12][0-9]|3[01])|(0[469]|11)-(0[1-9]|[12][0-9]|30)|02-(0[1-9]|1[0-9]|2[0-8]))"
_DATE = f"({_YEAR}-{_MONTH_DAY}|{_LEAP}-02-29)"
DAY_PATTERN = f"^{_DATE}$"
"""A calendar day, YYYY-MM-DD, that exists (29 February only in leap years)."""
MOMENT_PATTERN = f"^{_DATE}T([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\\.[0-9]{{1,6}})?)?(Z|[+-]([01][0-9]|2[0-3]):[0-5][0-9])$"
"""A moment with its UTC offset: 2027-06-01T10:00:00+08:00."""
MONTH_PATTERN = f"^{_YEAR}-(0[1-9]|1[0-2])$"

DAY_SCHEMA: dict[str, Any] = {"type": "string", "format": "date", "pattern": DAY_PATTERN}
MOMENT_SCHEMA: dict[str, Any] = {"type": "string", "pattern": MOMENT_PATTERN}

_WHOLE = "[1-9][0-9]{0,12}"
_CENTS = "(\\.[0-9]{1,2})?"
_SOME_CENTS = "0\\.(0[1-9]|[1-9][0-9]?)"
LARGEST = 10**13 - 1


def _money(pattern: str, minimum: int, maximum: int = LARGEST, description: str = "CNY") -> WithJsonSchema:
    return WithJsonSchema({"description": description, "anyOf": [
        {"type": "string", "pattern": pattern, "maxLength": 16},
        {"type": "integer", "minimum": minimum, "maximum": maximum}]})


PositiveMoney = Annotated[StrictStr | Whole, _money(f"^({_WHOLE}{_CENTS}|{_SOME_CENTS})$", 1,
                                                       description="CNY greater than 0.00, at most two decimals")]
NonNegativeMoney = Annotated[StrictStr | Whole, _money(f"^(0|{_WHOLE}){_CENTS}$", 0, description="CNY, at least 0.00, at most two decimals")]
NonZeroMoney = Annotated[StrictStr | Whole, WithJsonSchema({"description": "CNY, below or above zero, never 0.00", "anyOf": [
    {"type": "string", "pattern": f"^-?({_WHOLE}{_CENTS}|{_SOME_CENTS})$", "maxLength": 17},
    {"type": "integer", "minimum": -LARGEST, "maximum": -1}, {"type": "integer", "minimum": 1, "maximum": LARGEST}]})]
Rate = Annotated[StrictStr | Whole, WithJsonSchema({"description": "0 < rate <= 1, at most four decimals: 0.85 is 15 % off", "anyOf": [
    {"type": "string", "pattern": "^(1(\\.0{1,4})?|0\\.[0-9]{0,3}[1-9])$"}, {"type": "integer", "minimum": 1, "maximum": 1}]})]
DayText = Annotated[StrictStr, Field(json_schema_extra={"format": "date", "pattern": DAY_PATTERN})]
MomentText = Annotated[StrictStr, Field(json_schema_extra={"pattern": MOMENT_PATTERN})]
_CONTROL = "\\x00-\\x1f\\x7f-\\x9f"
Name = Annotated[StrictStr, Field(json_schema_extra={"pattern": f"^\\s*[^{_CONTROL}]*[^\\s{_CONTROL}][^{_CONTROL}]*\\s*$"})]
"""A name people read: something besides spaces, no control characters."""
Line = Annotated[StrictStr, Field(json_schema_extra={"pattern": "^[^\\x00]*[^\\s\\x00][^\\x00]*$"})]
"""A line of text: something besides spaces, no NUL."""
DAY_OR_EMPTY_SCHEMA: dict[str, Any] = {"type": "string", "pattern": f"^(|{_DATE})$"}
"""An optional day filter: a day, or empty for none."""
