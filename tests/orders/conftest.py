"""Fixtures for the order manager's integration tests: a client on the simulator."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from execution.auth import HmacCredentials
from execution.exchange.asterdex import AsterDEXExchange
from execution.orders.manager import OrderManager
from execution.simulator import SimulatedExchange

ManagerFactory = Callable[..., Awaitable[OrderManager]]


def client_for(sim: SimulatedExchange) -> AsterDEXExchange:
    credentials = HmacCredentials(sim.account.api_key, sim.account.api_secret)
    return AsterDEXExchange(
        credentials, rest_urls=[sim.rest_url], ws_url=sim.ws_url, dotenv_path=None
    )


Waiter = Callable[..., Awaitable[None]]


async def _wait_for(predicate: Callable[[], bool], seconds: float = 5.0) -> None:
    """Poll `predicate` until true; fail after `seconds`."""
    deadline = time.monotonic() + seconds
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        await asyncio.sleep(0.01)


@pytest.fixture
def wait_for() -> Waiter:
    """`await wait_for(predicate, seconds=5.0)`."""
    return _wait_for


@pytest_asyncio.fixture
async def exchange(simulator: SimulatedExchange) -> AsyncIterator[AsterDEXExchange]:
    async with client_for(simulator) as client:
        yield client


@pytest_asyncio.fixture
async def manager_factory(
    exchange: AsterDEXExchange, tmp_path: Path
) -> AsyncIterator[ManagerFactory]:
    """`await manager_factory(**OrderManager options)`: a started manager on a SQLite file
    in tmp_path; stopped after the test."""
    started: list[OrderManager] = []

    async def start(**options: Any) -> OrderManager:
        options.setdefault("poll_interval", 0.1)
        manager = OrderManager(exchange, tmp_path / "orders.sqlite", **options)
        await manager.start()
        started.append(manager)
        return manager

    yield start
    for manager in reversed(started):
        await manager.stop()


@pytest_asyncio.fixture
async def manager(manager_factory: ManagerFactory) -> OrderManager:
    return await manager_factory()
