"""Fixtures for the ledger's integration tests: an exchange client on the simulator."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable

import pytest_asyncio

from execution.auth import HmacCredentials
from execution.exchange.asterdex import AsterDEXExchange
from execution.simulator import SimulatedExchange


def client_for(sim: SimulatedExchange) -> AsterDEXExchange:
    credentials = HmacCredentials(sim.account.api_key, sim.account.api_secret)
    return AsterDEXExchange(
        credentials, rest_urls=[sim.rest_url], ws_url=sim.ws_url, dotenv_path=None
    )


async def wait_until(predicate: Callable[[], object], seconds: float = 20.0) -> None:
    """Poll `predicate` (sync or returning an awaitable) until truthy; fail after `seconds`."""
    deadline = time.monotonic() + seconds
    while True:
        value = predicate()
        if asyncio.iscoroutine(value):
            value = await value
        if value:
            return
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        await asyncio.sleep(0.02)


@pytest_asyncio.fixture
async def exchange(simulator: SimulatedExchange) -> AsyncIterator[AsterDEXExchange]:
    async with client_for(simulator) as client:
        yield client
