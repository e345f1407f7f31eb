"""Fixtures: an `AsterDEXExchange` connected to the simulator, for both auth schemes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio

from execution.exchange.asterdex import AsterDEXExchange
from execution.simulator import SimulatedExchange
from execution.simulator.testing import credentials_for


def make_exchange(sim: SimulatedExchange, auth: str, **options: Any) -> AsterDEXExchange:
    options.setdefault("timeout", 5.0)
    options.setdefault("dotenv_path", None)
    options.setdefault("cooldown", 5.0)
    return AsterDEXExchange(
        credentials_for(sim, auth), rest_urls=sim.rest_urls, ws_url=sim.ws_url, **options
    )


@pytest.fixture(params=["hmac", "eip712"])
def auth(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest_asyncio.fixture
async def exchange(simulator: SimulatedExchange, auth: str) -> AsyncIterator[AsterDEXExchange]:
    async with make_exchange(simulator, auth) as client:
        yield client


@pytest.fixture
def make_client() -> Any:
    """`make_client(sim, auth, **options)` -> an unconnected AsterDEXExchange on `sim`."""
    return make_exchange
