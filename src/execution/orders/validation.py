"""Checks an order must pass before anything is sent.

`validate_order` is pure: the manager gathers the context (the symbol's rules, the mark
price, the position, the number of open orders) and this module decides. It returns the
order rounded to the symbol's rules or raises `ValidationError`.

Rounding: quantities round *down* to the step size (never more exposure than asked).
Prices round to the tick size so that they are never worse for the order's side than asked:
a BUY's price or trigger rounds *down*, a SELL's rounds *up*. For a limit order that means
never paying more (buy) or receiving less (sell); for a stop-loss it means triggering no
later than asked (a sell stop below the market moves toward it); for a take-profit, taking
profit at no worse a level. The side checks run on the rounded prices.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal

from execution.errors import ValidationError
from execution.intent import OrderIntent, RoundingNotice

__all__ = [
    "MARKET_QUANTITY_TYPES", "OrderGuards", "OrderIntent", "RoundingNotice",
    "TriggerCrossedError", "ValidationContext", "check_bracket_prices", "check_percent_price",
    "check_symbol_allowed", "rounding_notices", "trigger_crossed", "triggers_below",
    "validate_order",
]  # OrderIntent and RoundingNotice live in execution.intent
from execution.models import OrderSide, OrderType
from execution.money import positive
from execution.param_rules import check_parameters
from execution.rules import SymbolRules, normalize_symbol, safe_price_rounding

ZERO = Decimal(0)


@dataclass(frozen=True, slots=True)
class OrderGuards:
    """Limits the operator sets on top of the exchange's rules (None: no limit)."""

    max_notional_per_order: Decimal | None = None
    max_open_orders_per_symbol: int | None = None
    allowed_symbols: frozenset[str] | None = None

    def __post_init__(self) -> None:
        if self.max_notional_per_order is not None:
            object.__setattr__(self, "max_notional_per_order",
                               positive(self.max_notional_per_order, "max_notional_per_order"))
        limit = self.max_open_orders_per_symbol
        if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int)
                                  or limit < 0):
            raise ValidationError("max_open_orders_per_symbol", limit,
                                  "must be a whole number >= 0")
        # "BTC/USDT" and "BTCUSDT" name the same market: keep the exchange's spelling.
        if self.allowed_symbols is not None:
            normalized = frozenset(normalize_symbol(s) for s in self.allowed_symbols)
            object.__setattr__(self, "allowed_symbols", normalized)


@dataclass(frozen=True, slots=True)
class ValidationContext:
    """What the checks need to know about the market and the account.

    `position_quantity` is signed (long > 0); `open_orders` counts this symbol's open orders.
    `mark_price` may be None when no check needs it (a plain limit order).
    """

    rules: SymbolRules
    mark_price: Decimal | None = None
    position_quantity: Decimal = ZERO
    open_orders: int = 0


def check_symbol_allowed(symbol: str, guards: OrderGuards) -> None:
    if guards.allowed_symbols is not None and (
        normalize_symbol(symbol) not in guards.allowed_symbols
    ):
        raise ValidationError("symbol", symbol, "not in the allowed symbols")


# Orders filled at market, whose quantity MARKET_LOT_SIZE rules.
MARKET_QUANTITY_TYPES = frozenset({OrderType.MARKET, OrderType.STOP_LOSS, OrderType.TAKE_PROFIT,
                                   OrderType.TRAILING_STOP_MARKET})


def validate_order(
    intent: OrderIntent, context: ValidationContext, guards: OrderGuards | None = None
) -> OrderIntent:
    """Round `intent` by the symbol's rules and check it; raise `ValidationError` if bad."""
    guards = guards or OrderGuards()
    rules = context.rules
    symbol = normalize_symbol(intent.symbol)
    if symbol != intent.symbol:
        intent = replace(intent, symbol=symbol)
    check_symbol_allowed(intent.symbol, guards)
    if rules.symbol != intent.symbol:
        raise ValidationError("symbol", intent.symbol, f"rules are for {rules.symbol}")
    if rules.status != "TRADING":
        raise ValidationError("symbol", intent.symbol, f"not trading (status {rules.status})")
    asked = intent
    intent = check_parameters(intent, rules)  # the parameters beyond the figures
    order_type = intent.order_type
    market = order_type in MARKET_QUANTITY_TYPES
    quantity = (intent.quantity if intent.close_position
                else rules.rounded_quantity(intent.quantity, market=market))
    price = _rounded(intent.price, "price", intent.side, rules)
    stop_price = _rounded(intent.stop_price, "stop_price", intent.side, rules)
    if order_type.needs_price and price is None and intent.peg_price_type is None:
        raise ValidationError("price", None, f"required for a {order_type.name} order")
    if order_type.needs_stop_price and stop_price is None:
        raise ValidationError("stop_price", None, f"required for a {order_type.name} order")
    if not order_type.needs_price and price is not None:
        raise ValidationError("price", price, f"not used by a {order_type.name} order")
    if stop_price is not None:
        _check_trigger_side(order_type, intent.side, stop_price, context.mark_price)
    if intent.activation_price is not None:
        _check_activation_side(intent.side, intent.activation_price, context.mark_price)
    if price is not None:
        check_percent_price(rules, intent.side, price, context.mark_price)
    reference = price or stop_price or intent.activation_price or context.mark_price
    if reference is None:
        raise ValidationError("mark_price", None, "needed to value a market order")
    notional = quantity * reference
    if not (intent.reduce_only or intent.close_position):
        # Reduce-only orders close exposure; the exchange does not hold them to MIN_NOTIONAL.
        rules.validate_notional(quantity, reference)
    if guards.max_notional_per_order is not None and notional > guards.max_notional_per_order:
        raise ValidationError(
            "notional", notional, f"above the maximum per order {guards.max_notional_per_order}"
        )
    limit = guards.max_open_orders_per_symbol
    if limit is not None and context.open_orders >= limit:
        raise ValidationError(
            "open_orders", context.open_orders, f"at the maximum of {limit} for {intent.symbol}"
        )
    if context.open_orders >= rules.max_num_orders:
        raise ValidationError(
            "open_orders", context.open_orders, f"at the exchange's maximum {rules.max_num_orders}"
        )
    if intent.reduce_only:
        _check_reduce_only(intent.side, quantity, context.position_quantity)
    checked = replace(intent, quantity=quantity, price=price, stop_price=stop_price)
    return replace(checked, rounded=asked.rounded + rounding_notices(asked, checked, rules))


def rounding_notices(
    asked: OrderIntent, checked: OrderIntent, rules: SymbolRules
) -> tuple[RoundingNotice, ...]:
    """What `validate_order` changed from `asked` to `checked`, each with its rule."""
    notices = []
    if checked.quantity != asked.quantity:
        step = rules.quantity_step(asked.order_type in MARKET_QUANTITY_TYPES)
        notices.append(RoundingNotice(
            "quantity", asked.quantity, checked.quantity, "down",
            f"step size {step}: never more than asked",
        ))
    direction = safe_price_rounding(asked.side).value
    for name, before, after in (
            ("price", asked.price, checked.price),
            ("stop_price", asked.stop_price, checked.stop_price),
            ("activation_price", asked.activation_price, checked.activation_price),
            ("peg_offset", asked.peg_offset, checked.peg_offset)):
        if before is not None and after is not None and before != after:
            notices.append(RoundingNotice(
                name, before, after, direction,
                f"tick size {rules.tick_size}; a {asked.side.value} rounds {direction}: "
                "never a worse price, never a looser stop",
            ))
    return tuple(notices)


def check_percent_price(
    rules: SymbolRules, side: OrderSide, price: Decimal, mark_price: Decimal | None
) -> None:
    """PERCENT_PRICE: a BUY price at most mark x multiplierUp, a SELL price at least mark x
    multiplierDown (the docs' filter; the exchange refuses with -4016 / -4024)."""
    if mark_price is None:
        return
    if side is OrderSide.BUY and rules.multiplier_up is not None:
        cap = mark_price * rules.multiplier_up
        if price > cap:
            raise ValidationError(
                "price", price, f"a BUY price must be at most {cap.normalize():f} (PERCENT_PRICE: "
                f"mark {mark_price} x multiplierUp {rules.multiplier_up})",
            )
    if side is OrderSide.SELL and rules.multiplier_down is not None:
        floor = mark_price * rules.multiplier_down
        if price < floor:
            raise ValidationError(
                "price", price, f"a SELL price must be at least {floor.normalize():f} "
                f"(PERCENT_PRICE: mark {mark_price} x multiplierDown {rules.multiplier_down})",
            )


def _rounded(
    value: Decimal | None, field: str, side: OrderSide, rules: SymbolRules
) -> Decimal | None:
    if value is None:
        return None
    if value <= 0:
        raise ValidationError(field, value, "must be greater than 0")
    rounded = rules.round_price(value, safe_price_rounding(side))
    rules.validate_price(rounded, field)
    return rounded


class TriggerCrossedError(ValidationError):
    """A stop or take-profit whose trigger the market has already passed: it would trigger
    at once (the exchange's -2021). `mark_price` is the price it was checked against."""

    def __init__(
        self, order_type: OrderType, side: OrderSide, stop_price: Decimal, mark_price: Decimal
    ) -> None:
        where = "below" if triggers_below(order_type, side) else "above"
        super().__init__(
            "stop_price", stop_price,
            f"a {side.value} {order_type.name} must trigger {where} the mark price {mark_price}",
        )
        self.order_type = order_type
        self.side = side
        self.stop_price = stop_price
        self.mark_price = mark_price


def triggers_below(order_type: OrderType, side: OrderSide) -> bool:
    """A stop-loss triggers against the position (sell below, buy above the market); a
    take-profit in its favour (sell above, buy below)."""
    stop_like = order_type in (OrderType.STOP_LOSS, OrderType.STOP_LOSS_LIMIT)
    return (side is OrderSide.SELL) == stop_like


def trigger_crossed(
    order_type: OrderType, side: OrderSide, stop_price: Decimal, mark_price: Decimal
) -> bool:
    """True when the market is at or through the trigger: the order would trigger at once."""
    if triggers_below(order_type, side):
        return stop_price >= mark_price
    return stop_price <= mark_price


def _check_trigger_side(
    order_type: OrderType, side: OrderSide, stop_price: Decimal, mark_price: Decimal | None
) -> None:
    """The trigger must still be ahead of the market; otherwise it would trigger at once."""
    if mark_price is None:
        raise ValidationError("mark_price", None, "needed to check the trigger price")
    if trigger_crossed(order_type, side, stop_price, mark_price):
        raise TriggerCrossedError(order_type, side, stop_price, mark_price)


def _check_reduce_only(side: OrderSide, quantity: Decimal, position_quantity: Decimal) -> None:
    """A reduce-only order must face an open position in the other direction, and not be
    larger than it."""
    reducible = position_quantity if side is OrderSide.SELL else -position_quantity
    if reducible <= 0:
        direction = "long" if side is OrderSide.SELL else "short"
        raise ValidationError(
            "reduce_only", True, f"a reduce-only {side.value} needs an open {direction} position"
        )
    if quantity > reducible:
        raise ValidationError(
            "quantity", quantity, f"reduce-only order larger than the position {reducible}"
        )


def _check_activation_side(side: OrderSide, activation: Decimal, mark: Decimal | None) -> None:
    """The docs: a BUY trailing stop's activation price below the latest price, a SELL's
    above it (else the venue's -2021, "would immediately trigger")."""
    if mark is None:
        raise ValidationError("mark_price", None, "needed to check the activation price")
    if (activation >= mark) if side is OrderSide.BUY else (activation <= mark):
        where = "below" if side is OrderSide.BUY else "above"
        raise ValidationError("activation_price", activation,
                              f"a {side.value} trailing stop activates {where} the market "
                              f"price {mark}")


def check_bracket_prices(
    side: OrderSide,
    reference_price: Decimal,
    stop_loss_price: Decimal,
    take_profit_price: Decimal,
) -> None:
    """For a BUY entry: stop-loss < reference < take-profit; for a SELL, the reverse.

    `reference_price` is the entry's limit price, or the mark price for a market entry."""
    if side is OrderSide.BUY:
        ok_stop, ok_profit = stop_loss_price < reference_price, take_profit_price > reference_price
    else:
        ok_stop, ok_profit = stop_loss_price > reference_price, take_profit_price < reference_price
    where = "below" if side is OrderSide.BUY else "above"
    other = "above" if side is OrderSide.BUY else "below"
    if not ok_stop:
        raise ValidationError(
            "stop_loss_price", stop_loss_price,
            f"a {side.value} bracket's stop-loss must be {where} the entry {reference_price}",
        )
    if not ok_profit:
        raise ValidationError(
            "take_profit_price", take_profit_price,
            f"a {side.value} bracket's take-profit must be {other} the entry {reference_price}",
        )
