"""Chase orders (v3 "Place Chase Order"): a post-only LIMIT order pegged to the best bid
(BUY: `bid1 − chaseOffset`) or ask (SELL: `ask1 + chaseOffset`), moved as the book moves.

The venue's strategy service re-pegs every second; the simulator re-pegs whenever a request
or a price move is over (its book only changes then). The chase ends when its order fills
or is cancelled (`DELETE order`), and is cancelled by the simulator when the peg price has
moved more than `maxChaseOffset` from the first one (reason OFFSET_CANCELLED).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal
from itertools import count
from typing import Any

from execution.simulator.api import ApiError
from execution.simulator.engine import book
from execution.simulator.engine import params as p
from execution.simulator.engine import rejections as r
from execution.simulator.engine.accounts import Account
from execution.simulator.engine.config import SymbolSpec
from execution.simulator.engine.order_params import parse_order
from execution.simulator.engine.orders import Order, Side, Status
from execution.simulator.engine.strategy_legs import CLIENT_STRATEGY_ID
from execution.simulator.engine.trading import TradingCore
from execution.simulator.engine.wire import fmt

OFFSET_TYPES = frozenset({"ABSOLUTE", "PERCENTAGE"})
QUANTITY_UNITS = frozenset({"BASE", "QUOTE"})
UNSUPPORTED = (-1020, "This operation is not supported.")
_HUNDRED = Decimal(100)
_TWO_PLACES = Decimal("0.01")


@dataclass(slots=True, eq=False)
class Chase:
    strategy_id: int
    client_strategy_id: str
    order: Order
    quantity_text: str
    quantity_unit: str
    offset: Decimal
    max_offset: Decimal | None
    max_offset_type: str
    origin: Decimal  # the first peg price
    book_time: int
    update_time: int
    status: str = "NEW"
    reason: str = ""


class ChaseDesk:
    """Every account's chase orders; re-pegs them after each request or price move."""

    def __init__(self, core: TradingCore) -> None:
        self.core = core
        self._ids = count(core.config.id_base())
        self.active: dict[int, Chase] = {}
        self.done: list[Chase] = []
        core.after_hooks.append(self._repeg)
        self.handlers = {("POST", "chase"): self.place}

    def place(self, account: Account, params: p.Params) -> Any:
        specs = self.core.specs
        symbol = p.known_symbol(params, specs)
        spec = specs[symbol]
        side_text = p.required(params, "side")
        if side_text not in ("BUY", "SELL"):
            raise ApiError(*r.INVALID_SIDE)
        side = Side(side_text)
        unit = p.required(params, "quantityUnit")
        if unit not in QUANTITY_UNITS:
            raise r.invalid_param("quantityUnit")
        amount = p.required_decimal(params, "quantity")
        reduce_only = p.boolean(params, "reduceOnly")
        offset = p.decimal(params, "chaseOffset") or Decimal(0)
        if offset < 0 or offset % spec.tick_size:
            raise r.invalid_param("chaseOffset")
        offset_type = p.text(params, "chaseOffsetType") or "ABSOLUTE"
        if offset_type not in OFFSET_TYPES:
            raise r.invalid_param("chaseOffsetType")
        if offset_type == "PERCENTAGE":
            raise ApiError(*UNSUPPORTED)  # "not yet implemented for chaseOffset"
        max_offset, max_type = _max_offset(params, spec)
        client_id = p.text(params, "clientStrategyId")
        if client_id is not None and not CLIENT_STRATEGY_ID.match(client_id):
            raise r.invalid_param("clientStrategyId")
        tif = p.text(params, "timeInForce") or "GTX"
        if tif in ("IOC", "FOK"):
            raise r.invalid_param("timeInForce")
        mark = self.core.marks[symbol]
        quantity = _base_quantity(spec, unit, amount, mark, reduce_only)
        price = self._peg(spec, side, offset)
        order_params = {"symbol": symbol, "side": side.value, "type": "LIMIT",
                        "timeInForce": tif, "quantity": fmt(quantity), "price": fmt(price),
                        "reduceOnly": "true" if reduce_only else "false"}
        position_side = p.text(params, "positionSide")
        if position_side is not None:
            order_params["positionSide"] = position_side
        answer = self.core.place(account.account_id, parse_order(order_params, specs))
        order = account.orders_by_id[answer["orderId"]]
        now = self.core.now()
        chase = Chase(next(self._ids), client_id or self.core._new_client_order_id()[:28],
                      order, fmt(amount), unit, offset, max_offset, max_type, price, now, now)
        self.active[chase.strategy_id] = chase
        return _render(chase, offset_type)

    def _peg(self, spec: SymbolSpec, side: Side, offset: Decimal) -> Decimal:
        bid, ask = book.best_prices(spec, self.core.markets[spec.symbol].feed.last_price)
        return max(bid - offset, spec.tick_size) if side is Side.BUY else ask + offset

    def _repeg(self) -> bool:
        """Follow the book; end the chases whose order is done or moved too far."""
        did = False
        for strategy_id, chase in list(self.active.items()):
            order = chase.order
            account = self.core.account(order.account_id)
            if not order.is_open:
                chase.status = "FILLED" if order.status is Status.FILLED else order.status.value
                self._end(strategy_id, chase)
                continue
            spec = self.core.specs[order.symbol]
            price = self._peg(spec, order.side, chase.offset)
            if _too_far(chase, price):
                chase.status, chase.reason = "CANCELED", "OFFSET_CANCELLED"
                self.core.cancel(account, order)
                self._end(strategy_id, chase)
                did = True
            elif price != order.price:
                try:
                    self.core.modify(account, order, order.side, order.quantity, price)
                except ApiError:
                    chase.status, chase.reason = "CANCELED", "REPEG_FAILED"
                    if order.is_open:
                        self.core.cancel(account, order)
                    self._end(strategy_id, chase)
                chase.update_time = self.core.now()
                did = True
        return did

    def _end(self, strategy_id: int, chase: Chase) -> None:
        chase.update_time = self.core.now()
        del self.active[strategy_id]
        self.done.append(chase)


def _max_offset(params: p.Params, spec: SymbolSpec) -> tuple[Decimal | None, str]:
    value = p.decimal(params, "maxChaseOffset")
    kind = p.text(params, "maxChaseOffsetType") or "ABSOLUTE"
    if value is None:
        return None, "ABSOLUTE"  # "any maxChaseOffsetType sent is ignored"
    if kind not in OFFSET_TYPES:
        raise r.invalid_param("maxChaseOffsetType")
    if value <= 0:
        raise r.invalid_param("maxChaseOffset")
    if kind == "ABSOLUTE" and value % spec.tick_size:
        raise r.invalid_param("maxChaseOffset")
    if kind == "PERCENTAGE" and value != value.quantize(_TWO_PLACES):
        raise r.invalid_param("maxChaseOffset")
    return value, kind


def _base_quantity(
    spec: SymbolSpec, unit: str, amount: Decimal, mark: Decimal, reduce_only: bool
) -> Decimal:
    """The order quantity in the base asset, with the docs' floor checks (entry orders:
    the minimum quantity and notional; reduce-only orders are exempt from the notional)."""
    if amount <= 0:
        raise r.error(r.QTY_NOT_POSITIVE)
    if unit == "QUOTE":
        if not reduce_only and amount < spec.min_notional:
            raise r.min_notional(spec.min_notional)
        quantity = (amount / mark / spec.step_size).to_integral_value(ROUND_DOWN) * spec.step_size
    else:
        quantity = amount
        if not reduce_only and quantity * mark < spec.min_notional:
            raise r.min_notional(spec.min_notional)
    if quantity < spec.min_qty:
        raise r.error(r.QTY_BELOW_MIN)
    return quantity


def _too_far(chase: Chase, price: Decimal) -> bool:
    if chase.max_offset is None:
        return False
    moved = abs(price - chase.origin)
    if chase.max_offset_type == "PERCENTAGE":
        return moved * _HUNDRED > chase.max_offset * chase.origin
    return moved > chase.max_offset


def _render(chase: Chase, offset_type: str) -> dict[str, Any]:
    order = chase.order
    return {
        "strategyId": chase.strategy_id,
        "clientStrategyId": chase.client_strategy_id,
        "symbol": order.symbol,
        "side": order.side.value,
        "positionSide": order.position_side.value,
        "quantity": chase.quantity_text,
        "quantityUnit": chase.quantity_unit,
        "reduceOnly": order.reduce_only,
        "chaseOffset": fmt(chase.offset),
        "chaseOffsetType": offset_type,
        "maxChaseOffset": fmt(chase.max_offset) if chase.max_offset is not None else None,
        "maxChaseOffsetType": chase.max_offset_type,
        "timeInForce": order.time_in_force.value,
        "strategyStatus": chase.status,
        "bookTime": chase.book_time,
        "updateTime": chase.update_time,
    }
