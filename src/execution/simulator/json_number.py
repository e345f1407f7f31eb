"""Decimals written as JSON numbers, exactly, where the venue's docs show numbers.

The standard `json` encoder writes a Decimal only through `default` (as a string here) and
would need a float to write a number, losing digits. `JsonNumber` marks a decimal's exact
text; `unmark` turns the encoded marker back into a bare JSON number after encoding.
"""

from __future__ import annotations

import re
from decimal import Decimal

_MARK = "\x00"
_ENCODED_MARK = b"\\u0000"
_MARKED = re.compile(rb'"\\u0000(-?[0-9]+(?:\.[0-9]+)?)\\u0000"')


class JsonNumber(str):
    """A decimal the response carries as a JSON number (its exact digits, no exponent)."""

    __slots__ = ()

    def __new__(cls, value: Decimal | int) -> JsonNumber:
        text = format(value, "f") if isinstance(value, Decimal) else str(int(value))
        if "." in text:
            text = text.rstrip("0").rstrip(".")
        return super().__new__(cls, _MARK + (text if text not in ("", "-0") else "0") + _MARK)


def unmark(encoded: bytes) -> bytes:
    """`encoded` JSON with every marked number written bare."""
    if _ENCODED_MARK not in encoded:
        return encoded
    return _MARKED.sub(rb"\1", encoded)
