"""Redis lost mid-run: each process falls back to a conservative local share (its limits
divided by the processes last seen on the budget), keeps the bans it knew of, says so,
goes on trading, and shares again once Redis answers."""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

import pytest

from execution.errors import IpBannedError, RateLimitError
from execution.exchange.rate_budget_redis import RedisRateBudget
from execution.exchange.rate_budget_spec import parse_rate_budget
from execution.exchange.rate_limit import WEIGHT, Budget
from execution.simulator import SimulatedExchange
from execution.timekeeping import SYSTEM_CLOCK

from .conftest import RedisServer  # type: ignore[import-not-found]

DAY = 86400


def make_budget(url: str, limit: int) -> RedisRateBudget:
    budget = RedisRateBudget(parse_rate_budget(f"{url}#lost"), max_wait=0.05,
                             clock=SYSTEM_CLOCK, reconnect_interval=0.1)
    budget.set_budgets([Budget(WEIGHT, DAY, limit)])
    return budget


async def takes(budget: RedisRateBudget, count: int) -> int:
    done = 0
    for _ in range(count):
        try:
            await budget.acquire(1)
        except RateLimitError:
            break
        done += 1
    return done


async def test_lost_redis_leaves_each_process_its_share_of_what_is_left(
    redis_server: RedisServer, caplog: pytest.LogCaptureFixture
) -> None:
    first, second = make_budget(redis_server.url, 10), make_budget(redis_server.url, 10)
    await first.open()
    await second.open()
    try:
        assert await takes(first, 4) == 4  # 4 of 10 used, two processes on the budget
        redis_server.stop()
        with caplog.at_level(logging.WARNING):
            assert await takes(first, 10) == 3  # 10 // 2 = 5 each, 4 // 2 = 2 used
        assert not first.shared and "UNREACHABLE" in first.describe()
        assert any("Redis lost" in r.getMessage() for r in caplog.records)
        # the other saw nothing used when it last asked: its whole share, no more; the
        # exchange's usage headers (scaled to the share) correct what it did not see
        assert await takes(second, 10) == 5
        await second.note_usage({"X-MBX-USED-WEIGHT-1D": "9"})
        assert second._local.budgets[0].used == 5  # ceil(9 / 2)
    finally:
        await first.close()
        await second.close()


async def test_a_ban_known_before_redis_was_lost_still_halts(redis_server: RedisServer) -> None:
    first, second = make_budget(redis_server.url, 100), make_budget(redis_server.url, 100)
    await first.open()
    await second.open()
    try:
        await first.note_ban(time.time() + 60)
        with pytest.raises(IpBannedError):
            await second.acquire(1)  # told by Redis, and kept
        redis_server.stop()
        with pytest.raises(IpBannedError):
            await second.acquire(1)
        with pytest.raises(IpBannedError):
            await first.acquire(1)
    finally:
        await first.close()
        await second.close()


async def test_a_ban_recorded_while_redis_was_away_reaches_the_others_when_it_is_back(
    redis_server: RedisServer,
) -> None:
    first, second = make_budget(redis_server.url, 100), make_budget(redis_server.url, 100)
    await first.open()
    await second.open()
    try:
        redis_server.stop()
        await first.note_ban(time.time() + 60)  # Redis away: kept here, and halts here
        assert not first.shared
        redis_server.start()
        deadline = time.monotonic() + 60
        while not first.shared:
            assert time.monotonic() < deadline, "never shared again"
            with pytest.raises(IpBannedError):
                await first.acquire(1)
            await asyncio.sleep(0.05)
        with pytest.raises(IpBannedError):
            await second.acquire(1)  # handed on once Redis answered
    finally:
        await first.close()
        await second.close()


async def test_a_client_trades_on_while_redis_is_away_and_shares_again_after(
    simulator: SimulatedExchange, make_client: Any, redis_server: RedisServer,
) -> None:
    url = f"{redis_server.url}#lost-exchange"
    async with make_client(simulator, "hmac", rate_budget=url) as client, \
            make_client(simulator, "eip712", rate_budget=url) as other:
        budget = client.rate_limiter
        assert isinstance(budget, RedisRateBudget)
        budget.reconnect_interval = 0.1
        await other.server_time()
        await client.server_time()
        assert budget.members == (2, 2)
        limit = budget.budgets[0].limit
        redis_server.stop()
        assert await client.server_time() > 0  # goes on, on its local share
        assert not budget.shared
        assert budget._local.budgets[0].limit == limit // 2
        redis_server.start()
        deadline = time.monotonic() + 60
        while not budget.shared:
            assert time.monotonic() < deadline, "never shared again"
            await asyncio.sleep(0.1)
            await client.server_time()
        assert await other.server_time() > 0
