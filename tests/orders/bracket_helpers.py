"""Helpers the bracket tests share: a long BTCUSDT bracket with both exits live."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from decimal import Decimal

from execution.models import OrderSide
from execution.orders.bracket import Bracket
from execution.orders.manager import OrderManager

Waiter = Callable[..., Awaitable[None]]


def exits_live(bracket: Bracket) -> bool:
    """Both exits placed and acknowledged by the exchange."""
    return all(x is not None and x.is_open and x.order.order_id
               for x in (bracket.stop_loss, bracket.take_profit))


async def live_bracket(manager: OrderManager, wait_for: Waiter, symbol: str = "BTCUSDT",
                       *, side: OrderSide = OrderSide.BUY, quantity: str = "0.02",
                       stop: str = "48000", take: str = "51000") -> Bracket:
    """A market-entry bracket, returned once its exits are live on the exchange."""
    bracket = await manager.place_bracket_order(
        symbol, side, Decimal(quantity), stop_loss_price=Decimal(stop),
        take_profit_price=Decimal(take))
    await wait_for(lambda: exits_live(bracket), 15.0)
    return bracket
