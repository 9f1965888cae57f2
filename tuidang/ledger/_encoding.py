"""Strict text encodings shared by the note, checkpoint, proof and witness formats.

Every C2SP text format in this library encodes numbers as ASCII decimal with
no leading zeroes and binary values as standard base64 (RFC 4648 §4).  These
helpers accept exactly one text form per value, so that two parsers can never
disagree about what a signed text says.
"""

from __future__ import annotations

import binascii
import re
from base64 import b64decode, b64encode

from .errors import FormatError

__all__ = ["MAX_TREE_SIZE", "decode_b64", "parse_decimal"]

#: Largest tree size accepted anywhere in this library (signed 64-bit limit).
MAX_TREE_SIZE = (1 << 63) - 1

_DECIMAL_RE = re.compile(r"0|[1-9][0-9]*")


def parse_decimal(text: str, what: str = "number") -> int:
    """Parse a non-negative ASCII decimal with no leading zeroes, at most 2**63 - 1."""
    if not _DECIMAL_RE.fullmatch(text):
        raise FormatError(f"malformed {what} {text!r}")
    value = int(text)
    if value > MAX_TREE_SIZE:
        raise FormatError(f"{what} {text} is too large")
    return value


def decode_b64(text: str, what: str = "base64", size: int | None = None) -> bytes:
    """Decode canonical standard base64 (RFC 4648 §4), optionally of a fixed size.

    Rejects characters outside the alphabet, missing padding and
    non-canonical encodings (non-zero trailing bits), so that every value
    has exactly one accepted text form.
    """
    try:
        data = b64decode(text.encode("ascii"), validate=True)
    except (UnicodeEncodeError, binascii.Error):
        raise FormatError(f"malformed {what} {text!r}") from None
    if b64encode(data).decode("ascii") != text:
        raise FormatError(f"non-canonical {what} {text!r}")
    if size is not None and len(data) != size:
        raise FormatError(f"{what} is {len(data)} bytes long, expected {size}")
    return data
