"""An order intent, validated and rounded with the symbol's rules, as wire parameters.

Nothing the exchange would reject leaves this module: quantities round down to the step,
limit prices round to the tick on the safe side (a buy never pays more, a sell never gets
less than asked), stop prices round toward the safe side (a stop triggers no later than
asked), and min quantity, min notional, price bounds and required fields are checked.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from decimal import Decimal

from execution.coercion import optional_enum, to_enum
from execution.errors import MismatchedAnswerError, ValidationError
from execution.models import (
    Order,
    OrderSide,
    OrderStatus,
    OrderType,
    PositionSide,
    TimeInForce,
    WorkingType,
)
from execution.money import format_decimal, optional_decimal, to_decimal
from execution.rules import SymbolRules, safe_price_rounding

CLIENT_ORDER_ID = re.compile(r"^[\.A-Z\:/a-z0-9_-]{1,36}$")
CALLBACK_RATE_MIN = Decimal("0.1")
CALLBACK_RATE_MAX = Decimal("5")


def new_client_order_id() -> str:
    """A fresh, unique client order id (32 hex characters after a short prefix)."""
    return "x-" + uuid.uuid4().hex


def check_client_order_id(client_order_id: str) -> str:
    if not isinstance(client_order_id, str) or not CLIENT_ORDER_ID.match(client_order_id):
        raise ValidationError(
            "client_order_id", client_order_id, "must match ^[\\.A-Z\\:/a-z0-9_-]{1,36}$"
        )
    return client_order_id


def check_order_id(order_id: object) -> str:
    """The exchange's order id as text: ASCII digits only (an int is taken too)."""
    text = str(order_id) if isinstance(order_id, int) and not isinstance(order_id, bool) \
        else order_id
    if not isinstance(text, str) or not text.isascii() or not text.isdigit():
        raise ValidationError("order_id", order_id, "must be the exchange's numeric order id")
    return text


@dataclass(frozen=True, slots=True)
class OrderRequest:
    """A validated order: the wire parameters and the local view of the order."""

    params: list[tuple[str, str]]
    order: Order


def build_order_request(
    rules: SymbolRules,
    side: OrderSide,
    order_type: OrderType,
    quantity: Decimal | None,
    *,
    price: Decimal | None = None,
    stop_price: Decimal | None = None,
    time_in_force: TimeInForce | None = None,
    reduce_only: bool = False,
    close_position: bool = False,
    position_side: PositionSide = PositionSide.BOTH,
    working_type: WorkingType | None = None,
    activation_price: Decimal | None = None,
    callback_rate: Decimal | None = None,
    client_order_id: str | None = None,
    reference_price: Decimal | None = None,
) -> OrderRequest:
    """Validate and round an order; `reference_price` (mark) checks a market order's notional.

    Every argument goes through the package's one coercion rule (`coercion.to_enum` for the
    enums, `money.to_decimal` for the figures), so a caller's string ("BUY", "0.01") is
    taken exactly and an odd one ("0_01", "١", "ＢＵＹ") is a `ValidationError`."""
    side = to_enum(OrderSide, side, "side")
    order_type = to_enum(OrderType, order_type, "order_type")
    if order_type is OrderType.LIQUIDATION:
        raise ValidationError("order_type", order_type.value,
                              "is the exchange's own liquidation order and cannot be sent")
    time_in_force = optional_enum(TimeInForce, time_in_force, "time_in_force")
    position_side = to_enum(PositionSide, position_side, "position_side")
    working_type = optional_enum(WorkingType, working_type, "working_type")
    quantity = optional_decimal(quantity, "quantity")
    price = optional_decimal(price, "price")
    stop_price = optional_decimal(stop_price, "stop_price")
    activation_price = optional_decimal(activation_price, "activation_price")
    reference_price = optional_decimal(reference_price, "reference_price")
    for flag, name in ((reduce_only, "reduce_only"), (close_position, "close_position")):
        if not isinstance(flag, bool):
            raise ValidationError(name, flag, "must be True or False")
    if rules.status != "TRADING":
        raise ValidationError("symbol", rules.symbol, f"is not trading (status {rules.status})")
    client_order_id = check_client_order_id(
        client_order_id if client_order_id is not None else new_client_order_id()
    )
    market = order_type in (OrderType.MARKET,)
    params: list[tuple[str, str]] = [
        ("symbol", rules.symbol),
        ("side", side.value),
        ("type", order_type.exchange_type),
    ]
    if position_side is not PositionSide.BOTH:
        if reduce_only:
            raise ValidationError(
                "reduce_only", True,
                f"cannot be sent in hedge mode (positionSide {position_side.value}): an "
                "order on the closing side of a leg only reduces it",
            )
        params.append(("positionSide", position_side.value))

    # quantity
    rounded_qty: Decimal | None = None
    if close_position:
        if order_type not in (OrderType.STOP_LOSS, OrderType.TAKE_PROFIT):
            raise ValidationError(
                "close_position", True, "only for STOP_LOSS or TAKE_PROFIT (market) orders"
            )
        if reduce_only:
            raise ValidationError("reduce_only", True, "cannot be combined with close_position")
    else:
        if quantity is None:
            raise ValidationError("quantity", None, f"is required for {order_type.name} orders")
        rounded_qty = rules.rounded_quantity(quantity, market=market)
        params.append(("quantity", format_decimal(rounded_qty)))

    # price
    rounded_price: Decimal | None = None
    if order_type.needs_price:
        if price is None:
            raise ValidationError("price", None, f"is required for {order_type.name} orders")
        rounded_price = rules.round_price(price, safe_price_rounding(side))
        rules.validate_price(rounded_price)
        tif = time_in_force or TimeInForce.GTC
        params.append(("timeInForce", tif.value))
        params.append(("price", format_decimal(rounded_price)))
    else:
        if price is not None:
            raise ValidationError("price", price, f"not accepted for {order_type.name} orders")
        if time_in_force is not None:
            raise ValidationError(
                "time_in_force", time_in_force, f"not accepted for {order_type.name} orders"
            )
        tif = None

    # stop price
    rounded_stop: Decimal | None = None
    if order_type.needs_stop_price:
        if stop_price is None:
            raise ValidationError(
                "stop_price", None, f"is required for {order_type.name} orders"
            )
        rounded_stop = rules.round_price(stop_price, safe_price_rounding(side))
        rules.validate_price(rounded_stop, "stop_price")
        params.append(("stopPrice", format_decimal(rounded_stop)))
    elif stop_price is not None:
        raise ValidationError("stop_price", stop_price, f"not accepted for {order_type.name}")

    # trailing stop
    rounded_activation: Decimal | None = None
    if order_type is OrderType.TRAILING_STOP_MARKET:
        if callback_rate is None:
            raise ValidationError("callback_rate", None, "is required for trailing stops")
        rate = to_decimal(callback_rate, "callback_rate")
        if not CALLBACK_RATE_MIN <= rate <= CALLBACK_RATE_MAX:
            raise ValidationError("callback_rate", callback_rate, "must be between 0.1 and 5 (%)")
        params.append(("callbackRate", format_decimal(rate)))
        if activation_price is not None:
            rounded_activation = rules.round_price(activation_price, safe_price_rounding(side))
            rules.validate_price(rounded_activation, "activation_price")
            params.append(("activationPrice", format_decimal(rounded_activation)))
        callback_rate = rate
    elif callback_rate is not None or activation_price is not None:
        raise ValidationError(
            "callback_rate", callback_rate, "only for TRAILING_STOP_MARKET orders"
        )

    # notional
    if rounded_qty is not None and not reduce_only:
        notional_price = rounded_price or rounded_stop or rounded_activation or reference_price
        if notional_price is not None:
            rules.validate_notional(rounded_qty, notional_price)

    if reduce_only:
        params.append(("reduceOnly", "true"))
    if close_position:
        params.append(("closePosition", "true"))
    if working_type is not None:
        if not order_type.is_conditional:
            raise ValidationError("working_type", working_type, "only for conditional orders")
        params.append(("workingType", working_type.value))
    params.append(("newClientOrderId", client_order_id))
    params.append(("newOrderRespType", "RESULT"))

    order = Order(
        symbol=rules.symbol,
        side=side,
        order_type=order_type,
        quantity=rounded_qty if rounded_qty is not None else Decimal(0),
        client_order_id=client_order_id,
        price=rounded_price,
        stop_price=rounded_stop,
        status=OrderStatus.PENDING_NEW,
        time_in_force=tif,
        reduce_only=reduce_only,
        close_position=close_position,
        position_side=position_side,
        working_type=working_type,
        activation_price=rounded_activation,
        callback_rate=callback_rate,
    )
    return OrderRequest(params=params, order=order)


def check_answer(
    answer: Order, symbol: str, order_id: str | None, client_order_id: str | None
) -> Order:
    """`answer` if it describes the order asked about, else `MismatchedAnswerError`.

    Compared: the symbol, and each of the order id and client order id the caller knows
    (a field the answer leaves empty cannot be compared and is not held against it). A
    cancel, query or modify answered for another order must not be applied to ours."""
    expected: dict[str, str] = {"symbol": symbol}
    answered: dict[str, str] = {"symbol": answer.symbol}
    if order_id:
        expected["order_id"], answered["order_id"] = str(order_id), str(answer.order_id)
    if client_order_id:
        expected["client_order_id"] = client_order_id
        answered["client_order_id"] = answer.client_order_id
    differing = sorted(
        name for name, value in expected.items() if answered[name] and answered[name] != value
    )
    if differing:
        raise MismatchedAnswerError(
            f"the exchange answered about another order ({', '.join(differing)}: asked "
            f"{[expected[n] for n in differing]}, answered {[answered[n] for n in differing]})"
            "; not applied",
            expected=expected, answered=answered,
        )
    return answer
