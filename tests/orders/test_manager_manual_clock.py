"""The order manager's time is injected: a test moves a `ManualClock` instead of sleeping.

The default 60 s horizon of an unknown outcome, the polling pace and the second looks all
run on the manager's clock, so a minute of the manager's time passes in a moment here."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from execution.errors import OrderStatusUnknownError
from execution.exchange.asterdex import AsterDEXExchange
from execution.models import OrderSide, OrderStatus
from execution.orders.managed import ManagedOrder
from execution.orders.manager import OrderManager
from execution.simulator import SimulatedExchange
from execution.timekeeping import ManualClock

from .conftest import Waiter

SYMBOL = "BTCUSDT"


async def place_unknown(
    manager: OrderManager, simulator: SimulatedExchange, client_order_id: str
) -> ManagedOrder:
    """A limit order whose placement answers 503 "status unknown", not carried out."""
    simulator.faults.fail_requests(count=1, status=503, code=-1007, execute=False,
                                   path="order", method="POST")
    with pytest.raises(OrderStatusUnknownError):
        await manager.place_limit_order(SYMBOL, OrderSide.BUY, Decimal("0.01"),
                                        Decimal("40000"), client_order_id=client_order_id)
    order = manager.get_order(client_order_id)
    assert order is not None
    return order


async def test_an_unknown_outcome_is_settled_at_the_horizon_of_the_managers_clock(
    exchange: AsterDEXExchange, simulator: SimulatedExchange, tmp_path: Path,
    wait_for: Waiter,
) -> None:
    clock = ManualClock()
    async with OrderManager(exchange, tmp_path / "orders.sqlite", clock=clock) as manager:
        assert manager.pending_grace == 60.0  # the default horizon, not shortened
        order = await place_unknown(manager, simulator, "on-my-clock")
        assert order.submitted_at == clock.now_ms()
        for _ in range(59):  # a second at a time: the lookups with back-off run, find nothing
            await clock.advance(1.0)
        assert order.status is OrderStatus.PENDING_NEW  # 59 s of the manager's time
        assert manager.unknown_outcomes() == [order]
        await clock.advance(2.0)
        await wait_for(lambda: order.status is not OrderStatus.PENDING_NEW, 10.0)
        assert order.status is OrderStatus.REJECTED and order.rejected_locally
        assert simulator.orders_created("on-my-clock") == 0


async def test_an_order_executed_after_the_horizon_is_followed_on_a_second_look(
    exchange: AsterDEXExchange, simulator: SimulatedExchange, tmp_path: Path,
    wait_for: Waiter,
) -> None:
    clock = ManualClock()
    async with OrderManager(exchange, tmp_path / "orders.sqlite", clock=clock,
                            pending_grace=5.0) as manager:
        order = await place_unknown(manager, simulator, "comes-late")
        for _ in range(7):
            await clock.advance(1.0)
        await wait_for(lambda: order.rejected_locally, 10.0)
        # The exchange shows it after all (a request it still held): stream events are
        # not what brings it back here, the second look a horizon later is.
        await exchange.stop_user_stream()
        created = await exchange.create_order(SYMBOL, OrderSide.BUY, "LIMIT", Decimal("0.01"),
                                              price=Decimal("40000"),
                                              client_order_id="comes-late")
        assert created.order_id
        for _ in range(12):
            await clock.advance(1.0)
        await wait_for(lambda: order.status is OrderStatus.NEW, 10.0)
