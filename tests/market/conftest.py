"""Fixtures: the market-data layer against the simulator over loopback."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest_asyncio

from execution.exchange.asterdex import AsterDEXExchange
from execution.market.rest import MarketRest
from execution.simulator import SimulatedExchange
from execution.simulator.testing import credentials_for


@pytest_asyncio.fixture
async def book_sim(simulator_factory: Callable[..., Awaitable[SimulatedExchange]]
                   ) -> SimulatedExchange:
    """A simulator whose levels refill slowly (an hour), so only what the test does moves
    the book between a snapshot and the stream."""
    return await simulator_factory(book_refill_ms=3_600_000)


@pytest_asyncio.fixture
async def venue(book_sim: SimulatedExchange) -> AsyncIterator[AsterDEXExchange]:
    """The exchange client on `book_sim` (trades are placed through it)."""
    client = AsterDEXExchange(credentials_for(book_sim, "hmac"), rest_urls=book_sim.rest_urls,
                              ws_url=book_sim.ws_url, timeout=5.0, dotenv_path=None)
    async with client:
        yield client


@pytest_asyncio.fixture
async def market_rest(venue: AsterDEXExchange) -> MarketRest:
    return MarketRest(venue.rest)


async def poll(condition: Callable[[], bool], wait: float = 20.0) -> bool:
    """Whether `condition` became true within `wait` seconds (checked every 20 ms)."""
    loop = asyncio.get_running_loop()
    end = loop.time() + wait
    while not condition():
        if loop.time() > end:
            return False
        await asyncio.sleep(0.02)
    return True
