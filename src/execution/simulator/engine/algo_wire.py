"""Binance's algo orders in the exchange's JSON: the REST shape and the `ALGO_UPDATE` event.

Field names follow Binance's USDⓈ-M documentation ("Query Algo Order" response, "Event:
Algo Order Update"); see docs/venue-decisions.md, "Binance algo orders".
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from execution.simulator.engine.accounts import money
from execution.simulator.engine.orders import Order, OrderType
from execution.simulator.engine.wire import fmt

ALGO_TYPE = "CONDITIONAL"


class AlgoStatus(StrEnum):
    """The algo order's own states (the docs' "Algo Status")."""

    NEW = "NEW"  # waiting in the algo service for its trigger
    CANCELED = "CANCELED"
    TRIGGERING = "TRIGGERING"  # triggered, on its way to the matching engine
    TRIGGERED = "TRIGGERED"  # the actual order is in the matching engine
    FINISHED = "FINISHED"  # the actual order filled or ended
    REJECTED = "REJECTED"  # the matching engine refused the actual order
    EXPIRED = "EXPIRED"  # cancelled by the system


@dataclass(slots=True, eq=False)
class AlgoRecord:
    """One algo order: its own id, the engine order that waits for the trigger (and then is
    the actual order), whether the actual order reached the matching engine, and why an
    order the matching engine refused was refused."""

    algo_id: int
    order: Order
    placed: bool = False
    trigger_time: int = 0
    refused: str = ""

    @property
    def waiting(self) -> bool:
        """Open in the algo service: not triggered yet."""
        return self.order.is_open and not self.order.triggered

    @property
    def status(self) -> AlgoStatus:
        order = self.order
        if not order.triggered:
            return AlgoStatus.NEW if order.is_open else (
                AlgoStatus.CANCELED if order.status == "CANCELED" else AlgoStatus.EXPIRED
            )
        if not self.placed:
            return AlgoStatus.REJECTED if self.refused else AlgoStatus.TRIGGERING
        return AlgoStatus.TRIGGERED if order.is_open else AlgoStatus.FINISHED

    @property
    def actual_order_id(self) -> str:
        return str(self.order.order_id) if self.placed else ""


def _actual_type(record: AlgoRecord) -> str:
    order = record.order
    if not record.placed:
        return "0"
    return OrderType.MARKET if order.orig_type.executes_as_market else OrderType.LIMIT


def algo_order(record: AlgoRecord) -> dict[str, Any]:
    """The REST shape (new, query, open and all algo orders)."""
    o = record.order
    placed = record.placed
    body: dict[str, Any] = {
        "algoId": record.algo_id,
        "clientAlgoId": o.client_order_id,
        "algoType": ALGO_TYPE,
        "orderType": o.orig_type,
        "symbol": o.symbol,
        "side": o.side,
        "positionSide": o.position_side,
        "timeInForce": o.time_in_force,
        "quantity": fmt(o.quantity),
        "algoStatus": record.status,
        "actualOrderId": record.actual_order_id,
        "actualPrice": fmt(money(o.avg_price)) if placed else "0",
        "triggerPrice": fmt(o.stop_price),
        "price": fmt(o.price),
        "icebergQuantity": None,
        "selfTradePreventionMode": o.stp_mode or "EXPIRE_MAKER",
        "workingType": o.working_type,
        "priceMatch": "NONE",
        "closePosition": o.close_position,
        "priceProtect": o.price_protect,
        "reduceOnly": o.reduce_only,
        "createTime": o.time,
        "updateTime": o.update_time,
        "triggerTime": record.trigger_time,
        "goodTillDate": 0,
    }
    if o.orig_type is OrderType.TRAILING_STOP_MARKET:
        body["activatePrice"] = fmt(o.activation_price) if o.activation_price else ""
        body["callbackRate"] = fmt(o.callback_rate) if o.callback_rate else ""
    return body


def algo_update(record: AlgoRecord, status: AlgoStatus, now: int) -> dict[str, Any]:
    """The user-data `ALGO_UPDATE` event of one change of an algo order."""
    o = record.order
    placed = record.placed
    data: dict[str, Any] = {
        "caid": o.client_order_id,
        "aid": record.algo_id,
        "at": ALGO_TYPE,
        "o": o.orig_type,
        "s": o.symbol,
        "S": o.side,
        "ps": o.position_side,
        "f": o.time_in_force,
        "q": fmt(o.quantity),
        "X": status,
        "ai": record.actual_order_id,
        "ap": fmt(money(o.avg_price)) if placed else "0",
        "aq": fmt(o.executed_qty) if placed else "0",
        "act": _actual_type(record),
        "tp": fmt(o.stop_price),
        "p": fmt(o.price),
        "V": o.stp_mode or "EXPIRE_MAKER",
        "wt": o.working_type,
        "pm": "NONE",
        "cp": o.close_position,
        "pP": o.price_protect,
        "R": o.reduce_only,
        "tt": record.trigger_time,
        "gtd": 0,
    }
    if record.refused:
        data["rm"] = record.refused
    return {"e": "ALGO_UPDATE", "T": now, "E": now, "o": data}
