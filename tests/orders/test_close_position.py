"""`OrderManager.close_position`: cancel the symbol's orders, then reduce-only market orders
until flat, split at the exchange's largest market quantity (0.005 BTC on this simulator)."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator, Awaitable, Callable
from decimal import Decimal

import pytest_asyncio

from execution.exchange.asterdex import AsterDEXExchange
from execution.models import OrderSide, OrderStatus, OrderType, TimeInForce
from execution.orders.manager import OrderManager
from execution.simulator import SimulatedExchange
from execution.simulator.engine import Engine, EngineConfig
from execution.simulator.engine.config import DEFAULT_SYMBOLS

D = Decimal
BTC = "BTCUSDT"
MARKET_MAX = D("0.005")
Waiter = Callable[..., Awaitable[None]]


@pytest_asyncio.fixture
async def simulator() -> AsyncIterator[SimulatedExchange]:
    symbols = [
        dataclasses.replace(spec, market_max_qty=MARKET_MAX) if spec.symbol == BTC else spec
        for spec in DEFAULT_SYMBOLS
    ]
    async with SimulatedExchange(
        engine=Engine(EngineConfig(seed=7, symbols=symbols))
    ) as sim:
        yield sim


async def _open(manager: OrderManager, side: OrderSide, quantity: Decimal) -> None:
    """Open a position with a marketable limit order (it may exceed the market maximum)."""
    price = D("52000") if side is OrderSide.BUY else D("48000")
    order = await manager.place_limit_order(BTC, side, quantity, price,
                                            time_in_force=TimeInForce.IOC)
    assert order.status is OrderStatus.FILLED


async def _held(exchange: AsterDEXExchange) -> Decimal:
    return sum((p.quantity for p in await exchange.get_positions(BTC)), D(0))


async def test_a_long_is_closed_and_the_symbols_orders_cancelled(
    manager: OrderManager, exchange: AsterDEXExchange
) -> None:
    await _open(manager, OrderSide.BUY, D("0.004"))
    resting = await manager.place_limit_order(BTC, OrderSide.BUY, D("0.002"), D("45000"))
    (closing,) = await manager.close_position(BTC, strategy_name="exit-all")
    assert closing.status is OrderStatus.FILLED and closing.order.reduce_only
    assert closing.order.order_type is OrderType.MARKET and closing.order.side is OrderSide.SELL
    assert closing.filled_quantity == D("0.004")
    assert "close_position" in closing.tags and closing.strategy_name == "exit-all"
    assert resting.status is OrderStatus.CANCELED
    assert await _held(exchange) == 0


async def test_a_position_above_the_market_maximum_is_closed_in_parts(
    manager: OrderManager, exchange: AsterDEXExchange
) -> None:
    await _open(manager, OrderSide.SELL, D("0.012"))
    closing = await manager.close_position("BTC/USDT")
    assert [o.filled_quantity for o in closing] == [D("0.005"), D("0.005"), D("0.002")]
    assert {o.order.side for o in closing} == {OrderSide.BUY}
    assert await _held(exchange) == 0


async def test_a_flat_symbol_sends_nothing_and_keeps_orders_when_asked(
    manager: OrderManager, simulator: SimulatedExchange
) -> None:
    resting = await manager.place_limit_order(BTC, OrderSide.BUY, D("0.002"), D("45000"))
    assert await manager.close_position(BTC, cancel_orders=False) == []
    assert resting.status is OrderStatus.NEW
    assert sum(simulator.engine.ledger.values()) == 1  # only the resting order
