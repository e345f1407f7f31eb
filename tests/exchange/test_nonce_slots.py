"""Several processes signing for one v3 user: each takes a nonce slot and their nonces can
never collide, however close their clocks; against the simulator, two clients on one signer
sending at once are never refused for a duplicate nonce."""

from __future__ import annotations

import asyncio
from decimal import Decimal as D

import pytest
from hypothesis import given
from hypothesis import strategies as st

from execution.errors import ValidationError
from execution.exchange.asterdex import AsterDEXExchange
from execution.exchange.clock import NONCE_SLOTS, ServerClock
from execution.models import OrderSide, OrderType
from execution.simulator import SimulatedExchange
from execution.simulator.testing import credentials_for


def frozen(at_ns: int) -> ServerClock:
    return ServerClock(wall_ns=lambda: at_ns, monotonic_ns=lambda: at_ns)


@given(st.integers(min_value=1_700_000_000_000_000_000, max_value=1_900_000_000_000_000_000),
       st.integers(0, NONCE_SLOTS - 1), st.integers(0, NONCE_SLOTS - 1))
def test_two_slots_on_one_clock_never_issue_the_same_nonce(at_ns: int, a: int, b: int) -> None:
    first, second = ServerClock(nonce_slot=a), ServerClock(nonce_slot=b)
    first.wall_ns = second.wall_ns = first.monotonic_ns = second.monotonic_ns = lambda: at_ns
    nonces_a = [first.next_nonce() for _ in range(50)]
    nonces_b = [second.next_nonce() for _ in range(50)]
    assert all(n % NONCE_SLOTS == a for n in nonces_a)
    assert nonces_a == sorted(set(nonces_a))  # strictly increasing
    assert a == b or not set(nonces_a) & set(nonces_b)
    assert abs(nonces_a[0] - at_ns // 1000) < NONCE_SLOTS  # still the server time in µs


def test_a_slot_must_be_a_small_whole_number() -> None:
    for bad in (-1, NONCE_SLOTS, 1.5, True, "3"):
        with pytest.raises(ValidationError):
            ServerClock(nonce_slot=bad)  # type: ignore[arg-type]
    assert frozen(10**18).next_nonce() == 10**15  # no slot: the plain µs


async def test_two_clients_on_one_signer_are_never_refused_a_nonce(
    simulator: SimulatedExchange,
) -> None:
    simulator.set_price("BTCUSDT", D("50000"))
    clients = [
        AsterDEXExchange(credentials_for(simulator, "eip712"), rest_urls=simulator.rest_urls,
                         dotenv_path=None, nonce_slot=slot)
        for slot in (1, 2)
    ]
    for client in clients:
        await client.connect()
    try:
        async def burst(client: AsterDEXExchange) -> None:
            for _ in range(15):
                await client.create_order("BTCUSDT", OrderSide.BUY, OrderType.LIMIT,
                                          D("0.001"), price=D("40000"))
        await asyncio.gather(*(burst(client) for client in clients))
        # Any refusal fails the test (a nonce refused is a 400 with -4225; the log keeps
        # the status, not the body).
        refused = [(r.method, r.path, r.status) for r in simulator.request_log if r.status >= 400]
        assert refused == []
        assert len(await clients[0].get_open_orders("BTCUSDT")) == 30
    finally:
        for client in clients:
            await client.close()
