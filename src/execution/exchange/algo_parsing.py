"""Binance's algo orders on the wire: an order's parameters for `POST algoOrder`, and the
algo order (REST) and its `ALGO_UPDATE` event read into the client's models.

An algo order is read as the order it stands for: its client id is the `clientAlgoId`
(the actual order after a trigger carries the same client id), its order id the
`algoId` until it triggers (then the actual order's id takes over), `Order.algo_id` the
`algoId` always. Statuses: NEW, TRIGGERING, TRIGGERED and FINISHED are an order still
working as far as the algo service can tell (after a trigger the actual order's own
answers and `ORDER_TRADE_UPDATE`s say how it fills and ends); CANCELED and EXPIRED end
it; REJECTED (the matching engine refused the actual order at the trigger, e.g. reduce-only
or margin) ends it without a fill, read as EXPIRED: the order was accepted and then ended,
which the order state table spells EXPIRED. Field names: docs/venue-decisions.md.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from execution.exchange.parsing import MalformedResponseError, parse_order, parse_order_update
from execution.models import Order, OrderUpdate

ALGO_TYPE = "CONDITIONAL"
# the order endpoint's parameter -> the algo endpoint's name for it
_RENAMED = {
    "stopPrice": "triggerPrice",
    "activationPrice": "activatePrice",
    "newClientOrderId": "clientAlgoId",
}
# algo status -> the order status it stands for (see the module docstring)
ORDER_STATUS = {
    "NEW": "NEW", "TRIGGERING": "NEW", "TRIGGERED": "NEW", "FINISHED": "NEW",
    "CANCELED": "CANCELED", "EXPIRED": "EXPIRED", "REJECTED": "EXPIRED",
}
TRIGGERED = frozenset({"TRIGGERED", "FINISHED"})  # the actual order exists


def algo_params(params: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """An order's wire parameters for `POST /fapi/v1/algoOrder`."""
    return [("algoType", ALGO_TYPE)] + [(_RENAMED.get(name, name), value)
                                        for name, value in params]


def _status(data: Mapping[str, Any], key: str) -> str:
    value = data.get(key)
    status = ORDER_STATUS.get(value) if isinstance(value, str) else None
    if status is None:
        raise MalformedResponseError(f"field {key!r} has an unknown value {value!r}")
    return status


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def actual_order_id(data: Any) -> str:
    """The actual order's id in an algo order's REST answer ("" before a trigger)."""
    return _text(data.get("actualOrderId")) if isinstance(data, Mapping) else ""


def algo_status(data: Any) -> str:
    """The algo order's own status in its REST answer."""
    return _text(data.get("algoStatus")) if isinstance(data, Mapping) else ""


def parse_algo_order(data: Any) -> Order:
    """An algo order from `algoOrder`, `openAlgoOrders` or `allAlgoOrders`."""
    if not isinstance(data, Mapping):
        raise MalformedResponseError(f"algo order is not an object: {type(data).__name__}")
    algo_id = _text(data.get("algoId"))
    if not algo_id:
        raise MalformedResponseError("field 'algoId' is missing")
    order = parse_order({
        "symbol": data.get("symbol"),
        "side": data.get("side"),
        "type": data.get("orderType"),
        "origQty": data.get("quantity"),
        "clientOrderId": data.get("clientAlgoId"),
        "orderId": algo_id,
        "price": data.get("price"),
        "stopPrice": data.get("triggerPrice"),
        "status": _status(data, "algoStatus"),
        "timeInForce": data.get("timeInForce"),
        "reduceOnly": data.get("reduceOnly"),
        "closePosition": data.get("closePosition"),
        "positionSide": data.get("positionSide"),
        "workingType": data.get("workingType"),
        "activatePrice": data.get("activatePrice"),
        "priceRate": data.get("callbackRate"),
        "time": data.get("createTime"),
        "updateTime": data.get("updateTime"),
    })
    return dataclasses.replace(order, algo_id=algo_id)


def parse_algo_orders(data: Any) -> list[Order]:
    if not isinstance(data, list):
        raise MalformedResponseError(f"algo orders is not a list: {type(data).__name__}")
    return [parse_algo_order(item) for item in data]


def parse_algo_update(event: Any) -> OrderUpdate | None:
    """An `ALGO_UPDATE` event as the order update it stands for, or None when it changes
    nothing the order's own events do not say (TRIGGERING; FINISHED: the actual order's
    `ORDER_TRADE_UPDATE` says how it ended). TRIGGERED names the actual order's id."""
    if not isinstance(event, Mapping) or not isinstance(event.get("o"), Mapping):
        raise MalformedResponseError("ALGO_UPDATE without its order ('o')")
    o: Mapping[str, Any] = event["o"]
    algo_status_text = _text(o.get("X"))
    if algo_status_text in ("TRIGGERING", "FINISHED"):
        _status(o, "X")
        return None
    status = _status(o, "X")
    algo_id = _text(o.get("aid"))
    actual = _text(o.get("ai"))
    if not algo_id:
        raise MalformedResponseError("field 'aid' is missing")
    if algo_status_text == "TRIGGERED" and not actual:
        raise MalformedResponseError("a TRIGGERED ALGO_UPDATE without the actual order id")
    kind = "TRIGGERED" if algo_status_text == "TRIGGERED" else status
    update = parse_order_update({
        "E": event.get("E"),
        "T": event.get("T"),
        "o": {
            "s": o.get("s"), "c": o.get("caid"), "S": o.get("S"), "o": o.get("o"),
            "f": o.get("f"), "q": o.get("q"), "p": o.get("p"), "sp": o.get("tp"),
            "x": kind, "X": status, "i": actual or algo_id, "z": "0", "R": o.get("R"),
            "cp": o.get("cp"), "ps": o.get("ps"), "wt": o.get("wt"), "T": event.get("T"),
        },
    })
    return dataclasses.replace(update, order=dataclasses.replace(update.order, algo_id=algo_id))
