"""Conversion of user input to `Decimal`, the only type money is held in.

One rule for every entry point (the order manager, the sizer, the exchange client, the CLI):

- a `Decimal` or an `int` is taken as it is (a `bool` is refused: `True` is not a quantity);
- a float only through `str()` (so `0.1` becomes `Decimal("0.1")`, never the binary
  expansion);
- a string must be plain ASCII decimal notation: an optional sign, ASCII digits with an
  optional point (`12`, `0.5`, `.5`, `5.`), and an optional exponent of at most three
  digits (`1e-3`, `2.5E+4`), with nothing but ASCII spaces, tabs or newlines around it, at
  most `MAX_TEXT_LENGTH` characters. `Decimal()` itself is far more lenient: it takes
  `"0_01"` (underscores), Arabic-Indic, Devanagari and fullwidth digits, `"NaN"`,
  `"Infinity"` and unicode spaces, so a typo or a pasted string could become a real order
  size; none of that is accepted here;
- the result must be finite and its magnitude below `10**MAX_ADJUSTED_EXPONENT` (1e21), so
  `"1e400"` is refused instead of becoming a 401-digit wire parameter.

A failure raises `ValidationError(field, value, rule)`.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from execution.errors import ValidationError

Number = Decimal | int | str | float

ZERO = Decimal(0)

MAX_TEXT_LENGTH = 64
# |value| < 10**21: far above any price, quantity or balance, far below what breaks formatting.
MAX_ADJUSTED_EXPONENT = 20
_DECIMAL_TEXT = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]{1,3})?")
_ASCII_BLANKS = " \t\r\n"
_RULE = "must be a plain ASCII decimal number (digits 0-9, an optional sign, point and exponent)"


def to_decimal(value: Number, field: str = "value") -> Decimal:
    """Convert `value` to a finite Decimal or raise `ValidationError` naming `field`."""
    if type(value) is Decimal:
        result = value
    elif isinstance(value, bool):
        raise ValidationError(field, value, "must be a number, not a boolean")
    elif isinstance(value, Decimal):
        result = value
    elif isinstance(value, int):
        result = Decimal(value)
    elif isinstance(value, float):
        result = _parse(str(value), field, value)
    elif isinstance(value, str):
        result = _parse(value, field, value)
    else:
        raise ValidationError(field, value, f"must be a number, not {type(value).__name__}")
    if not result.is_finite():
        raise ValidationError(field, value, "must be a finite number")
    if result and result.adjusted() > MAX_ADJUSTED_EXPONENT:
        raise ValidationError(
            field, value, f"out of range (must be below 1e{MAX_ADJUSTED_EXPONENT + 1})"
        )
    return result


def _parse(text: str, field: str, original: object) -> Decimal:
    text = text.strip(_ASCII_BLANKS)
    if len(text) > MAX_TEXT_LENGTH:
        raise ValidationError(field, original, f"longer than {MAX_TEXT_LENGTH} characters")
    if _DECIMAL_TEXT.fullmatch(text) is None:
        if text.lower().lstrip("+-") in ("nan", "snan", "inf", "infinity"):
            raise ValidationError(field, original, "must be a finite number")
        raise ValidationError(field, original, _RULE)
    try:
        return Decimal(text)
    except InvalidOperation:  # pragma: no cover - the pattern admits only valid literals
        raise ValidationError(field, original, _RULE) from None


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


def optional_decimal(value: Number | None, field: str) -> Decimal | None:
    """None, or `to_decimal(value, field)`."""
    return None if value is None else to_decimal(value, field)


def format_decimal(value: Decimal) -> str:
    """Plain notation with no exponent and no trailing zeros, as the exchange expects."""
    if value == 0:
        return "0"
    text = format(value.normalize(), "f")
    return text
