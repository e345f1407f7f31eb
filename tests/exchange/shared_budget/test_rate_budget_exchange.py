"""Exchange clients on one shared budget against the simulator over loopback: a 418 or a
429 seen by one halts the other (raised at once, nothing sent) until it ends; the
exchange's usage headers raise the shared count; without a budget each client keeps its
own limits and says so; a budget whose Redis does not answer refuses to start."""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

import aiohttp
import pytest
import redis.asyncio as aioredis

from execution.errors import (
    ConfigurationError,
    ExchangeUnavailableError,
    IpBannedError,
    NetworkError,
    RateLimitError,
)
from execution.exchange.asterdex import AsterDEXExchange
from execution.exchange.rate_budget_redis import RedisRateBudget
from execution.exchange.rate_limit import WEIGHT, Budget, RateLimiter
from execution.simulator import RateLimitConfig, SimulatedExchange
from execution.simulator.testing import SimulatorFactory

DAY = 86400


def budget_of(client: AsterDEXExchange) -> RedisRateBudget:
    budget = client.rate_limiter
    assert isinstance(budget, RedisRateBudget)
    return budget


async def eventually_succeeds(call: Any) -> None:
    """Repeat `call` while it is halted (a ban or a pause) until it goes through."""
    deadline = time.monotonic() + 60
    while True:
        try:
            await call()
            return
        except RateLimitError:
            assert time.monotonic() < deadline, "still halted"
            await asyncio.sleep(0.2)


async def test_two_clients_on_one_budget_share_the_weight(
    simulator: SimulatedExchange, make_client: Any, redis_url: str, budget_name: str
) -> None:
    url = f"{redis_url}#{budget_name}"
    first, second = make_client(simulator, "hmac", rate_budget=url), make_client(
        simulator, "eip712", rate_budget=url)
    async with first, second:
        for client in (first, second):
            budget_of(client).set_budgets([Budget(WEIGHT, DAY, 40)])
            budget_of(client).max_wait = 0.01
        sent = len(simulator.request_log)
        answered = {first: 0, second: 0}
        halted: set[AsterDEXExchange] = set()
        while len(halted) < 2:
            for client in (first, second):
                try:
                    await client.server_time()  # weight 1
                    answered[client] += 1
                except RateLimitError:
                    halted.add(client)
        assert answered[first] > 0 and answered[second] > 0
        assert sum(answered.values()) == 40  # the two together, not 40 each
        assert len(simulator.request_log) - sent == 40  # a refused take sent nothing


async def test_a_ban_seen_by_one_client_halts_the_other_until_it_ends(
    simulator: SimulatedExchange, make_client: Any, redis_url: str, budget_name: str
) -> None:
    url = f"{redis_url}#{budget_name}"
    first = make_client(simulator, "hmac", rate_budget=url)
    second = make_client(simulator, "eip712", rate_budget=url)
    async with first, second:
        simulator.ban_clients(3)
        with pytest.raises(IpBannedError):
            await first.server_time()
        sent = len(simulator.request_log)
        with pytest.raises(IpBannedError) as halted:
            await second.server_time()
        assert len(simulator.request_log) == sent  # nothing sent
        assert halted.value.retry_after is not None and halted.value.retry_after > 0
        await eventually_succeeds(second.server_time)
        after = list(simulator.request_log)[sent:]
        assert after and all(record.status == 200 for record in after)  # never sent banned


async def test_a_429_seen_by_one_client_pauses_the_other_for_its_retry_after(
    simulator_factory: SimulatorFactory, make_client: Any, redis_url: str, budget_name: str
) -> None:
    sim = await simulator_factory(
        rate_limits=RateLimitConfig(weight_per_minute=30, minute_ms=8000, ban_seconds=60))
    url = f"{redis_url}#{budget_name}"
    first, second = (make_client(sim, "hmac", rate_budget=url) for _ in range(2))
    async with first, second:
        for client in (first, second):  # the budget itself never stops them first
            budget_of(client).set_budgets([Budget(WEIGHT, DAY, 10**6)])
            budget_of(client).max_wait = 0.01
        with pytest.raises(RateLimitError) as limited:
            for _ in range(1000):
                await first.server_time()
        assert limited.value.http_status == 429
        sent = len(sim.request_log)
        with pytest.raises(RateLimitError) as halted:
            await second.server_time()
        assert halted.value.http_status is None and "paused" in str(halted.value)
        assert len(sim.request_log) == sent  # nothing sent
        budget_of(second).max_wait = 30.0
        await second.server_time()  # waits out the pause, then goes through
        assert [r.status for r in list(sim.request_log)[sent:]] == [200]
        assert not any(record.status == 418 for record in sim.request_log)


async def away_from_a_minute_edge() -> None:
    """Wait until the current minute has a while to run (the exchange's window and the
    shared count's window must be the same one during the test)."""
    seconds = time.time() % 60
    if not 2 <= seconds <= 40:
        await asyncio.sleep((62 - seconds) % 60)


async def test_usage_headers_above_the_shared_count_raise_it(
    simulator: SimulatedExchange, make_client: Any, redis_url: str, budget_name: str
) -> None:
    url = f"{redis_url}#{budget_name}"
    first, second = (make_client(simulator, "hmac", rate_budget=url) for _ in range(2))
    async with first, second:
        await away_from_a_minute_edge()
        async with aiohttp.ClientSession() as outsider:  # off the budget: unseen by it
            for _ in range(25):
                async with outsider.get(simulator.rest_urls[0] + "/fapi/v1/time") as answer:
                    outside_used = int(answer.headers["X-MBX-USED-WEIGHT-1M"])
        await first.server_time()
        await budget_of(first).flush()
        client = aioredis.Redis.from_url(redis_url)
        try:
            shared = int(await client.hget(
                f"aster-exec:rate:{{{budget_name}}}:{WEIGHT}:60", "u") or 0)
        finally:
            await client.aclose()
        assert shared >= outside_used + 1  # the exchange's count, with the outsider's
        await second.server_time()
        assert budget_of(second)._seen[0][1] >= shared + 1  # the other process sees it


async def test_without_a_budget_each_client_keeps_its_own_limits_and_says_so(
    simulator: SimulatedExchange, make_client: Any, caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("ASTER_RATE_BUDGET", raising=False)
    client = make_client(simulator, "hmac")
    with caplog.at_level(logging.INFO, logger="execution.exchange.rate_limit"):
        async with client:
            await client.server_time()
    assert isinstance(client.rate_limiter, RateLimiter)
    assert client.rate_limiter.shared is False
    assert "in-process" in client.rate_limiter.describe()
    said = [r.getMessage() for r in caplog.records if "rate limits:" in r.getMessage()]
    assert len(said) == 1 and "in-process" in said[0] and "ASTER_RATE_BUDGET" in said[0]


async def test_the_budget_comes_from_the_environment_too(
    simulator: SimulatedExchange, make_client: Any, redis_url: str, budget_name: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ASTER_RATE_BUDGET", f"{redis_url}#{budget_name}")
    async with make_client(simulator, "hmac") as client:
        assert budget_of(client).shared
        assert budget_of(client).spec.weight_scope == budget_name


async def test_a_budget_whose_redis_does_not_answer_refuses_to_start(
    simulator: SimulatedExchange, make_client: Any, dead_redis_url: str
) -> None:
    client = make_client(simulator, "hmac", rate_budget=f"{dead_redis_url}#desk")
    with pytest.raises(ConfigurationError) as refused:
        await client.connect()
    assert "does not answer" in str(refused.value)
    assert "s3cret" not in str(refused.value) and "s3cret" not in budget_of(client).describe()
    assert client.transport._session is None  # nothing left open
    assert not simulator.request_log  # nothing sent


@pytest.mark.parametrize("spec", [
    "redis://127.0.0.1:6379/0",  # no name
    "http://127.0.0.1:6379/0#desk",
    "redis://127.0.0.1:6379/0#bad name",
    "redis://127.0.0.1:6379/0#account=only",
    "redis://127.0.0.1:6379/0#ip=a&host=b",
])
def test_a_malformed_budget_is_refused_before_anything(
    simulator: SimulatedExchange, make_client: Any, spec: str
) -> None:
    with pytest.raises(ConfigurationError):
        make_client(simulator, "hmac", rate_budget=spec)


def test_a_budget_names_one_scope_or_two() -> None:
    from execution.exchange.rate_budget_spec import parse_rate_budget

    both = parse_rate_budget("redis://:pw@h:1/0#desk")
    assert (both.weight_scope, both.orders_scope, both.safe_url) == ("desk", "desk", "redis://h:1/0")
    split = parse_rate_budget("rediss://h/2#ip=host-a&account=acct-1")
    assert (split.weight_scope, split.orders_scope) == ("host-a", "acct-1")
    assert "pw" not in both.label


async def test_a_closed_client_does_not_reopen_its_budget(
    simulator: SimulatedExchange, make_client: Any, redis_url: str, budget_name: str
) -> None:
    client = make_client(simulator, "hmac", rate_budget=f"{redis_url}#{budget_name}")
    async with client:
        await client.server_time()
    with pytest.raises((NetworkError, ExchangeUnavailableError)):  # retried, then given up
        await client.server_time()
    assert not budget_of(client).shared  # no connection, no membership left behind
