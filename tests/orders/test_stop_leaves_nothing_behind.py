"""A manager's stop waits for the catch-up work still running in the background (the REST
pass after the user stream came back, a cancel sent once an order turned up) before it
closes the store: nothing is applied to an order after its store has closed.

Before, `stop()` closed the store while such work was still in flight; what it applied
afterwards changed the manager's orders but never reached the store (the fault soak saw
the store disagree with the exchange, and an order adopted then missing from the store)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from decimal import Decimal
from pathlib import Path

from execution.exchange.asterdex import AsterDEXExchange
from execution.models import OrderSide, OrderStatus
from execution.orders.manager import OrderManager
from execution.simulator import SimulatedExchange
from execution.store import OrderStore

D = Decimal
BTC = "BTCUSDT"
Waiter = Callable[..., Awaitable[None]]


async def test_the_catch_up_after_a_stream_gap_is_in_the_store_when_stop_returns(
    exchange: AsterDEXExchange, simulator: SimulatedExchange, tmp_path: Path,
    wait_for: Waiter,
) -> None:
    manager = OrderManager(exchange, tmp_path / "orders.sqlite", poll_interval=60.0)
    await manager.start()
    resting = await manager.place_limit_order(BTC, OrderSide.BUY, D("0.010"), D("40000"))
    await wait_for(lambda: resting.status is OrderStatus.NEW)
    simulator.faults.drop_websockets()
    await wait_for(lambda: not exchange.user_stream_connected, seconds=10)
    # While the stream is away, the order ends on the exchange (another client cancels it).
    simulator.engine.private(simulator.account.account_id, "DELETE", "order", {
        "symbol": BTC, "origClientOrderId": resting.client_order_id,
    })
    simulator.faults.latency_ms = 400  # the catch-up pass is slow: still running at stop
    await wait_for(lambda: exchange.user_stream_connected, seconds=20)
    await asyncio.sleep(0)
    await manager.stop()
    simulator.faults.latency_ms = 0
    held = resting.status
    async with OrderStore(tmp_path / "orders.sqlite") as store:
        (stored,) = await store.query_orders()
    await asyncio.sleep(1.5)  # nothing more happens to a stopped manager's orders
    assert resting.status is held
    assert stored.status is held
    assert held is OrderStatus.CANCELED
