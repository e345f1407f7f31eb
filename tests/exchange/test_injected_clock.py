"""The client's deliberate waits run on its injected clock: a `ManualClock` drives the
unknown-outcome settler's back-off and the pause after a 429's Retry-After, against the
simulator over loopback, without the test sleeping through them. (The network's own
waits stay real: the test polls for what the client sent.)"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

from execution.errors import OrderStatusUnknownError
from execution.exchange.rate_limit import Budget
from execution.models import OrderSide, OrderType
from execution.simulator import SimulatedExchange
from execution.simulator.ratelimit import RateLimitConfig
from execution.timekeeping import ManualClock

SYMBOL = "BTCUSDT"
STEP = 0.02  # seconds the clock moves at a time
POLL_LIMIT = 30.0  # seconds of real time for the loopback I/O between two waits


async def until(condition: Callable[[], bool], limit: float = POLL_LIMIT) -> None:
    """Poll `condition` (real time: loopback requests take what they take)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + limit
    while not condition():
        if loop.time() > deadline:
            raise AssertionError("condition not reached")
        await asyncio.sleep(0.01)


async def resting(clock: ManualClock) -> int:
    """How many tasks wait on `clock` when nothing is asked of the client: the periodic
    clock sync, once it has started."""
    await until(lambda: clock.sleepers >= 1)
    return clock.sleepers


async def clock_time_to_next_lookup(
    clock: ManualClock, sim: SimulatedExchange, idle: int, number: int
) -> float:
    """Move the clock on in small steps until lookup `number` is sent; the clock time that
    took. Between steps, either the client still waits on the clock (not yet) or the
    lookup arrives (real time: the request's own I/O)."""
    start = clock.monotonic()
    while True:
        await clock.advance(STEP)
        await until(lambda: lookups(sim) >= number or clock.sleepers > idle)
        if lookups(sim) >= number:
            assert lookups(sim) == number
            return clock.monotonic() - start
        assert clock.monotonic() - start < 10, "no lookup within 10 s of the clock"


def lookups(sim: SimulatedExchange) -> int:
    return sum(1 for r in sim.request_log if r.method == "GET" and r.path.endswith("/order"))


def new_orders(sim: SimulatedExchange) -> int:
    return sum(1 for r in sim.request_log if r.method == "POST" and r.path.endswith("/order"))


async def test_the_settlers_back_off_schedule_runs_on_the_clients_clock(
    simulator: SimulatedExchange, make_client: Any
) -> None:
    """v1, a 503 not carried out: no proof, so 4 lookups, each after its back-off (0.5-1,
    1-2, 1-2, 1-2 s at base 1 s). None is sent before the clock reaches its earliest
    moment; each is sent once it passes its latest; the order is never sent again."""
    clock = ManualClock()
    async with make_client(simulator, "hmac", clock=clock, max_retries=3,
                           backoff_base=1.0) as client:
        idle = await resting(clock)
        simulator.faults.fail_requests(count=1, status=503, code=-1007, execute=False,
                                       path="order", method="POST")
        placing = asyncio.create_task(client.create_order(
            SYMBOL, OrderSide.BUY, OrderType.MARKET, Decimal("0.001"),
            client_order_id="clock-settle",
        ))
        for number, (earliest, latest) in enumerate([(0.5, 1.0), (1.0, 2.0), (1.0, 2.0),
                                                     (1.0, 2.0)], start=1):
            await until(lambda: clock.sleepers > idle)  # waiting before lookup `number`
            waited = await clock_time_to_next_lookup(clock, simulator, idle, number)
            assert earliest - STEP <= waited <= latest + STEP
        await until(placing.done)
        with pytest.raises(OrderStatusUnknownError, match="not sent again"):
            placing.result()
    assert new_orders(simulator) == 1
    assert simulator.orders_created("clock-settle") == 0


async def test_a_429s_retry_after_pauses_on_the_clients_clock(
    make_client: Any, simulator_factory: Any
) -> None:
    """The exchange's 429 says Retry-After: R. The client sends nothing until its clock
    has moved R on (the exchange bans a client that comes back early), then retries
    once; the exchange's clock is moved on by as much (its skew), so no ban follows."""
    sim: SimulatedExchange = await simulator_factory(
        rate_limits=RateLimitConfig(weight_per_minute=40, minute_ms=60_000, ban_seconds=60)
    )
    clock = ManualClock()
    async with make_client(sim, "hmac", clock=clock, timeout=30.0) as client:
        idle = await resting(clock)
        # the IP's budget is shared with others: the exchange says 429 before we would stop
        client.rate_limiter.set_budgets([Budget("REQUEST_WEIGHT", 60, 100_000)])
        for _ in range(200):
            asking = asyncio.create_task(client.server_time())
            await until(lambda task=asking: task.done() or clock.sleepers > idle)  # type: ignore[misc]
            if not asking.done():
                break
            asking.result()
        else:
            pytest.fail("the simulator never answered 429")
        assert [r.status for r in sim.request_log][-1] == 429
        pause = client.rate_limiter.paused_until - clock.monotonic()
        assert 1 <= pause <= 60
        sent = len(sim.request_log)
        await asyncio.sleep(0.2)  # real time passes: the client still holds back
        await clock.advance(pause - 0.5)
        await asyncio.sleep(0.05)
        assert len(sim.request_log) == sent and not asking.done()
        sim.faults.clock_skew_ms += 61_000  # the exchange's window and pause are over too
        await clock.advance(1.0)
        await until(asking.done)
        assert isinstance(asking.result(), int)
    statuses = [record.status for record in sim.request_log]
    assert statuses[sent:] == [200] and 418 not in statuses
