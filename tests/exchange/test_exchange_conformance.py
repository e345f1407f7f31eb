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
