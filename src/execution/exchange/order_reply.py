"""An order answer of the usual shape, read in one pass: the hot path of every order sent.

`parsing.parse_order` reads every order the exchange describes (`POST/GET/DELETE order`,
`openOrders`, `allOrders`), field by field, with a check and a message for each field. Two
such answers come back for every order placed and cancelled, so the common case is read
here first, with the same rules and in one function: a decoded JSON object whose figures are
non-empty decimal strings, whose enums are known values and whose flags and times are JSON
booleans and integers. Anything else (a JSON number for a figure, a string flag, a missing
or unknown field) makes `read_order_reply` return None, and `parsing.parse_order_fields`
then reads it, or names the field that is wrong. The two paths give equal orders for every
answer this one takes (`tests/exchange/test_order_reply.py` compares them).
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from execution.models import (
    ZERO,
    Order,
    OrderSide,
    OrderStatus,
    OrderType,
    PositionSide,
    TimeInForce,
    WorkingType,
)

_SIDES: dict[Any, OrderSide] = {member.value: member for member in OrderSide}
_TYPES: dict[Any, OrderType] = {member.value: member for member in OrderType}
# EXPIRED_IN_MATCH ends an order like EXPIRED; NEW_INSURANCE / NEW_ADL are new liquidation
# orders (the docs' order statuses), as `parsing` reads them.
STATUSES: dict[Any, OrderStatus] = {member.value: member for member in OrderStatus} | {
    "EXPIRED_IN_MATCH": OrderStatus.EXPIRED, "NEW_INSURANCE": OrderStatus.NEW,
    "NEW_ADL": OrderStatus.NEW,
}
# The optional enums: absent (None) or empty means the default.
_TIME_IN_FORCE: dict[Any, TimeInForce | None] = {
    None: None, "": None, **{member.value: member for member in TimeInForce}}
_POSITION_SIDES: dict[Any, PositionSide] = {
    None: PositionSide.BOTH, "": PositionSide.BOTH,
    **{member.value: member for member in PositionSide}}
_WORKING_TYPES: dict[Any, WorkingType | None] = {
    None: None, "": None, **{member.value: member for member in WorkingType}}
_FLAGS = {None: False, False: False, True: True}


def read_order_reply(data: dict[str, Any]) -> Order | None:
    """`data` as an `Order` when it has the usual shape, else None (see the module)."""
    get = data.get
    quantity, price, stop_price = get("origQty"), get("price"), get("stopPrice")
    filled, average = get("executedQty"), get("avgPrice")
    activation, rate = get("activatePrice"), get("priceRate")
    created, updated = get("time"), get("updateTime")
    symbol, client_order_id, order_id = get("symbol"), get("clientOrderId"), get("orderId")
    if not (
        quantity.__class__ is str and price.__class__ is str
        and stop_price.__class__ is str and filled.__class__ is str
        and average.__class__ is str and symbol.__class__ is str
        and client_order_id.__class__ is str and order_id.__class__ is int
        and (activation is None or activation.__class__ is str)
        and (rate is None or rate.__class__ is str)
        and (created is None or created.__class__ is int)
        and (updated is None or updated.__class__ is int)
    ):
        return None
    try:
        side = _SIDES[get("side")]
        kind = get("type")
        order_type = _TYPES[get("origType") if kind is None or kind == "" else kind]
        status = STATUSES[get("status")]
        time_in_force = _TIME_IN_FORCE[get("timeInForce")]
        position_side = _POSITION_SIDES[get("positionSide")]
        working_type = _WORKING_TYPES[get("workingType")]
        reduce_only = _FLAGS[get("reduceOnly")]
        close_position = _FLAGS[get("closePosition")]
        figures = (
            Decimal(quantity), Decimal(price), Decimal(stop_price), Decimal(filled),
            Decimal(average),
            None if activation is None else Decimal(activation),
            None if rate is None else Decimal(rate),
        )
    except (KeyError, TypeError, InvalidOperation):  # TypeError: an unhashable value
        return None
    for figure in figures:
        if figure is not None and not figure.is_finite():
            return None
    quantity_d, price_d, stop_d, filled_d, average_d, activation_d, rate_d = figures
    if updated is None:
        updated = 0
    # Positional (half the cost of keywords, on every answer), in `Order`'s field order;
    # the test against the field-by-field reading catches any field out of place.
    return Order(
        symbol, side, order_type, quantity_d, client_order_id, str(order_id),
        price_d or None,  # "0": does not apply
        stop_d or None, status, filled_d, average_d or None, time_in_force, reduce_only,
        close_position, position_side, working_type, activation_d or None, rate_d or None,
        ZERO, "", ZERO, updated if created is None else created, updated,
    )
