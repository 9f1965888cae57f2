"""Whole numbers from query strings, form fields and URLs: ASCII digits only, within bounds.

``str.isdigit`` and ``int`` accept far more than a person types: "²" is a digit to ``isdigit``
but not to ``int`` (a 500), "１２" (full-width) is twelve to both, and twenty digits overflow
the database's 64-bit integers. Every number a request carries goes through ``whole_number``;
the caller answers ``None`` with its own message (400 on the APIs, "no such page" on pages).
"""

import re

# The largest value a SQLite or PostgreSQL bigint holds.
BIGINT_MAX = 2**63 - 1
DIGITS = re.compile(r"[0-9]{1,19}")


def whole_number(raw: str | None, *, minimum: int = 0, maximum: int = BIGINT_MAX) -> int | None:
    """``raw`` (ASCII spaces around it ignored) as an int in ``[minimum, maximum]``, else None."""
    if raw is None:
        return None
    raw = raw.strip(" \t")
    if not DIGITS.fullmatch(raw):
        return None
    value = int(raw)
    return value if minimum <= value <= maximum else None
