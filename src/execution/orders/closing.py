"""Closing a position: cancel the symbol's orders, then reduce-only market orders until flat.

A position larger than the exchange's largest market order (MARKET_LOT_SIZE maxQty) is
closed in several orders. Each is reduce-only, so an order whose outcome is unknown can
never open a position the other way; the close stops at the first order that did not fill
(rejected, expired, or still unknown) and returns what it sent, so the caller sees why.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import TYPE_CHECKING

from execution.errors import ValidationError
from execution.models import OrderSide, OrderStatus, PositionSide
from execution.orders.managed import ManagedOrder

if TYPE_CHECKING:
    from execution.orders.manager import OrderManager

CLOSE_TAG = "close_position"


async def close_position(
    manager: OrderManager,
    symbol: str,
    *,
    cancel_orders: bool = True,
    strategy_name: str | None = None,
    tags: Iterable[str] = (),
) -> list[ManagedOrder]:
    """Flatten `symbol` (one-way mode); returns the closing orders ([] when already flat)."""
    if cancel_orders:
        await manager.cancel_all_orders(symbol)
    exchange = manager.exchange
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
        managed = await manager.place_market_order(
            symbol, side, quantity, reduce_only=True, strategy_name=strategy_name,
            tags=(CLOSE_TAG, *tags),
        )
        closing.append(managed)
        if managed.status is not OrderStatus.FILLED:
            break
        remaining -= managed.filled_quantity
    return closing
