"""`OrderIntent`: an order as its caller means it, the one request type of the package.

It flows unchanged from every entry point (the CLI, the order manager's methods, its own
work) through the manager's checks (`orders.validation`, which rounds it and lists what
rounding changed as `RoundingNotice`s) to the exchange client (`BaseExchange.place`), which
turns it into the venue's wire parameters. It sits at the bottom of the package so that
both the manager and the client can speak it.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from execution.coercion import optional_enum, to_enum
from execution.errors import ValidationError
from execution.models import OrderSide, OrderType, PositionSide, TimeInForce, WorkingType
from execution.money import format_decimal, to_decimal

__all__ = ["OrderIntent", "RoundingNotice"]


@dataclass(frozen=True, slots=True)
class RoundingNotice:
    """One figure the exchange's rules changed: which, from what, to what, and why."""

    field: str  # "quantity", "price" or "stop_price"
    asked: Decimal
    sent: Decimal
    direction: str  # "down" or "up"
    rule: str  # "step size 0.001: never more than asked"

    def __str__(self) -> str:
        """"quantity 0.0015 rounded down to 0.001 (step size 0.001: never more than asked)"."""
        return (f"{self.field.replace('_', ' ')} {format_decimal(self.asked)} rounded "
                f"{self.direction} to {format_decimal(self.sent)} ({self.rule})")


@dataclass(frozen=True, slots=True)
class OrderIntent:
    """An order as the caller asked for it, before (or after) rounding.

    Built from anything a caller may pass: the enums from their member or exact name
    ("BUY"), the figures through `money.to_decimal`, so a bad argument is a
    `ValidationError` here, before the order is registered or recorded."""

    symbol: str
    side: OrderSide
    order_type: OrderType
    quantity: Decimal
    price: Decimal | None = None
    stop_price: Decimal | None = None
    time_in_force: TimeInForce | None = None
    reduce_only: bool = False
    working_type: WorkingType | None = None  # what a trigger watches (MARK_PRICE, ...)
    # BOTH in one-way mode; LONG or SHORT (the leg) in hedge mode, where `reduce_only`
    # means "on the closing side of the leg" and is not sent (the venue refuses it there)
    position_side: PositionSide = PositionSide.BOTH
    # Set by `validate_order`: every figure it rounded (empty when nothing was).
    rounded: tuple[RoundingNotice, ...] = ()

    def __post_init__(self) -> None:
        coerce = object.__setattr__
        if type(self.side) is not OrderSide:
            coerce(self, "side", to_enum(OrderSide, self.side, "side"))
        if type(self.order_type) is not OrderType:
            coerce(self, "order_type", to_enum(OrderType, self.order_type, "order_type"))
        if self.time_in_force is not None and type(self.time_in_force) is not TimeInForce:
            coerce(self, "time_in_force",
                   optional_enum(TimeInForce, self.time_in_force, "time_in_force"))
        for name in ("quantity", "price", "stop_price"):
            value = getattr(self, name)
            if type(value) is not Decimal and (value is not None or name == "quantity"):
                coerce(self, name, to_decimal(value, name))
        if self.working_type is not None and type(self.working_type) is not WorkingType:
            coerce(self, "working_type",
                   optional_enum(WorkingType, self.working_type, "working_type"))
        if type(self.position_side) is not PositionSide:
            coerce(self, "position_side",
                   to_enum(PositionSide, self.position_side, "position_side"))
        if not isinstance(self.reduce_only, bool):
            raise ValidationError("reduce_only", self.reduce_only, "must be True or False")
