"""The risk engine's view of the account for one order, from what the manager knows.

Positions come from the manager's `positions` (kept by the user stream's account updates
and REST reads; a stop's check reads the liquidation price an account update does not
carry), or from the answer placement just read; the open orders are this manager's. The
mark is the one placement read, else the market stream's (`core.marks`) when fresh, else
one fetched in the last seconds, else one fetched now.

Hedge mode: the order's `position` is its leg's (LONG counted positive, SHORT negative),
its pending orders those of the same leg, and the symbol's exposure is gross: the other
leg's notional, with this manager's orders that open it counted as filled, is added
(`other_leg_notional`), never netted away, since either leg can be closed alone and leave
the other's full size. Every other symbol counts both its legs.
"""

from __future__ import annotations

from decimal import Decimal

from execution.intent import OrderIntent
from execution.models import Order, OrderSide, Position, PositionSide
from execution.orders.core import ManagerCore
from execution.orders.managed import ManagedOrder
from execution.orders.marks import read_mark
from execution.risk.engine import CONDITIONAL_TYPES, STOP_TYPES, RiskContext

ZERO = Decimal(0)
MARK_MAX_AGE = 5.0  # s


async def check_risk(
    core: ManagerCore,
    intent: OrderIntent,
    mark_price: Decimal | None,
    position: Decimal | None,
    replacing: ManagedOrder | None,
) -> None:
    """Run the risk engine on a rounded, valid `intent` (raises `RiskDeniedError`)."""
    symbol, leg = intent.symbol, intent.position_side
    book = core.positions
    held = book.leg(symbol, leg)
    limits = core.risk.limits
    if (held is not None and held.quantity and not held.liquidation_price
            and limits.refuse_stops_beyond_liquidation and intent.order_type in STOP_TYPES):
        held = await _with_liquidation_price(core, held)
    if position is None:
        position = held.quantity if held is not None else ZERO
    if mark_price is None and limits.needs_mark:  # no request when no check values it
        mark_price = await read_mark(core.exchange, core.marks, symbol, MARK_MAX_AGE)
    pending = other_pending = ZERO  # (other_pending: what opens the symbol's other leg)
    open_orders = conditional = 0
    for managed in core.registry.open_orders() if limits.counts_orders else ():
        if managed is replacing:
            continue
        open_orders += 1
        order = managed.order
        conditional += order.order_type in CONDITIONAL_TYPES
        if (order.symbol == symbol and not order.reduce_only and order.side is intent.side
                and order.position_side is leg):
            remaining = order.quantity - order.filled_quantity
            pending += remaining if order.side is OrderSide.BUY else -remaining
        elif order.symbol == symbol and _opens_other_leg(order, leg):
            other_pending += order.quantity - order.filled_quantity
    other = sum((p.notional for p in book.legs() if p.symbol != symbol), ZERO)
    other_leg = sum((p.notional for p in book.legs(symbol) if p.position_side is not leg
                     and leg is not PositionSide.BOTH), ZERO) + other_pending * (mark_price or ZERO)
    context = RiskContext(
        mark_price=mark_price or ZERO,
        position=position,
        pending=pending,
        other_notional=other,
        other_leg_notional=other_leg,
        position_leverage=held.leverage if held is not None and held.quantity else 0,
        liquidation_price=held.liquidation_price if held is not None else ZERO,
        open_orders=open_orders,
        conditional_orders=conditional,
    )
    core.risk.check(intent, context, modify=replacing is not None)


def _opens_other_leg(order: Order, leg: PositionSide) -> bool:
    """Hedge mode: `order` adds to the other leg than `leg` (BUY LONG, SELL SHORT)."""
    opening = {PositionSide.LONG: OrderSide.BUY, PositionSide.SHORT: OrderSide.SELL}
    return (leg is not PositionSide.BOTH and order.position_side not in (leg, PositionSide.BOTH)
            and not order.reduce_only and order.side is opening[order.position_side])


async def _with_liquidation_price(core: ManagerCore, held: Position) -> Position:
    """`held` as the exchange shows it now: a position the user stream brought carries no
    liquidation price (0, unknown), which a stop's check needs."""
    for answer in await core.exchange.get_positions(held.symbol):
        if answer.symbol == held.symbol and answer.position_side is held.position_side:
            return answer
    return held
