"""The rules of an order's parameters beyond side, type, quantity and price, as the venue's
docs (New Order, v3 and v1) state them: one place for the order manager
(`orders.validation`) and the client (`exchange.order_request`), so that what the one
refuses the other refuses too, with the same typed error (field, value, rule).

- `closePosition`: only STOP_MARKET / TAKE_PROFIT_MARKET; no quantity (it closes the whole
  position); never with `reduceOnly`; in hedge mode never a BUY on LONG or a SELL on SHORT.
- `TRAILING_STOP_MARKET`: `callbackRate` required, 0.1..5 (1 = 1 %); `activationPrice`
  optional, on the tick; no `price`, no `stopPrice`. Neither on any other type.
- `workingType`: only for conditional orders. `priceProtect`: only STOP / STOP_MARKET /
  TAKE_PROFIT / TAKE_PROFIT_MARKET.
- `timeInForce` GTX (post-only) and HIDDEN: only for orders with a limit price.
- BBO peg (`pegPriceType` COUNTERPARTY_1 / QUEUE_1, `pegOffset`): only LIMIT, without a
  `price` (the venue resolves it from the book); the offset needs the peg, a BUY's is
  <= 0 and a SELL's >= 0, on the tick (rounded by `SymbolRules.round_offset`); a post-only
  order pegged at the other side's best price (offset 0) would take and is refused.
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from execution.errors import ValidationError
from execution.intent import OrderIntent
from execution.models import OrderSide, OrderType, PegPriceType, PositionSide, TimeInForce
from execution.rules import SymbolRules, safe_price_rounding

__all__ = [
    "BATCH_CALLBACK_RATE_MAX", "CALLBACK_RATE_MAX", "CALLBACK_RATE_MIN",
    "CLOSE_POSITION_TYPES", "PRICE_PROTECT_TYPES", "check_parameters",
]

CALLBACK_RATE_MIN = Decimal("0.1")
CALLBACK_RATE_MAX = Decimal("5")
# Place Multiple Orders says "min 0.1, max 4" where New Order says 5: a batch leg keeps to
# the stricter 4 (docs/venue-decisions.md).
BATCH_CALLBACK_RATE_MAX = Decimal("4")
CLOSE_POSITION_TYPES = frozenset({OrderType.STOP_LOSS, OrderType.TAKE_PROFIT})
PRICE_PROTECT_TYPES = frozenset({
    OrderType.STOP_LOSS, OrderType.STOP_LOSS_LIMIT, OrderType.TAKE_PROFIT,
    OrderType.TAKE_PROFIT_LIMIT,
})
_RESTING_ONLY = frozenset({TimeInForce.GTX, TimeInForce.HIDDEN})


def check_parameters(intent: OrderIntent, rules: SymbolRules) -> OrderIntent:
    """`intent` with its activation price and peg offset rounded to the tick (the same
    policy as every price: `safe_price_rounding`), or the `ValidationError` of the first
    parameter the docs refuse. Needs no market data (the side of the market an activation
    price must be on is checked by `orders.validation`, which has the mark)."""
    _check_close_position(intent)
    activation = _check_trailing(intent, rules)
    order_type = intent.order_type
    if intent.working_type is not None and not order_type.is_conditional:
        raise ValidationError("working_type", intent.working_type.value,
                              f"only for conditional orders, not {order_type.name}")
    if intent.price_protect and order_type not in PRICE_PROTECT_TYPES:
        raise ValidationError("price_protect", True, "only for STOP, STOP_MARKET, "
                              f"TAKE_PROFIT or TAKE_PROFIT_MARKET orders, not {order_type.name}")
    tif = intent.time_in_force
    if tif in _RESTING_ONLY and not order_type.needs_price:
        raise ValidationError("time_in_force", tif.value if tif else None,
                              f"only for orders with a limit price, not {order_type.name}")
    offset = _check_peg(intent, rules)
    if activation == intent.activation_price and offset == intent.peg_offset:
        return intent
    return replace(intent, activation_price=activation, peg_offset=offset)


def _check_close_position(intent: OrderIntent) -> None:
    if not intent.close_position:
        return
    if intent.order_type not in CLOSE_POSITION_TYPES:
        raise ValidationError("close_position", True, "only for STOP_LOSS (STOP_MARKET) or "
                              f"TAKE_PROFIT (TAKE_PROFIT_MARKET) orders, not "
                              f"{intent.order_type.name}")
    if intent.reduce_only:
        raise ValidationError("reduce_only", True, "cannot be combined with close_position")
    if intent.quantity != 0:
        raise ValidationError("quantity", intent.quantity, "cannot be sent with close_position "
                              "(it closes the whole position): give 0")
    leg = intent.position_side
    if (leg is PositionSide.LONG and intent.side is OrderSide.BUY) or (
            leg is PositionSide.SHORT and intent.side is OrderSide.SELL):
        raise ValidationError("close_position", True, f"a {intent.side.value} on the "
                              f"{leg.value} leg would open it, not close it (hedge mode)")


def _check_trailing(intent: OrderIntent, rules: SymbolRules) -> Decimal | None:
    if intent.order_type is not OrderType.TRAILING_STOP_MARKET:
        if intent.callback_rate is None and intent.activation_price is None:
            return None
        for name in ("callback_rate", "activation_price"):
            if getattr(intent, name) is not None:
                raise ValidationError(name, getattr(intent, name),
                                      "only for TRAILING_STOP_MARKET orders")
        return None
    rate = intent.callback_rate
    if rate is None:
        raise ValidationError("callback_rate", None, "is required for a trailing stop")
    if not CALLBACK_RATE_MIN <= rate <= CALLBACK_RATE_MAX:
        raise ValidationError("callback_rate", rate,
                              f"must be {CALLBACK_RATE_MIN} to {CALLBACK_RATE_MAX} (1 = 1 %)")
    for name in ("price", "stop_price"):
        if getattr(intent, name) is not None:
            raise ValidationError(name, getattr(intent, name),
                                  "not used by a TRAILING_STOP_MARKET order")
    activation = intent.activation_price
    if activation is None:
        return None
    if activation <= 0:
        raise ValidationError("activation_price", activation, "must be greater than 0")
    rounded = rules.round_price(activation, safe_price_rounding(intent.side))
    rules.validate_price(rounded, "activation_price")
    return rounded


def _check_peg(intent: OrderIntent, rules: SymbolRules) -> Decimal | None:
    peg, offset = intent.peg_price_type, intent.peg_offset
    if peg is None:
        if offset is not None:
            raise ValidationError("peg_offset", offset, "only with peg_price_type")
        return None
    if intent.order_type is not OrderType.LIMIT:
        raise ValidationError("peg_price_type", peg.value,
                              f"only for LIMIT orders, not {intent.order_type.name}")
    if intent.price is not None:
        raise ValidationError("price", intent.price, "not sent with peg_price_type: the "
                              "venue prices a pegged order from the book")
    if offset is None:
        rounded = None
    else:
        buy = intent.side is OrderSide.BUY
        if (buy and offset > 0) or (not buy and offset < 0):
            raise ValidationError("peg_offset", offset, "a BUY's offset must be <= 0, a "
                                  "SELL's >= 0 (never through the peg)")
        rounded = rules.round_offset(offset, safe_price_rounding(intent.side))
    if (peg is PegPriceType.COUNTERPARTY_1 and intent.time_in_force is TimeInForce.GTX
            and not rounded):
        raise ValidationError("peg_price_type", peg.value, "a post-only (GTX) order at the "
                              "other side's best price would take: give a peg_offset")
    return rounded
