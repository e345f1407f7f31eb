"""Pre-trade checks that depend on the account or the market: position mode, how much an
order may close, whether a conditional would trigger at once, whether a limit would take."""

from __future__ import annotations

from decimal import Decimal

from execution.simulator.api import ApiError
from execution.simulator.engine import rejections as r
from execution.simulator.engine.accounts import Account
from execution.simulator.engine.market import Market, would_trigger
from execution.simulator.engine.order_params import OrderRequest
from execution.simulator.engine.orders import (
    ZERO,
    Order,
    OrderType,
    PositionSide,
    Side,
    TimeInForce,
)


def position_side(account: Account, request: OrderRequest) -> PositionSide:
    """The position side the order goes to, checked against the account's mode (-4061)."""
    sent = request.position_side
    if account.dual_side:
        if sent is None or sent is PositionSide.BOTH:
            raise r.error(r.POSITION_SIDE_MISMATCH)
        if request.reduce_only_sent and request.reduce_only:
            raise r.not_required("reduceOnly")
        if request.close_position and (sent is PositionSide.LONG) == (request.side is Side.BUY):
            raise r.invalid_param("closePosition")  # the docs: it would open the leg
        return sent
    if sent is not None and sent is not PositionSide.BOTH:
        raise r.error(r.POSITION_SIDE_MISMATCH)
    return PositionSide.BOTH


def closing(
    account: Account, symbol: str, side: Side, position_side: PositionSide
) -> Decimal | None:
    """How much an order on `side` can close, or None when it opens (hedge mode) or
    would add to the position (one-way mode)."""
    if position_side is PositionSide.LONG:
        return account.position(symbol, position_side).amount if side is Side.SELL else None
    if position_side is PositionSide.SHORT:
        return -account.position(symbol, position_side).amount if side is Side.BUY else None
    amount = account.position(symbol, PositionSide.BOTH).amount
    if side is Side.SELL and amount > 0:
        return amount
    if side is Side.BUY and amount < 0:
        return -amount
    return ZERO


def order_price(market: Market, request: OrderRequest) -> Decimal:
    if request.type in (OrderType.LIMIT, OrderType.STOP, OrderType.TAKE_PROFIT):
        return request.price
    if request.type in (OrderType.STOP_MARKET, OrderType.TAKE_PROFIT_MARKET):
        return request.stop_price
    return market.feed.last_price


def check_trigger(market: Market, order: Order) -> None:
    price = market.reference_price(order.working_type)
    if order.orig_type is OrderType.TRAILING_STOP_MARKET:
        activation = order.activation_price
        if activation is not None and (
            (order.side is Side.SELL and activation <= price)
            or (order.side is Side.BUY and activation >= price)
        ):
            raise r.error(r.WOULD_TRIGGER)
        return
    if would_trigger(order, price):
        raise r.error(r.WOULD_TRIGGER)


def check_taking(market: Market, order: Order) -> None:
    if order.type is not OrderType.LIMIT:
        return
    bid, ask = market.book.best_prices()
    takes = order.price >= ask if order.side is Side.BUY else order.price <= bid
    if order.time_in_force is TimeInForce.GTX and takes:
        raise r.error(r.POST_ONLY_WOULD_TAKE)
    if order.time_in_force is TimeInForce.FOK:
        depth = market.book.available(order.side, order.price)
        if depth < order.quantity:
            raise ApiError(
                -5021,
                "Due to the order could not be filled immediately, "
                "the FOK order has been rejected.",
            )
