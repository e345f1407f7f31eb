"""An order intent, validated and rounded with the symbol's rules, as wire parameters.

Nothing the exchange would reject leaves this module: quantities round down to the step,
limit prices round to the tick on the safe side (a buy never pays more, a sell never gets
less than asked), stop prices round toward the safe side (a stop triggers no later than
asked), and min quantity, min notional, price bounds and required fields are checked.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

from execution.errors import MismatchedAnswerError, ValidationError
from execution.intent import OrderIntent
from execution.models import (
    ZERO,
    Order,
    OrderSide,
    OrderStatus,
    OrderType,
    PegPriceType,
    PositionSide,
    StpMode,
    TimeInForce,
    WorkingType,
)
from execution.money import format_decimal, optional_decimal
from execution.param_rules import CALLBACK_RATE_MAX, CALLBACK_RATE_MIN, check_parameters
from execution.rules import SymbolRules, safe_price_rounding

__all__ = [
    "CALLBACK_RATE_MAX",
    "CALLBACK_RATE_MIN",
    "CLIENT_ORDER_ID",
    "V3_ONLY",
    "MarketView",
    "OrderRequest",
    "build_intent_request",
    "build_order_request",
    "check_answer",
    "check_client_order_id",
    "check_order_id",
    "check_v3_parameters",
    "new_client_order_id",
    "request_for",
]

CLIENT_ORDER_ID = re.compile(r"^[\.A-Z\:/a-z0-9_-]{1,36}$")
# Orders that fill at market, whose quantity MARKET_LOT_SIZE rules (as the manager's).
_MARKET = frozenset({OrderType.MARKET})


def new_client_order_id() -> str:
    """A fresh, unique client order id (32 random hex characters after a short prefix)."""
    return "x-" + os.urandom(16).hex()


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
    price_protect: bool = False,
    stp_mode: StpMode | None = None,
    peg_price_type: PegPriceType | None = None,
    peg_offset: Decimal | None = None,
) -> OrderRequest:
    """Validate and round an order; `reference_price` (mark) checks a market order's notional.

    Every argument goes through the package's one coercion rule (`OrderIntent`: the enums
    by `coercion.to_enum`, the figures by `money.to_decimal`), so a caller's string ("BUY",
    "0.01") is taken exactly and an odd one ("0_01", "١", "ＢＵＹ") is a `ValidationError`."""
    if quantity is None and close_position is not True:
        raise ValidationError("quantity", None, "is required (unless close_position)")
    intent = OrderIntent(
        rules.symbol, side, order_type, Decimal(0) if quantity is None else quantity,
        price=price, stop_price=stop_price, time_in_force=time_in_force,
        reduce_only=reduce_only, working_type=working_type, position_side=position_side,
        close_position=close_position, activation_price=activation_price,
        callback_rate=callback_rate, price_protect=price_protect, stp_mode=stp_mode,
        peg_price_type=peg_price_type, peg_offset=peg_offset,
    )
    return build_intent_request(rules, intent, client_order_id, reference_price)


def build_intent_request(
    rules: SymbolRules,
    intent: OrderIntent,
    client_order_id: str | None = None,
    reference_price: Decimal | None = None,
) -> OrderRequest:
    """`intent` validated and rounded by the symbol's rules as the venue's wire parameters
    (the docs' New Order), under `client_order_id` (generated when None)."""
    side, order_type = intent.side, intent.order_type
    if order_type is OrderType.LIQUIDATION:
        raise ValidationError("order_type", order_type.value,
                              "is the exchange's own liquidation order and cannot be sent")
    reference_price = optional_decimal(reference_price, "reference_price")
    if rules.status != "TRADING":
        raise ValidationError("symbol", rules.symbol, f"is not trading (status {rules.status})")
    intent = check_parameters(intent, rules)
    client_order_id = check_client_order_id(
        client_order_id if client_order_id is not None else new_client_order_id()
    )
    reduce_only, close_position = intent.reduce_only, intent.close_position
    position_side = intent.position_side
    params: list[tuple[str, str]] = [  # `_value_`: the enums' wire names, read directly
        ("symbol", rules.symbol),
        ("side", side._value_),
        ("type", order_type._value_),  # = exchange_type
    ]
    if position_side is not PositionSide.BOTH:
        if reduce_only:
            raise ValidationError(
                "reduce_only", True,
                f"cannot be sent in hedge mode (positionSide {position_side.value}): an "
                "order on the closing side of a leg only reduces it",
            )
        params.append(("positionSide", position_side.value))

    rounded_qty: Decimal | None = None
    if not close_position:
        rounded_qty = rules.rounded_quantity(intent.quantity, market=order_type in _MARKET)
        params.append(("quantity", format_decimal(rounded_qty)))

    rounded_price: Decimal | None = None
    tif = intent.time_in_force
    if order_type.needs_price:
        if intent.price is None and intent.peg_price_type is None:
            raise ValidationError("price", None, f"is required for {order_type.name} orders")
        tif = tif or TimeInForce.GTC
        params.append(("timeInForce", tif._value_))
        if intent.price is not None:
            rounded_price = rules.round_price(intent.price, safe_price_rounding(side))
            rules.validate_price(rounded_price)
            params.append(("price", format_decimal(rounded_price)))
    else:
        if intent.price is not None:
            raise ValidationError("price", intent.price,
                                  f"not accepted for {order_type.name} orders")
        if tif is not None:
            raise ValidationError(
                "time_in_force", tif.value, f"not accepted for {order_type.name} orders"
            )

    rounded_stop: Decimal | None = None
    if order_type.needs_stop_price:
        if intent.stop_price is None:
            raise ValidationError(
                "stop_price", None, f"is required for {order_type.name} orders"
            )
        rounded_stop = rules.round_price(intent.stop_price, safe_price_rounding(side))
        rules.validate_price(rounded_stop, "stop_price")
        params.append(("stopPrice", format_decimal(rounded_stop)))
    elif intent.stop_price is not None:
        raise ValidationError("stop_price", intent.stop_price,
                              f"not accepted for {order_type.name}")

    if intent.callback_rate is not None:  # checked: a trailing stop
        params.append(("callbackRate", format_decimal(intent.callback_rate)))
    if intent.activation_price is not None:
        params.append(("activationPrice", format_decimal(intent.activation_price)))

    if rounded_qty is not None and not reduce_only:
        notional_price = (rounded_price or rounded_stop or intent.activation_price
                          or reference_price)
        if notional_price is not None:
            rules.validate_notional(rounded_qty, notional_price)

    if reduce_only:
        params.append(("reduceOnly", "true"))
    if close_position:
        params.append(("closePosition", "true"))
    if intent.working_type is not None:
        params.append(("workingType", intent.working_type.value))
    if intent.price_protect:
        params.append(("priceProtect", "TRUE"))  # the docs: "TRUE" or "FALSE"
    if intent.peg_price_type is not None:
        params.append(("pegPriceType", intent.peg_price_type.value))
        if intent.peg_offset is not None:
            params.append(("pegOffset", format_decimal(intent.peg_offset)))
    if intent.stp_mode is not None:
        params.append(("stpMode", intent.stp_mode.value))
    params.append(("newClientOrderId", client_order_id))
    params.append(("newOrderRespType", "RESULT"))

    order = Order(  # positional, in `Order`'s field order: every order sent builds one
        rules.symbol, side, order_type,
        rounded_qty if rounded_qty is not None else ZERO,
        client_order_id, "", rounded_price, rounded_stop, OrderStatus.PENDING_NEW, ZERO, None,
        tif, reduce_only, close_position, position_side, intent.working_type,
        intent.activation_price, intent.callback_rate,
    )
    return OrderRequest(params=params, order=order)


class MarketView(Protocol):
    """What `request_for` reads of `exchange.markets.Markets`."""

    def rules_for(self, symbol: str) -> SymbolRules: ...

    def recent_mark(self, symbol: str, max_age: float) -> Decimal | None: ...


# The parameters only AsterDEX's v3 API documents (New Order): refused elsewhere.
V3_ONLY = ("stp_mode", "peg_price_type", "peg_offset")


def speaks_v3(venue: str, scheme: object) -> bool:
    """True for AsterDEX with EIP-712 credentials: the v3 API and its order parameters."""
    return venue == "asterdex" and getattr(scheme, "value", None) == "eip712"


def check_v3_parameters(intent: OrderIntent, *, v3: bool) -> None:
    """Unless `v3`, refuse the parameters only AsterDEX's v3 API has (`stpMode`, the BBO
    peg, timeInForce HIDDEN): a `ValidationError` before anything is sent or recorded."""
    if v3 or (intent.stp_mode is None and intent.peg_price_type is None
              and intent.peg_offset is None and intent.time_in_force is not TimeInForce.HIDDEN):
        return
    for name in V3_ONLY:
        if getattr(intent, name) is not None:
            raise ValidationError(name, getattr(intent, name),
                                  "only on AsterDEX's v3 API (EIP-712 credentials)")
    if intent.time_in_force is TimeInForce.HIDDEN:
        raise ValidationError("time_in_force", "HIDDEN",
                              "only on AsterDEX's v3 API (EIP-712 credentials)")


def request_for(
    markets: MarketView,
    intent: OrderIntent,
    client_order_id: str | None,
    *,
    v3: bool,
    mark_age: float,
) -> OrderRequest:
    """The wire request of `intent` by its symbol's cached rules (a market order's notional
    checked against a mark no older than `mark_age` s, when one is cached). `v3` is False
    for a venue or credentials without the v3 API: its parameters (`stpMode`, the BBO peg,
    HIDDEN) are refused before anything is sent."""
    check_v3_parameters(intent, v3=v3)
    rules = markets.rules_for(intent.symbol)
    reference = (markets.recent_mark(rules.symbol, mark_age)
                 if intent.order_type is OrderType.MARKET else None)
    return build_intent_request(rules, intent, client_order_id, reference)


def check_answer(
    answer: Order, symbol: str, order_id: str | None, client_order_id: str | None
) -> Order:
    """`answer` if it describes the order asked about, else `MismatchedAnswerError`.

    Compared: the symbol, and each of the order id and client order id the caller knows
    (a field the answer leaves empty cannot be compared and is not held against it). A
    cancel, query or modify answered for another order must not be applied to ours."""
    if ((not answer.symbol or answer.symbol == symbol)
            and (not order_id or not answer.order_id or str(answer.order_id) == str(order_id))
            and (not client_order_id or not answer.client_order_id
                 or answer.client_order_id == client_order_id)):
        return answer  # the usual case: every known field agrees
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
