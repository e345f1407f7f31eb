"""A listenKey the exchange forgot (a restart, an expiry) is replaced, the stream resyncs,
and reconnects back off: bounded requests while the exchange keeps refusing."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

from execution.errors import ExchangeError
from execution.exchange.asterdex import AsterDEXExchange
from execution.exchange.user_stream import UserStream
from execution.models import (
    OrderSide,
    OrderStatus,
    OrderType,
    OrderUpdate,
    StreamState,
    StreamStatus,
    UserEvent,
)
from execution.simulator import SimulatedExchange

D = Decimal
SYMBOL = "BTCUSDT"


class Recorder:
    """Collects events; `wait_for(predicate)` polls until one matches."""

    def __init__(self) -> None:
        self.events: list[UserEvent] = []

    def __call__(self, event: UserEvent) -> None:
        self.events.append(event)

    async def wait_for(self, predicate: Callable[[UserEvent], bool], within: float = 30.0) -> None:
        deadline = time.monotonic() + within
        while not any(predicate(e) for e in self.events):
            assert time.monotonic() < deadline, "no matching event"
            await asyncio.sleep(0.05)

    def resynced(self) -> int:
        return sum(1 for e in self.events
                   if isinstance(e, StreamStatus) and e.state is StreamState.RESYNCED)


def filled(client_order_id: str, *, from_resync: bool) -> Callable[[UserEvent], bool]:
    def match(event: UserEvent) -> bool:
        return (isinstance(event, OrderUpdate) and event.from_resync is from_resync
                and event.order.client_order_id == client_order_id
                and event.order.status is OrderStatus.FILLED)
    return match


async def resting_order(client: AsterDEXExchange, client_order_id: str) -> None:
    price = (await client.fetch_mark_price(SYMBOL) * D("0.9")).quantize(D("0.1"))
    await client.create_order(SYMBOL, OrderSide.BUY, OrderType.LIMIT, D("0.002"), price=price,
                              client_order_id=client_order_id)


def stream_requests(sim: SimulatedExchange, since: int) -> int:
    return sum(1 for r in list(sim.request_log)[since:]
               if "listenKey" in r.path or "openOrders" in r.path or r.path.endswith("/order"))


async def test_an_exchange_restart_gives_a_new_key_and_the_missed_fill(
    make_client: Any, simulator: SimulatedExchange, auth: str
) -> None:
    async with make_client(simulator, auth) as client:
        events = Recorder()
        await client.start_user_stream(events)
        await events.wait_for(lambda e: events.resynced() >= 1)
        stream = client.user_stream
        assert stream is not None and stream.listen_key
        first_key = stream.listen_key
        await resting_order(client, "restart-1")
        since = len(simulator.request_log)
        simulator.restart_gateway()
        simulator.fill_order(SYMBOL, client_order_id="restart-1")  # during the outage
        await events.wait_for(filled("restart-1", from_resync=True))
        assert stream.listen_key != first_key and stream.keys_replaced >= 1
        # the stream is live on the new key: the next fill arrives over the socket
        await resting_order(client, "restart-2")
        simulator.fill_order(SYMBOL, client_order_id="restart-2")
        await events.wait_for(filled("restart-2", from_resync=False))
        assert stream.connected
        assert stream_requests(simulator, since) <= 12


async def test_reconnects_back_off_while_the_exchange_refuses_the_stream(
    make_client: Any, simulator_factory: Any
) -> None:
    sim: SimulatedExchange = await simulator_factory()
    async with make_client(sim, "hmac") as client:
        events = Recorder()
        await client.start_user_stream(events)
        await events.wait_for(lambda e: events.resynced() >= 1)
        stream = client.user_stream
        assert stream is not None
        sim.listen_keys.ttl_seconds = 0.0  # every key is dead on arrival: sockets are refused
        since = len(sim.request_log)
        sim.restart_gateway()
        await asyncio.sleep(6.0)  # a window to count requests in, not a timing assertion
        # back-off 0.25 s doubling (jitter >= half): at most 5 attempts fit in 6 s, each a
        # key request and a resync; without back-off there were dozens
        assert 1 <= stream_requests(sim, since) <= 12
        assert stream.attempts <= 1 + 6
        sim.listen_keys.ttl_seconds = 3600.0  # the exchange is healthy again
        resynced = events.resynced()
        await events.wait_for(lambda e: events.resynced() > resynced, within=60)
        await resting_order(client, "after-refusal")
        sim.fill_order(SYMBOL, client_order_id="after-refusal")
        await events.wait_for(filled("after-refusal", from_resync=False))


async def test_a_silently_forgotten_key_is_replaced_after_keepalive_says_1125(
    make_client: Any, simulator: SimulatedExchange
) -> None:
    async with make_client(simulator, "hmac") as client:
        events = Recorder()
        stream = UserStream(
            session=lambda: client.transport.session,
            ws_url=client.ws_url,
            create_key=client.stream_link.create_listen_key,
            keepalive_key=client.stream_link.keepalive_listen_key,
            delete_key=client.stream_link.delete_listen_key,
            resync=client.stream_link.resync_orders,
            handler=events,
            keepalive_interval=0.3,
        )
        await stream.start()
        try:
            await events.wait_for(lambda e: events.resynced() >= 1)
            first_key = stream.listen_key
            simulator.listen_keys.clear()  # forgotten, the socket left open
            deadline = time.monotonic() + 30
            while stream.keys_replaced == 0:
                assert time.monotonic() < deadline, "the forgotten key was never replaced"
                await asyncio.sleep(0.05)
            assert stream.listen_key != first_key
            await events.wait_for(lambda e: events.resynced() >= 2)
        finally:
            await stream.stop()


async def test_the_simulator_answers_1125_for_a_forgotten_key(
    make_client: Any, simulator: SimulatedExchange, auth: str
) -> None:
    async with make_client(simulator, auth) as client:
        key = await client.stream_link.create_listen_key()
        await client.stream_link.keepalive_listen_key(key)
        await resting_order(client, "kept-1")
        simulator.restart_gateway()
        with pytest.raises(ExchangeError) as caught:
            await client.stream_link.keepalive_listen_key(key)
        assert caught.value.code == -1125 and caught.value.http_status == 400
        assert await client.stream_link.create_listen_key() != key
        # orders and balances survive the restart
        assert (await client.fetch_order(SYMBOL, client_order_id="kept-1")).is_open
