"""`OrderIntent`: an order as its caller means it, the one request type of the package.

It flows unchanged from every entry point (the CLI, the order manager's methods, its own
work) through the manager's checks (`orders.validation`, which rounds it and lists what
rounding changed as `RoundingNotice`s) to the exchange client (`BaseExchange.place`), which
turns it into the venue's wire parameters. It sits at the bottom of the package so that
both the manager and the client can speak it.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from decimal import Decimal

from execution.coercion import optional_enum, to_enum
from execution.errors import ValidationError
from execution.models import (
    OrderSide,
    OrderType,
    PegPriceType,
    PositionSide,
    StpMode,
    TimeInForce,
    WorkingType,
)
from execution.money import format_decimal, to_decimal

__all__ = ["OrderIntent", "RoundingNotice", "intent_attributes", "params_from_attributes"]

# `ManagedOrder.attributes` keys of the parameters an `Order` has no field for: persisted
# with the order, so that a restart, a replacement or a re-price sends them again.
_ATTRIBUTE_FIELDS = ("close_position", "activation_price", "callback_rate", "price_protect",
                     "stp_mode", "peg_price_type", "peg_offset")
_DECIMALS = ("price", "stop_price", "activation_price", "callback_rate", "peg_offset")
_ENUMS: tuple[tuple[str, type[enum.Enum]], ...] = (
    ("time_in_force", TimeInForce), ("working_type", WorkingType), ("stp_mode", StpMode),
    ("peg_price_type", PegPriceType),
)


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
    # A STOP_MARKET / TAKE_PROFIT_MARKET that closes the whole position (`closePosition`):
    # quantity 0, never reduce-only.
    close_position: bool = False
    activation_price: Decimal | None = None  # TRAILING_STOP_MARKET: where trailing starts
    callback_rate: Decimal | None = None  # TRAILING_STOP_MARKET: the pull-back, 1 = 1 %
    price_protect: bool = False  # a trigger refused while mark and last price disagree
    stp_mode: StpMode | None = None  # self-trade prevention of this order (v3)
    peg_price_type: PegPriceType | None = None  # a LIMIT priced from the book (v3)
    peg_offset: Decimal | None = None  # with the peg: signed ticks from it (BUY <= 0)
    # Set by `validate_order`: every figure it rounded (empty when nothing was).
    rounded: tuple[RoundingNotice, ...] = ()

    def __post_init__(self) -> None:
        # Every order passes here: the usual case (members and Decimals already) is one
        # test per field, and only a field of another type is coerced.
        coerce = object.__setattr__
        if type(self.side) is not OrderSide:
            coerce(self, "side", to_enum(OrderSide, self.side, "side"))
        if type(self.order_type) is not OrderType:
            coerce(self, "order_type", to_enum(OrderType, self.order_type, "order_type"))
        if type(self.quantity) is not Decimal:
            coerce(self, "quantity", to_decimal(self.quantity, "quantity"))
        if not (
            (self.price is None or type(self.price) is Decimal)
            and (self.stop_price is None or type(self.stop_price) is Decimal)
            and self.activation_price is None and self.callback_rate is None
            and self.peg_offset is None
        ):
            for name in _DECIMALS:
                value = getattr(self, name)
                if value is not None and type(value) is not Decimal:
                    coerce(self, name, to_decimal(value, name))
        if not (
            (self.time_in_force is None or type(self.time_in_force) is TimeInForce)
            and self.working_type is None and self.stp_mode is None
            and self.peg_price_type is None
        ):
            for name, kind in _ENUMS:
                value = getattr(self, name)
                if value is not None and type(value) is not kind:
                    coerce(self, name, optional_enum(kind, value, name))
        if type(self.position_side) is not PositionSide:
            coerce(self, "position_side",
                   to_enum(PositionSide, self.position_side, "position_side"))
        if not (self.reduce_only.__class__ is bool and self.close_position.__class__ is bool
                and self.price_protect.__class__ is bool):
            for name in ("reduce_only", "close_position", "price_protect"):
                if not isinstance(getattr(self, name), bool):
                    raise ValidationError(name, getattr(self, name), "must be True or False")


def intent_attributes(intent: OrderIntent) -> dict[str, str]:
    """The intent's parameters an `Order` has no field for, as `ManagedOrder.attributes`
    (only those set): what the store keeps so that a restart or a replacement sends the
    order as it was asked."""
    attributes: dict[str, str] = {}
    for name in _ATTRIBUTE_FIELDS:
        value = getattr(intent, name)
        if value is None or value is False:
            continue
        if isinstance(value, enum.Enum):
            attributes[name] = str(value.value)
        elif isinstance(value, Decimal):
            attributes[name] = format_decimal(value)
        else:
            attributes[name] = "true"
    return attributes


def params_from_attributes(attributes: dict[str, str]) -> dict[str, object]:
    """The `OrderIntent` keyword arguments `intent_attributes` stored (the inverse): for
    `dataclasses.replace(intent, **params_from_attributes(...))`."""
    params: dict[str, object] = {}
    for name in _ATTRIBUTE_FIELDS:
        text = attributes.get(name)
        if text is None:
            continue
        params[name] = text == "true" if name in ("close_position", "price_protect") else text
    return params  # the enums and figures are coerced by `OrderIntent` itself
