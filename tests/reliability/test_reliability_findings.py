"""Deterministic reproductions of what the fault soak found (see `bench/soak`).

Each test states the behaviour the module promises; those that do not hold yet are marked
xfail (strict) with the reason, so they turn into failures the day they start passing.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from execution.errors import ExecutionError, RateLimitError
from execution.models import Order, OrderSide, OrderStatus, OrderType, TimeInForce
from execution.orders.managed import ManagedOrder
from execution.orders.manager import OrderManager
from execution.orders.state import OrderCancelRequested
from execution.simulator import RateLimitConfig, SimulatedExchange
from execution.store import OrderStore

D = Decimal
BTC = "BTCUSDT"


def _now_ms() -> int:
    return time.time_ns() // 1_000_000


async def test_unacknowledged_order_with_a_cancel_in_flight_is_settled_at_restart(
    simulator: SimulatedExchange, db: Path, helpers: Any
) -> None:
    # What a crash leaves when `cancel_all_orders` ran while the placement was in flight:
    # the order is stored PENDING_CANCEL, with no exchange id, and never reached the exchange.
    client_order_id = "om-crashed-before-ack"
    async with OrderStore(db) as store:
        managed = ManagedOrder(
            Order(BTC, OrderSide.BUY, OrderType.LIMIT, D("0.01"), client_order_id,
                  price=D("49000"), time_in_force=TimeInForce.GTC),
            submitted_at=_now_ms() - 60_000,
        )
        managed.apply(OrderCancelRequested(client_order_id, _now_ms() - 59_000))
        store.save_order(managed)
    async with helpers.hmac_client(simulator) as exchange:
        manager = OrderManager(exchange, db, poll_interval=0.05, pending_grace=0.1)
        report = await manager.start()
        try:
            await asyncio.sleep(0.5)
            order = manager.get_order(client_order_id)
            assert order is not None
            assert order.status is OrderStatus.REJECTED, (order.status, report.summary())
            assert client_order_id in report.never_placed
        finally:
            await manager.stop()


async def test_manager_positions_agree_with_the_exchange_after_a_restart(
    simulator: SimulatedExchange, db: Path, helpers: Any
) -> None:
    async with helpers.hmac_client(simulator) as exchange:
        first = OrderManager(exchange, db, poll_interval=0.1)
        await first.start()
        await first.place_market_order(BTC, OrderSide.BUY, D("0.01"))
        await helpers.wait_for(lambda: BTC in first.positions)
        await first.stop()

        second = OrderManager(exchange, db, poll_interval=0.1)
        await second.start()
        try:
            held = {p.symbol: p.quantity for p in await exchange.get_positions()}
            assert held == {BTC: D("0.01")}
            assert {s: p.quantity for s, p in second.positions.items()} == held
        finally:
            await second.stop()


async def _burn_weight(sim: SimulatedExchange, weight: int) -> None:
    """Use `weight` of this address's request weight with public requests (40 each)."""
    async with aiohttp.ClientSession() as session:
        for _ in range(weight // 40 + 1):
            async with session.get(f"{sim.rest_url}/fapi/v1/ticker/24hr") as response:
                assert response.status == 200
                await response.read()


async def test_a_new_client_connects_when_the_address_used_half_its_weight(
    simulator_factory: Any, helpers: Any
) -> None:
    sim = await simulator_factory(rate_limits=RateLimitConfig(weight_per_minute=2400))
    seconds_left = 60 - time.time() % 60
    if seconds_left < 8:  # stay inside one minute window of the exchange
        await asyncio.sleep(seconds_left + 0.1)
    await _burn_weight(sim, 1300)  # e.g. the previous run of the same process
    exchange = helpers.hmac_client(sim, timeout=2.0)
    try:
        await asyncio.wait_for(exchange.connect(), 5.0)
    except RateLimitError as exc:
        pytest.fail(f"refused locally though the exchange allows it: {exc}")
    finally:
        await exchange.close()


async def test_an_executed_order_is_not_rejected_when_its_lookup_is_rate_limited(
    roomy_simulator: SimulatedExchange, db: Path, helpers: Any
) -> None:
    sim = roomy_simulator
    async with helpers.hmac_client(sim, backoff_base=0.001) as exchange:
        manager = OrderManager(exchange, db, poll_interval=0.1, pending_grace=0.2)
        await manager.start()
        # The stream is down (as during a WebSocket gap): no NEW event comes to the rescue.
        await exchange.stop_user_stream()
        try:
            sim.faults.fail_requests(1, status=503, code=-1007, execute=True, path="order",
                                     method="POST")
            sim.faults.fail_requests(4, status=429, code=-1003, path="order", method="GET")
            client_order_id = "executed-then-rate-limited"
            with contextlib.suppress(ExecutionError):
                await manager.place_limit_order(BTC, OrderSide.BUY, D("0.01"), D("40000"),
                                                client_order_id=client_order_id)
            assert sim.orders_created(client_order_id) == 1  # it is live on the exchange
            await asyncio.sleep(1.5)  # the rate limit is over; polling had its chance
            managed = manager.get_order(client_order_id)
            assert managed is not None
            assert managed.status is OrderStatus.NEW, managed.status
        finally:
            await manager.stop()
