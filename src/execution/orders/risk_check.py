"""The risk engine's view of the account for one order, from what the manager knows.

Positions come from the manager's `positions` (kept by the user stream's account updates
and REST reads; a stop's check reads the liquidation price an account update does not
carry), or from the answer placement just read; the open orders are this
manager's. The mark is the one placement read, else the market stream's (`core.marks`) when
fresh, else one fetched in the last seconds, else one fetched now.
"""

from __future__ import annotations

from decimal import Decimal

from execution.intent import OrderIntent
from execution.models import OrderSide, Position
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
    symbol = intent.symbol
    held = core.positions.get(symbol)
    limits = core.risk.limits
    if (held is not None and held.quantity and not held.liquidation_price
            and limits.refuse_stops_beyond_liquidation and intent.order_type in STOP_TYPES):
        held = await _with_liquidation_price(core, held)
    if position is None:
        position = held.quantity if held is not None else ZERO
    if mark_price is None and limits.needs_mark:  # no request when no check values it
        mark_price = await read_mark(core.exchange, core.marks, symbol, MARK_MAX_AGE)
    pending = ZERO
    open_orders = conditional = 0
    for managed in core.registry.open_orders() if limits.counts_orders else ():
        if managed is replacing:
            continue
        open_orders += 1
        order = managed.order
        conditional += order.order_type in CONDITIONAL_TYPES
        if order.symbol == symbol and not order.reduce_only and order.side is intent.side:
            remaining = order.quantity - order.filled_quantity
            pending += remaining if order.side is OrderSide.BUY else -remaining
    other = sum((p.notional for s, p in core.positions.items() if s != symbol), ZERO)
    context = RiskContext(
        mark_price=mark_price or ZERO,
        position=position,
        pending=pending,
        other_notional=other,
        position_leverage=held.leverage if held is not None and held.quantity else 0,
        liquidation_price=held.liquidation_price if held is not None else ZERO,
        open_orders=open_orders,
        conditional_orders=conditional,
    )
    core.risk.check(intent, context, modify=replacing is not None)


async def _with_liquidation_price(core: ManagerCore, held: Position) -> Position:
    """`held` as the exchange shows it now: a position the user stream brought carries no
    liquidation price (0, unknown), which a stop's check needs."""
    for answer in await core.exchange.get_positions(held.symbol):
        if answer.symbol == held.symbol and answer.position_side is held.position_side:
            return answer
    return held
