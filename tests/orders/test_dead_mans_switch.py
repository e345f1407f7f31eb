"""The dead man's switch against the simulator: armed on every traded symbol, renewed by
the manager's heartbeat, disarmed on a clean stop; when the process goes quiet for longer
than the countdown the exchange cancels the symbol's orders (its stop too), and the
manager, back, says so and re-arms the position's protection."""

from __future__ import annotations

import asyncio
from decimal import Decimal as D
from pathlib import Path

import pytest

from execution.errors import ValidationError
from execution.exchange.asterdex import AsterDEXExchange
from execution.models import OrderSide, OrderStatus, OrderType
from execution.orders.deadman import DeadmanConfig
from execution.orders.manager import OrderManager
from execution.orders.protection import REARM_TAG, ProtectionConfig
from execution.simulator import SimulatedExchange
from execution.timekeeping import ManualClock

from .conftest import Waiter

BTC = "BTCUSDT"


async def test_a_quiet_process_is_cancelled_by_the_exchange_and_rearms_when_back(
    exchange: AsterDEXExchange, simulator: SimulatedExchange, tmp_path: Path,
    wait_for: Waiter,
) -> None:
    simulator.set_price(BTC, D("50000"))
    clock = ManualClock()
    switch = DeadmanConfig(countdown=2.0, heartbeat=1.0, on_fired="rearm")
    async with OrderManager(exchange, tmp_path / "orders.sqlite", clock=clock, deadman=switch,
                            protection=ProtectionConfig(interval=None)) as manager:
        deadman = manager._session.deadman
        assert deadman is not None
        await manager.place_market_order(BTC, OrderSide.BUY, D("0.01"))
        stop = await manager.place_stop_loss_order(BTC, OrderSide.SELL, D("0.01"), D("45000"))
        await manager.refresh_positions()
        await clock.advance(1.0)
        await wait_for(lambda: deadman.armed == [BTC])
        assert simulator.engine.countdowns.deadlines  # armed on the exchange
        # The process goes quiet (no heartbeat) for longer than the countdown.
        await asyncio.sleep(2.5)
        simulator.set_price(BTC, D("50010"))  # the exchange checks its countdowns
        await wait_for(lambda: stop.status is OrderStatus.CANCELED, 10.0)
        # The manager was stuck meanwhile: 3 s of its time passed with nothing running.
        clock.hang(3.0)
        await clock.advance(0.0)
        await wait_for(lambda: deadman.fired == [BTC], 10.0)
        live = await exchange.get_open_orders(BTC)
        await wait_for(lambda: manager.last_protection is not None, 10.0)
        rearmed = [m for m in manager.open_orders(BTC) if REARM_TAG in m.tags]
        assert rearmed and rearmed[0].order.order_type is OrderType.STOP_LOSS, live
    # A clean stop disarms: the orders left working are not cancelled behind our back.
    assert not simulator.engine.countdowns.deadlines


def test_a_heartbeat_must_leave_room_within_the_countdown() -> None:
    with pytest.raises(ValidationError, match="half the countdown"):
        DeadmanConfig(countdown=10, heartbeat=6)
    with pytest.raises(ValidationError):
        DeadmanConfig(on_fired="explode")
    with pytest.raises(ValidationError):
        DeadmanConfig(countdown=float("nan"))
