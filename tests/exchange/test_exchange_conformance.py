"""`AsterDEXExchange` passes the conformance suite on the simulator, with both auth schemes."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest_asyncio

from execution.exchange.asterdex import AsterDEXExchange
from execution.exchange.conformance import ExchangeConformance, Venue
from execution.simulator import SimulatedExchange


class TestAsterDEXConformance(ExchangeConformance):
    @pytest_asyncio.fixture
    async def venue(
        self, exchange: AsterDEXExchange, simulator: SimulatedExchange
    ) -> AsyncIterator[Venue]:
        yield exchange, simulator


def test_the_suite_covers_the_whole_interface() -> None:
    behaviours = [name for name in dir(ExchangeConformance) if name.startswith("test_")]
    assert len(behaviours) >= 10
