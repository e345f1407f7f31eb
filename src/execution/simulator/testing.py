"""Pytest fixtures: `simulator` (a started SimulatedExchange, seed 7, no auto tick) and
`simulator_factory` (starts simulators with custom options, stops them after the test).

Enable with `pytest_plugins = ["execution.simulator.testing"]` in a conftest.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest_asyncio

from execution.auth import Credentials, Eip712Credentials, HmacCredentials
from execution.secrets import Secret
from execution.simulator.exchange import SimulatedExchange

SimulatorFactory = Callable[..., Awaitable[SimulatedExchange]]


@pytest_asyncio.fixture
async def simulator() -> AsyncIterator[SimulatedExchange]:
    """A started simulator: seed 7, one account, one endpoint, prices move only on request."""
    async with SimulatedExchange(seed=7, auto_tick=False) as sim:
        yield sim


@pytest_asyncio.fixture
async def simulator_factory() -> AsyncIterator[SimulatorFactory]:
    """`await simulator_factory(**SimulatedExchange options)` -> a started simulator."""
    started: list[SimulatedExchange] = []

    async def start(**options: Any) -> SimulatedExchange:
        options.setdefault("seed", 7)
        sim = SimulatedExchange(**options)
        await sim.start()
        started.append(sim)
        return sim

    yield start
    for sim in reversed(started):
        await sim.stop()


def credentials_for(sim: SimulatedExchange, auth: str) -> Credentials:
    """The simulator's default account as credentials: "hmac" (v1) or "eip712" (v3)."""
    account = sim.account
    if auth == "hmac":
        assert account.api_key and account.api_secret
        return HmacCredentials(account.api_key, Secret(account.api_secret))
    assert account.user and account.signer_private_key
    return Eip712Credentials(account.user, account.signer, Secret(account.signer_private_key))
