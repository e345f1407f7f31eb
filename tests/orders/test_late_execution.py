"""A placement answered "status unknown" whose order the exchange carries out seconds later
(503 / -1007): one order on the exchange, the manager's record matching it, and a bracket
entry that fills late still gets its exits. Both auth schemes (v3 proves with a noop, v1
never sends again)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from execution.errors import OrderNotFoundError, OrderStatusUnknownError
from execution.exchange.asterdex import AsterDEXExchange
from execution.models import OrderSide, OrderStatus
from execution.orders.managed import ManagedOrder
from execution.orders.manager import OrderManager
from execution.simulator import SimulatedExchange
from execution.simulator.testing import credentials_for

SYMBOL = "BTCUSDT"
QUANTITY = Decimal("0.01")


@pytest.fixture(params=["hmac", "eip712"])
def auth(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest_asyncio.fixture
async def late_manager(
    simulator: SimulatedExchange, auth: str, tmp_path: Path
) -> AsyncIterator[OrderManager]:
    client = AsterDEXExchange(credentials_for(simulator, auth), rest_urls=simulator.rest_urls,
                              ws_url=simulator.ws_url, dotenv_path=None, timeout=5.0)
    async with client:
        manager = OrderManager(client, tmp_path / "orders.sqlite", poll_interval=0.1,
                               pending_grace=20.0)
        async with manager:
            yield manager


def fail_next_placement(sim: SimulatedExchange, delay_ms: int) -> float:
    sim.faults.fail_requests(count=1, status=503, code=-1007, execute=True,
                             execute_after_ms=delay_ms, path="order", method="POST")
    return time.monotonic() + delay_ms / 1000


async def net_position(exchange: AsterDEXExchange) -> Decimal:
    return sum((p.quantity for p in await exchange.get_positions(SYMBOL)), Decimal(0))


@pytest.mark.parametrize("delay_ms", [600, 3000, 9000])
async def test_a_market_order_executed_late_is_one_order_and_recorded_as_filled(
    late_manager: OrderManager, simulator: SimulatedExchange, wait_for: Any, delay_ms: int
) -> None:
    told: list[ManagedOrder] = []
    late_manager.on("order_outcome_unknown", told.append)
    comes_out = fail_next_placement(simulator, delay_ms)
    client_id = f"late-{delay_ms}"
    try:
        order = await late_manager.place_market_order(SYMBOL, OrderSide.BUY, QUANTITY,
                                                      client_order_id=client_id)
    except OrderStatusUnknownError:
        order = late_manager.get_order(client_id)
        assert order is not None and order in late_manager.unknown_outcomes()
        assert told == [order]
    await asyncio.sleep(max(0.0, comes_out - time.monotonic()) + 0.5)
    await wait_for(lambda: order.status is OrderStatus.FILLED, seconds=20)
    assert order.filled_quantity == QUANTITY
    assert simulator.orders_created(client_id) == 1
    assert await net_position(late_manager.exchange) == QUANTITY
    assert late_manager.unknown_outcomes() == []


@pytest.mark.parametrize("delay_ms", [1500, 6000])
async def test_a_bracket_entry_executed_late_gets_its_exits(
    late_manager: OrderManager, simulator: SimulatedExchange, wait_for: Any, delay_ms: int
) -> None:
    mark = await late_manager.exchange.fetch_mark_price(SYMBOL)
    comes_out = fail_next_placement(simulator, delay_ms)
    try:
        bracket = await late_manager.place_bracket_order(
            SYMBOL, OrderSide.BUY, QUANTITY, stop_loss_price=mark * Decimal("0.9"),
            take_profit_price=mark * Decimal("1.1"), client_order_id=f"late-entry-{delay_ms}",
        )
        entry_id = bracket.entry.client_order_id
    except OrderStatusUnknownError:
        entry_id = f"late-entry-{delay_ms}"
    await asyncio.sleep(max(0.0, comes_out - time.monotonic()) + 0.5)

    async def exits_on_exchange() -> int:
        opened = await late_manager.exchange.get_open_orders(SYMBOL)
        return sum(1 for o in opened if o.reduce_only)

    for _ in range(100):  # up to ~20 s on a loaded machine
        if await exits_on_exchange() >= 2:
            break
        await asyncio.sleep(0.2)
    assert await exits_on_exchange() == 2
    assert simulator.orders_created(entry_id) == 1
    assert await net_position(late_manager.exchange) == QUANTITY


@pytest.mark.parametrize("auth", ["hmac"])
async def test_a_cancel_asked_before_a_late_order_turns_up_is_sent_when_it_does(
    late_manager: OrderManager, simulator: SimulatedExchange, wait_for: Any
) -> None:
    """v1, no proof: the order is unknown; a cancel then answers "does not exist". The order
    stays an unknown outcome (not working, not settled as absent), and when the queued copy
    comes out the cancel is sent."""
    mark = await late_manager.exchange.fetch_mark_price(SYMBOL)
    comes_out = fail_next_placement(simulator, 2000)
    with pytest.raises(OrderStatusUnknownError):
        await late_manager.place_limit_order(SYMBOL, OrderSide.BUY, QUANTITY,
                                             (mark * Decimal("0.9")).quantize(Decimal("0.1")),
                                             client_order_id="late-cancelled")
    order = late_manager.get_order("late-cancelled")
    assert order is not None
    with pytest.raises(OrderNotFoundError):
        await late_manager.cancel_order("late-cancelled")
    assert order.status is OrderStatus.PENDING_NEW
    await asyncio.sleep(max(0.0, comes_out - time.monotonic()))
    await wait_for(lambda: order.status is OrderStatus.CANCELED, 20)
    assert await late_manager.exchange.get_open_orders(SYMBOL) == []
    assert simulator.orders_created("late-cancelled") == 1


async def test_an_order_carried_out_after_the_horizon_is_found_by_a_second_look(
    simulator: SimulatedExchange, tmp_path: Path, wait_for: Any
) -> None:
    """A horizon shorter than the exchange's delay: the order is taken as never placed,
    then carried out while no stream would tell. A second look a horizon later finds it
    and the manager follows the exchange."""
    client = AsterDEXExchange(credentials_for(simulator, "hmac"), rest_urls=simulator.rest_urls,
                              ws_url=simulator.ws_url, dotenv_path=None, timeout=5.0)
    async with client, OrderManager(client, tmp_path / "orders.sqlite", poll_interval=0.1,
                                    pending_grace=1.0) as manager:
        fail_next_placement(simulator, 3500)  # after the first second look, before the next
        with pytest.raises(OrderStatusUnknownError):
            await manager.place_market_order(SYMBOL, OrderSide.BUY, QUANTITY,
                                             client_order_id="after-horizon")
        order = manager.get_order("after-horizon")
        assert order is not None
        await wait_for(lambda: order.status is OrderStatus.REJECTED, 20)  # horizon over
        await client.stop_user_stream()  # nothing will tell of the fill
        assert simulator.orders_created("after-horizon") == 0
        await wait_for(lambda: order.status is OrderStatus.FILLED, 30)
        assert order.filled_quantity == QUANTITY
        assert simulator.orders_created("after-horizon") == 1
