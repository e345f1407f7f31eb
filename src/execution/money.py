"""Conversion of user input to `Decimal`, the only type money is held in.

A float is accepted only through `str()` (so `0.1` becomes `Decimal("0.1")`, never the
binary expansion); NaN, infinities and non-numeric strings are rejected with a typed error.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from execution.errors import ValidationError

Number = Decimal | int | str | float

ZERO = Decimal(0)


def to_decimal(value: Number, field: str = "value") -> Decimal:
    """Convert `value` to a finite Decimal or raise `ValidationError` naming `field`."""
    if isinstance(value, bool):
        raise ValidationError(field, value, "must be a number, not a boolean")
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, int):
        result = Decimal(value)
    elif isinstance(value, float):
        result = _parse(str(value), field, value)
    elif isinstance(value, str):
        result = _parse(value.strip(), field, value)
    else:
        raise ValidationError(field, value, f"must be a number, not {type(value).__name__}")
    if not result.is_finite():
        raise ValidationError(field, value, "must be a finite number")
    return result


def _parse(text: str, field: str, original: object) -> Decimal:
    try:
        return Decimal(text)
    except InvalidOperation:
        raise ValidationError(field, original, "must be a decimal number") from None


def positive(value: Number, field: str) -> Decimal:
    """A finite Decimal strictly greater than zero."""
    result = to_decimal(value, field)
    if result <= 0:
        raise ValidationError(field, value, "must be greater than 0")
    return result


def non_negative(value: Number, field: str) -> Decimal:
    """A finite Decimal greater than or equal to zero."""
    result = to_decimal(value, field)
    if result < 0:
        raise ValidationError(field, value, "must not be negative")
    return result


def format_decimal(value: Decimal) -> str:
    """Plain notation with no exponent and no trailing zeros, as the exchange expects."""
    if value == 0:
        return "0"
    text = format(value.normalize(), "f")
    return text
