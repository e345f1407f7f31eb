"""Validation of the sizer's inputs: every bad value raises `ValidationError` naming its field."""

from __future__ import annotations

from decimal import Decimal

from execution.coercion import to_enum
from execution.errors import ValidationError
from execution.models import OrderSide
from execution.money import Number, to_decimal

MAX_LEVERAGE = 125
_HUNDRED = Decimal(100)
_ONE = Decimal(1)


def leverage_of(value: Number) -> int:
    """An integer leverage in 1..125 (`3`, `"3"` and `3.0` are fine; `2.5` is not)."""
    number = to_decimal(value, "leverage")
    if number != number.to_integral_value():
        raise ValidationError("leverage", value, "must be a whole number")
    if not 1 <= number <= MAX_LEVERAGE:
        raise ValidationError("leverage", value, f"must be between 1 and {MAX_LEVERAGE}")
    return int(number)


def percent_of(value: Number, field: str) -> Decimal:
    """A percentage in (0, 100]."""
    number = value if type(value) is Decimal and value.is_finite() else to_decimal(value, field)
    if not 0 < number <= _HUNDRED:
        raise ValidationError(field, value, "must be greater than 0 and at most 100")
    return number


def rate_of(value: Number, field: str) -> Decimal:
    """A rate (fraction) in [0, 1)."""
    number = to_decimal(value, field)
    if not 0 <= number < _ONE:
        raise ValidationError(field, value, "must be at least 0 and below 1")
    return number


def side_of(value: OrderSide | str) -> OrderSide:
    """`OrderSide.BUY`/`SELL`, or the ASCII strings "BUY"/"SELL" in any case (the package's
    one enum rule, `coercion.to_enum`, with case ignored as the sizer always documented)."""
    text = value.strip(" \t") if isinstance(value, str) else value
    return to_enum(OrderSide, text, "side", ignore_case=True)


def positive_number(value: Number, field: str) -> Decimal:
    """A finite Decimal > 0; the common Decimal and int inputs skip the general converter."""
    if type(value) is Decimal:
        number = value
        if not number.is_finite():
            raise ValidationError(field, value, "must be a finite number")
    elif type(value) is int:
        number = Decimal(value)
    else:
        number = to_decimal(value, field)
    if number <= 0:
        raise ValidationError(field, value, "must be greater than 0")
    return number
