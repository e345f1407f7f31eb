"""Fixtures for the watch view: a manager on the simulator (adopting every order, as the
watch command's does) and a second client, as another process would be."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable

import pytest_asyncio

from execution.auth import HmacCredentials
from execution.exchange.asterdex import AsterDEXExchange
from execution.orders.manager import OrderManager
from execution.simulator import SimulatedExchange


def client_for(sim: SimulatedExchange) -> AsterDEXExchange:
    credentials = HmacCredentials(sim.account.api_key, sim.account.api_secret)
    return AsterDEXExchange(credentials, rest_urls=[sim.rest_url], ws_url=sim.ws_url,
                            dotenv_path=None)


@pytest_asyncio.fixture
async def exchange(simulator: SimulatedExchange) -> AsyncIterator[AsterDEXExchange]:
    async with client_for(simulator) as client:
        yield client


@pytest_asyncio.fixture
async def other(simulator: SimulatedExchange) -> AsyncIterator[AsterDEXExchange]:
    """Another client on the same account (another process placing orders)."""
    async with client_for(simulator) as client:
        yield client


@pytest_asyncio.fixture
async def manager(exchange: AsterDEXExchange) -> AsyncIterator[OrderManager]:
    manager = OrderManager(exchange, None, adopt="all", poll_interval=0.1)
    await manager.start()
    yield manager
    await manager.stop()


async def until(condition: Callable[[], bool], seconds: float = 15.0) -> None:
    """Poll `condition` (every 20 ms) until true; fail after `seconds`."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        await asyncio.sleep(0.02)
