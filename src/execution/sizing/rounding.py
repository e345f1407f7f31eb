"""Exchange rounding of a sized position: quantity down to the step, stop toward the entry."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from execution.errors import ValidationError
from execution.models import OrderSide
from execution.rules import SymbolRules

ZERO = Decimal(0)


def show(value: Decimal, places: int = 8) -> str:
    """A figure for a message: at most `places` decimals, no trailing zeros."""
    text = f"{value:.{places}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def round_quantity(
    rules: SymbolRules, quantity: Decimal, price: Decimal, notes: list[str]
) -> tuple[Decimal, bool]:
    """Round down to the step; cut to the maximum; zero (with the reason) below a minimum.

    Returns the quantity and whether the maximum quantity cut it. A quantity is never raised
    to meet a minimum.
    """
    step = rules.step_size
    # Integer quotient times the step: exact, and in the step's own exponent (0.050, not
    # 0.05000000000000000000000000000).
    try:
        rounded = quantity // step * step
    except InvalidOperation:  # a quotient beyond 28 digits
        raise ValidationError(
            "quantity", quantity, f"has too many steps of {step} to round exactly"
        ) from None
    capped = False
    if rules.max_qty > 0 and rounded > rules.max_qty:
        rounded = rules.max_qty // step * step
        capped = True
        notes.append(f"quantity capped to the maximum quantity {show(rules.max_qty)}")
    if rounded <= 0 or rounded < rules.min_qty:
        notes.append(
            f"quantity {show(quantity)} rounds down to {show(rounded)} at step size "
            f"{show(step)}, below the minimum quantity {show(rules.min_qty)}: no position"
        )
        return ZERO, capped
    if rounded * price < rules.min_notional:
        notes.append(
            f"notional {show(rounded * price, 2)} is below the minimum notional "
            f"{show(rules.min_notional, 2)}: no position"
        )
        return ZERO, capped
    return rounded, capped


def round_stop_toward_entry(
    rules: SymbolRules, side: OrderSide, price: Decimal, stop: Decimal, field: str
) -> Decimal:
    """Round a stop to the tick size toward the entry price (a shorter stop, less risk).

    A stop that rounds onto or across the entry price cannot be placed: `ValidationError`.
    """
    tick = rules.tick_size
    try:
        rounded = stop // tick * tick
    except InvalidOperation:  # a quotient beyond 28 digits
        raise ValidationError(field, stop, f"has too many ticks of {tick} to round") from None
    if side is OrderSide.BUY:
        if rounded != stop:
            rounded += tick
        if rounded >= price:
            raise ValidationError(
                field, stop, f"the stop rounds to {rounded} at tick size {tick}, not below {price}"
            )
    else:
        if rounded <= price:
            raise ValidationError(
                field, stop, f"the stop rounds to {rounded} at tick size {tick}, not above {price}"
            )
    return rounded
