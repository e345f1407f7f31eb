"""Symbols in any common spelling ("BTC/USDT", "BTC/USDT:USDT"), and a manager used
without an explicit `start()`."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from decimal import Decimal
from pathlib import Path

from execution.exchange.asterdex import AsterDEXExchange
from execution.models import OrderSide, OrderStatus
from execution.orders.manager import OrderManager
from execution.orders.validation import OrderGuards
from execution.simulator import SimulatedExchange

D = Decimal
Waiter = Callable[..., Awaitable[None]]


async def test_every_entry_point_takes_ccxt_spellings(
    wait_for: Waiter, manager: OrderManager, exchange: AsterDEXExchange
) -> None:
    limit = await manager.place_limit_order("BTC/USDT", OrderSide.BUY, D("0.01"), D("49000"))
    market = await manager.place_market_order("BTC/USDT:USDT", OrderSide.BUY, D("0.02"))
    stop = await manager.place_stop_loss_order("btc/usdt", OrderSide.SELL, D("0.01"), D("48000"))
    profit = await manager.place_take_profit_order(
        "BTC/USDT:USDT", OrderSide.SELL, D("0.01"), D("52000")
    )
    bracket = await manager.place_bracket_order(
        "ETH/USDT:USDT",
        OrderSide.BUY,
        D("0.1"),
        stop_loss_price=D("2900"),
        take_profit_price=D("3100"),
    )
    for managed in (limit, market, stop, profit):
        assert managed.order.symbol == "BTCUSDT"
    assert market.status is OrderStatus.FILLED
    assert bracket.entry.order.symbol == "ETHUSDT"
    await wait_for(lambda: bracket.stop_loss is not None and bracket.take_profit is not None)
    assert bracket.stop_loss is not None and bracket.stop_loss.order.symbol == "ETHUSDT"
    assert {m.client_order_id for m in manager.open_orders("BTC/USDT")} == {
        limit.client_order_id, stop.client_order_id, profit.client_order_id
    }
    assert manager.open_orders("BTC/USDT") == manager.open_orders("BTCUSDT")
    cancelled = await manager.cancel_all_orders("BTC/USDT:USDT")
    assert len(cancelled) == 3 and manager.open_orders("BTCUSDT") == []
    assert await exchange.get_open_orders("BTCUSDT") == []


async def test_allowed_symbols_guard_takes_any_spelling(
    manager_factory: Callable[..., Awaitable[OrderManager]],
) -> None:
    manager = await manager_factory(guards=OrderGuards(allowed_symbols=frozenset({"BTC/USDT"})))
    placed = await manager.place_limit_order("BTCUSDT", OrderSide.BUY, D("0.01"), D("49000"))
    assert placed.order.symbol == "BTCUSDT"


async def test_manager_starts_itself_on_first_placement(
    wait_for: Waiter, exchange: AsterDEXExchange, simulator: SimulatedExchange, tmp_path: Path
) -> None:
    manager = OrderManager(exchange, tmp_path / "lazy.sqlite", poll_interval=0.1)
    try:
        # Two first placements at once: one start, both orders placed.
        first, second = await asyncio.gather(
            manager.place_limit_order("BTC/USDT", OrderSide.BUY, D("0.01"), D("49000")),
            manager.place_limit_order("BTC/USDT", OrderSide.BUY, D("0.01"), D("48000")),
        )
        assert manager.last_reconciliation is not None
        assert (first.status, second.status) == (OrderStatus.NEW, OrderStatus.NEW)
        # The user stream was started: a fill on the exchange reaches the order.
        simulator.fill_order("BTCUSDT", client_order_id=first.client_order_id)
        await wait_for(lambda: first.status is OrderStatus.FILLED)
    finally:
        await manager.stop()
    assert manager.store is not None
    stored = await manager.store.query_orders(symbol="BTCUSDT")
    assert {m.client_order_id for m in stored} == {first.client_order_id, second.client_order_id}


async def test_integration_example_flow_without_start_or_store(
    exchange: AsterDEXExchange,
) -> None:
    manager = OrderManager(exchange)
    order = await manager.place_market_order(
        symbol="BTC/USDT", side=OrderSide.BUY, quantity=D("0.002"), strategy_name="my_strategy"
    )
    stop = await manager.place_stop_loss_order(
        symbol="BTC/USDT",
        side=OrderSide.SELL,
        quantity=D("0.002"),
        stop_price=48000,
        parent_order_id=order.order.order_id,
    )
    assert order.status is OrderStatus.FILLED and order.order.symbol == "BTCUSDT"
    assert stop.status is OrderStatus.NEW and stop.parent_order_id == order.order.order_id
    await manager.stop()
