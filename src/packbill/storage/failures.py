"""What a database failure says, in one line: shared by the database's own errors (``db``) and the
read replica's (``replica``)."""

from __future__ import annotations


def describe(exc: BaseException, limit: int = 200) -> str:
    """The first line of the driver's message (or the error's, or its type's name when it says nothing), at most ``limit`` characters."""
    text = str(getattr(exc, "orig", None) or exc).strip()
    return (text.splitlines()[0] if text else type(exc).__name__)[:limit]
