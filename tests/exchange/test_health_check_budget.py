"""The endpoint health check is a request like any other for the rate budget: the
exchange counts its pings (weight 1 each) and bans their address like any other, so
processes sharing a budget must not push each other over with uncounted ones (found by the
fleet soak: two drivers' restarts on one address took it over the weight limit, then into
a ban, with pings the budget never saw)."""

from __future__ import annotations

import pytest

from execution.errors import IpBannedError
from execution.exchange.asterdex import AsterDEXExchange
from execution.exchange.rate_limit import WEIGHT, RateLimiter
from execution.simulator import RateLimitConfig, SimulatedExchange
from execution.simulator.testing import SimulatorFactory, credentials_for

PING = "/fapi/v1/ping"


def _client(sim: SimulatedExchange) -> AsterDEXExchange:
    return AsterDEXExchange(credentials_for(sim, "hmac"), rest_urls=sim.rest_urls,
                            ws_url=sim.ws_url, dotenv_path=None, timeout=5.0)


async def test_during_a_ban_the_health_check_sends_nothing(
    simulator_factory: SimulatorFactory,
) -> None:
    sim = await simulator_factory(endpoints=2)
    async with _client(sim) as client:
        sim.ban_clients(60)
        with pytest.raises(IpBannedError):
            await client.server_time()  # the ban is known to the client from here
        sent = len(sim.request_log)
        with pytest.raises(IpBannedError):
            await client.transport.health_check(PING)
        assert len(sim.request_log) == sent  # no ping went out into the ban
        sim.lift_bans()


async def test_the_health_checks_pings_take_their_weight_and_a_ban_on_them_is_noted(
    simulator_factory: SimulatorFactory,
) -> None:
    sim = await simulator_factory(endpoints=2, rate_limits=RateLimitConfig(ban_seconds=60))
    async with _client(sim) as client:
        budget = client.rate_limiter
        assert isinstance(budget, RateLimiter)  # this process's own counts

        def used() -> int:
            return sum(b.used for b in budget.budgets if b.kind == WEIGHT)

        before = used()
        assert await client.transport.health_check(PING) == [True, True]
        assert used() >= before + 2  # one for each ping
        sim.ban_clients(60)
        await client.transport.health_check(PING)  # the pings meet the ban: noted
        sent = len(sim.request_log)
        with pytest.raises(IpBannedError):
            await client.server_time()  # refused here, not sent
        assert len(sim.request_log) == sent
        sim.lift_bans()
