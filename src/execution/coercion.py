"""One rule for enum arguments (`OrderSide`, `OrderType`, `TimeInForce`, `PositionSide`,
`WorkingType`, `MarginType`, ...) at every public entry point.

`to_enum(OrderSide, value, "side")` accepts the member itself, or a string that is exactly
one member's name or value (`"BUY"`; for `OrderType` both `"STOP_LOSS"` and the wire name
`"STOP_MARKET"`). Anything else raises `ValidationError` naming the field, the value and the
allowed values, before anything is recorded or sent: a plain string used to travel as far as
the first `.value` and fail there with an untyped `AttributeError`, after the order was
registered.
"""

from __future__ import annotations

import enum
import math
from typing import TypeVar

from execution.errors import ValidationError

E = TypeVar("E", bound=enum.Enum)


def allowed_values(enum_type: type[enum.Enum]) -> str:
    """The member names (and differing values) of `enum_type`, for an error message."""
    names: list[str] = []
    for name, member in enum_type.__members__.items():
        names.append(name)
        if isinstance(member.value, str) and member.value != name and member.value not in names:
            names.append(member.value)
    return ", ".join(names)


def to_enum(enum_type: type[E], value: object, field: str, *, ignore_case: bool = False) -> E:
    """`value` as a member of `enum_type`: the member, or its exact name or value string.

    `ignore_case` also takes an ASCII string in any case ("buy"), for the entry points that
    have always documented it (the sizer's `side`)."""
    if isinstance(value, enum_type):
        return value
    if isinstance(value, str) and value.isascii():
        text = value.upper() if ignore_case else value
        member = enum_type.__members__.get(text)
        if member is not None:
            return member
        for candidate in enum_type:
            if candidate.value == text:
                return candidate
    kind = "" if isinstance(value, str) else f" (got {type(value).__name__})"
    raise ValidationError(
        field, value, f"must be a {enum_type.__name__}: one of {allowed_values(enum_type)}{kind}"
    )


def optional_enum(enum_type: type[E], value: object, field: str) -> E | None:
    """None, or `to_enum(enum_type, value, field)`."""
    return None if value is None else to_enum(enum_type, value, field)


def to_seconds(value: object, field: str) -> float:
    """A duration setting (a poll interval, a horizon): an int or float, finite and > 0;
    anything else (a string, a bool, NaN, infinity, 0 or less) is a `ValidationError`."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not (
        0 < value < math.inf
    ):
        raise ValidationError(field, value, "must be a number of seconds > 0 (finite)")
    return float(value)
