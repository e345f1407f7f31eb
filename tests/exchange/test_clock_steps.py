"""Steps of the local wall clock and of the exchange's clock: signed requests keep working
(v1 timestamps and v3 nonces follow the server-corrected, monotonic-anchored clock)."""

from __future__ import annotations

import asyncio
import time
from decimal import Decimal
from typing import Any

import pytest

from execution.exchange.asterdex import AsterDEXExchange
from execution.exchange.clock import ServerClock
from execution.models import OrderSide, OrderStatus, OrderType
from execution.simulator import SimulatedExchange

D = Decimal
SYMBOL = "BTCUSDT"
STEPS_MS = [30_000, -30_000, 3_600_000, -3_600_000]


def timestamp_rejections(sim: SimulatedExchange, since: int) -> int:
    """Signed requests the simulator refused (400: -1021 / -4225) after log index `since`."""
    return sum(1 for record in list(sim.request_log)[since:] if record.status == 400)


async def signed_round(client: AsterDEXExchange) -> None:
    """A few signed requests: balance, a resting order, its cancel."""
    await client.fetch_balance()
    mark = await client.fetch_mark_price(SYMBOL)
    price = (mark * D("0.9")).quantize(D("0.1"))
    order = await client.create_order(SYMBOL, OrderSide.BUY, OrderType.LIMIT, D("0.002"),
                                      price=price)
    assert order.status is OrderStatus.NEW
    cancelled = await client.cancel_order(order.order_id, SYMBOL)
    assert cancelled.status is OrderStatus.CANCELED


@pytest.mark.parametrize("step_ms", STEPS_MS)
async def test_a_local_wall_clock_step_changes_nothing(
    make_client: Any, simulator: SimulatedExchange, auth: str, step_ms: int
) -> None:
    async with make_client(simulator, auth) as client:
        await signed_round(client)
        start = len(simulator.request_log)
        client.clock.wall_ns = lambda: time.time_ns() + step_ms * 1_000_000
        await signed_round(client)
        await client.sync_clock()  # a resync measured with the stepped wall clock
        await signed_round(client)
        client.clock.wall_ns = time.time_ns  # the step is corrected
        await signed_round(client)
        await client.sync_clock()
        await signed_round(client)
        assert timestamp_rejections(simulator, start) == 0


@pytest.mark.parametrize("step_ms", STEPS_MS)
async def test_a_server_clock_step_is_recovered_within_a_request(
    make_client: Any, simulator: SimulatedExchange, auth: str, step_ms: int
) -> None:
    async with make_client(simulator, auth) as client:
        await signed_round(client)
        start = len(simulator.request_log)
        simulator.faults.clock_skew_ms = step_ms
        await signed_round(client)  # the first refusal re-syncs and re-signs
        await signed_round(client)
        assert timestamp_rejections(simulator, start) <= 1
        middle = len(simulator.request_log)
        simulator.faults.clock_skew_ms = 0  # and back
        await signed_round(client)
        await signed_round(client)
        assert timestamp_rejections(simulator, middle) <= 1


async def test_the_clock_is_anchored_on_the_monotonic_clock() -> None:
    wall = [1_000_000_000_000_000]
    mono = [5_000_000_000]
    clock = ServerClock(wall_ns=lambda: wall[0], monotonic_ns=lambda: mono[0])
    assert clock.now_ms() == 1_000_000_000  # before the first sync: the wall clock

    async def server_time() -> int:
        mono[0] += 2_000_000  # a 2 ms round trip
        return 2_000_000_000_000

    await clock.sync(server_time)  # anchored at the answer: never ahead of the server
    assert clock.now_ms() == 2_000_000_000_000 and clock.round_trip_ms == 2
    wall[0] += 3_600 * 10**9  # the wall clock steps one hour: nothing changes
    assert clock.now_ms() == 2_000_000_000_000
    mono[0] += 1_000_000_000  # one second passes
    assert clock.now_ms() == 2_000_000_001_000


async def test_nonces_increase_and_a_rebase_never_reissues_one() -> None:
    mono = [0]
    clock = ServerClock(wall_ns=lambda: 0, monotonic_ns=lambda: mono[0])
    server = [10_000_000]

    async def server_time() -> int:
        return server[0]

    await clock.sync(server_time)
    issued = [clock.next_nonce() for _ in range(50)]  # the clock does not move
    assert issued == sorted(set(issued))
    server[0] -= 30_000  # the server's clock stepped back 30 s
    await clock.sync(server_time)  # a periodic sync keeps the floor
    assert clock.next_nonce() > issued[-1]
    await clock.sync(server_time, rebase=True)  # after a -4225: back on the server's clock
    rebased = clock.next_nonce()
    assert rebased < issued[0]
    server[0] += 30_000  # and forward again, right onto the nonces issued before
    await clock.sync(server_time, rebase=True)
    again = [clock.next_nonce() for _ in range(60)]
    assert not set(again) & set(issued) and again == sorted(again)


async def test_the_clock_resyncs_periodically_and_survives_a_failed_sync() -> None:
    clock = ServerClock()
    calls = 0

    async def server_time() -> int:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise OSError("unreachable")  # logged; the next interval tries again
        return time.time_ns() // 1_000_000

    task = asyncio.create_task(clock.keep_synced(server_time, interval=0.01))
    try:
        deadline = time.monotonic() + 30
        while clock.syncs < 2:
            assert time.monotonic() < deadline, "no periodic sync"
            await asyncio.sleep(0.01)
    finally:
        task.cancel()
    assert calls >= 3 and clock.synced


async def test_every_nonce_of_the_last_two_minutes_stays_excluded_after_a_rebase() -> None:
    mono = [0]
    clock = ServerClock(wall_ns=lambda: 0, monotonic_ns=lambda: mono[0])
    server = [1_000_000]

    async def server_time() -> int:
        return server[0]

    await clock.sync(server_time)
    first = {clock.next_nonce() for _ in range(5000)}  # a burst: one µs apart
    server[0] -= 1  # one ms back, right below the burst
    await clock.sync(server_time, rebase=True)
    second = [clock.next_nonce() for _ in range(5000)]
    assert not first & set(second) and len(set(second)) == 5000


def test_the_simulator_checks_nonces_in_the_documented_order() -> None:
    from execution.simulator.api import ApiError
    from execution.simulator.signature import Authenticator

    now_ms = [10_000_000_000]
    auth = Authenticator(lambda: now_ms[0])
    base = now_ms[0] * 1000
    auth.use_nonce("0xu", base)
    now_ms[0] += 60_000  # the kept nonce is now far outside the window
    with pytest.raises(ApiError, match="Duplicate"):  # 1. already used: a duplicate
        auth.use_nonce("0xu", base)
    with pytest.raises(ApiError, match="window"):  # the 10 s rule
        auth.use_nonce("0xu", base + 1)
    fresh = now_ms[0] * 1000
    for offset in range(100):
        auth.use_nonce("0xu", fresh + offset)
    with pytest.raises(ApiError, match="expired"):  # 2. full and below the smallest kept
        auth.use_nonce("0xu", fresh - 1)
    auth.use_nonce("0xu", fresh + 500)  # the smallest kept makes room
    with pytest.raises(ApiError, match="expired"):
        auth.use_nonce("0xu", fresh)
