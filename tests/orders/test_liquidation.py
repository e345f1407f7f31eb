"""A position liquidated by the exchange: the manager adopts the `autoclose-` order, tags it,
reports it through `position_liquidated`, and expires the orders the exchange expired."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from decimal import ROUND_DOWN, Decimal

import pytest

from execution.errors import ValidationError
from execution.exchange.asterdex import AsterDEXExchange
from execution.models import MarginType, OrderSide, OrderStatus, OrderType
from execution.orders.managed import ManagedOrder
from execution.orders.manager import OrderManager
from execution.simulator import SimulatedExchange

D = Decimal
BTC = "BTCUSDT"
Waiter = Callable[..., Awaitable[None]]


async def test_a_liquidation_is_adopted_tagged_and_reported(
    manager: OrderManager, exchange: AsterDEXExchange, simulator: SimulatedExchange,
    wait_for: Waiter,
) -> None:
    await exchange.set_margin_type(BTC, MarginType.ISOLATED)
    await exchange.set_leverage(BTC, 20)
    liquidated: list[ManagedOrder] = []
    manager.on("position_liquidated", liquidated.append)
    entry = await manager.place_market_order(BTC, OrderSide.BUY, D("0.010"))
    await wait_for(lambda: entry.status is OrderStatus.FILLED)
    resting = await manager.place_limit_order(BTC, OrderSide.BUY, D("0.010"), D("40000"))
    (position,) = [p for p in await exchange.get_positions(BTC) if p.quantity]
    assert D(0) < position.liquidation_price < position.entry_price

    below = (position.liquidation_price * D("0.999")).quantize(D("0.1"), rounding=ROUND_DOWN)
    simulator.set_price(BTC, below)

    await wait_for(lambda: bool(liquidated))
    (liquidation,) = liquidated
    assert liquidation.client_order_id.startswith("autoclose-")
    assert liquidation.tags == ("adopted", "liquidation") and liquidation.adopted
    assert liquidation.order.order_type is OrderType.LIQUIDATION
    assert liquidation.order.side is OrderSide.SELL
    await wait_for(lambda: liquidation.status is OrderStatus.FILLED)
    assert liquidation.filled_quantity == D("0.010")
    await wait_for(lambda: resting.status is OrderStatus.EXPIRED)
    assert [p for p in await exchange.get_positions(BTC) if p.quantity] == []


async def test_liquidation_orders_cannot_be_sent(
    exchange: AsterDEXExchange, simulator: SimulatedExchange
) -> None:
    with pytest.raises(ValidationError) as raised:
        await exchange.create_order(BTC, OrderSide.SELL, OrderType.LIQUIDATION, D("0.010"))
    assert raised.value.field == "order_type"
    assert sum(simulator.engine.ledger.values()) == 0  # nothing sent
