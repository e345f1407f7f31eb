"""Closing a position: cancel the symbol's orders, then reduce-only market orders until flat.

A position larger than the exchange's largest market order (MARKET_LOT_SIZE maxQty) is
closed in several orders. Each is reduce-only, so an order whose outcome is unknown can
never open a position the other way; the close stops at the first order that did not fill
(rejected, expired, or still unknown) and returns what it sent, so the caller sees why.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from decimal import Decimal

from execution.errors import ValidationError
from execution.intent import OrderIntent
from execution.models import OrderSide, OrderStatus, OrderType, PositionSide
from execution.orders.core import ManagerCore
from execution.orders.managed import CLOSE_TAG, ManagedOrder
from execution.orders.placement import OrderPlacer


async def close_position(
    core: ManagerCore,
    placer: OrderPlacer,
    symbol: str,
    *,
    cancel_all: Callable[[str], Awaitable[object]] | None,
    strategy_name: str | None = None,
    tags: Iterable[str] = (),
) -> list[ManagedOrder]:
    """Flatten `symbol` (one-way mode): `cancel_all(symbol)` first unless it is None, then
    reduce-only market orders; returns the closing orders ([] when already flat)."""
    if cancel_all is not None:
        await cancel_all(symbol)
    exchange = core.exchange
    positions = [p for p in await exchange.get_positions(symbol) if p.quantity]
    if any(p.position_side is not PositionSide.BOTH for p in positions):
        raise ValidationError(
            "symbol", symbol, "holds hedge-mode positions: close them by position side"
        )
    held = sum((p.quantity for p in positions), Decimal(0))
    if not held:
        return []
    rules = await exchange.get_symbol_rules(symbol)
    largest = rules.market_max_qty or rules.max_qty
    side = OrderSide.SELL if held > 0 else OrderSide.BUY
    remaining = abs(held)
    closing: list[ManagedOrder] = []
    while remaining > 0:
        quantity = min(remaining, largest) if largest else remaining
        intent = await placer.validate(
            OrderIntent(symbol, side, OrderType.MARKET, quantity, reduce_only=True),
            protective=True,  # only reduces: never held up by the risk layer
        )
        managed = await placer.submit(
            intent, strategy_name=strategy_name, tags=(CLOSE_TAG, *tags)
        )
        closing.append(managed)
        if managed.status is not OrderStatus.FILLED:
            break
        remaining -= managed.filled_quantity
    return closing
