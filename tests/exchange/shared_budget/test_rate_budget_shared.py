"""Two budgets on one name (separate Redis connections, as two processes have) share the
exchange's limits: every interval declared, taken atomically, usage headers folded in."""

from __future__ import annotations

import asyncio

import pytest
import redis.asyncio as aioredis

from execution.errors import RateLimitError
from execution.exchange.rate_budget_redis import RedisRateBudget
from execution.exchange.rate_budget_spec import parse_rate_budget
from execution.exchange.rate_limit import ORDERS, WEIGHT, Budget
from execution.timekeeping import SYSTEM_CLOCK

DAY = 86400  # windows that do not roll over during a test (but at UTC midnight)


def make_budget(url: str, name: str, *budgets: Budget, max_wait: float = 0.05) -> RedisRateBudget:
    budget = RedisRateBudget(parse_rate_budget(f"{url}#{name}"), max_wait=max_wait,
                             clock=SYSTEM_CLOCK)
    budget.set_budgets(list(budgets) or [Budget(WEIGHT, DAY, 10)])
    return budget


async def taken(budget: RedisRateBudget, weight: int = 1, is_order: bool = False) -> bool:
    try:
        await budget.acquire(weight, is_order)
    except RateLimitError:
        return False
    return True


async def shared_used(url: str, key: str) -> int:
    client = aioredis.Redis.from_url(url)
    try:
        value = await client.hget(key, "u")
    finally:
        await client.aclose()
    return int(value or 0)


async def test_two_budgets_on_one_name_share_the_weight(redis_url: str, budget_name: str) -> None:
    first, second = (make_budget(redis_url, budget_name) for _ in range(2))
    await first.open()
    await second.open()
    try:
        assert first.shared and second.shared and second.members == (2, 2)
        assert [await taken(first, 2) for _ in range(3)] == [True] * 3  # 6 of 10
        assert await taken(second, 4)
        assert not await taken(second, 1)  # 10 used by the two together
        assert not await taken(first, 1)
        key = f"aster-exec:rate:{{{budget_name}}}:{WEIGHT}:{DAY}"
        assert await shared_used(redis_url, key) == 10
    finally:
        await first.close()
        await second.close()


async def test_concurrent_takes_from_two_budgets_never_exceed_the_limit(
    redis_url: str, budget_name: str
) -> None:
    budgets = [make_budget(redis_url, budget_name, Budget(WEIGHT, DAY, 37)) for _ in range(2)]
    for budget in budgets:
        await budget.open()
    try:
        results = await asyncio.gather(*(taken(budgets[i % 2]) for i in range(120)))
        assert sum(results) == 37
    finally:
        for budget in budgets:
            await budget.close()


async def test_every_declared_interval_counts_and_orders_are_the_accounts(
    redis_url: str, budget_name: str
) -> None:
    limits = [Budget(WEIGHT, DAY, 100), Budget(ORDERS, 60 * 60, 5), Budget(ORDERS, DAY, 3)]
    ip_a = make_budget(redis_url, f"ip=a-{budget_name}&account={budget_name}", *limits)
    ip_b = make_budget(redis_url, f"ip=b-{budget_name}&account={budget_name}", *limits)
    await ip_a.open()
    await ip_b.open()
    try:
        assert await taken(ip_a, 1, is_order=True)
        assert await taken(ip_b, 1, is_order=True)
        assert await taken(ip_b, 1, is_order=True)
        assert not await taken(ip_a, 1, is_order=True)  # the day's 3 orders, one account
        assert await taken(ip_a, 50) and await taken(ip_b, 60)  # weight: two IPs, two counts
        assert not await taken(ip_a, 51)
        prefix = "aster-exec:rate:"
        assert await shared_used(redis_url, f"{prefix}{{a-{budget_name}}}:{WEIGHT}:{DAY}") == 51
        assert await shared_used(redis_url, f"{prefix}{{{budget_name}}}:{ORDERS}:3600") == 3
    finally:
        await ip_a.close()
        await ip_b.close()


async def test_a_usage_header_above_the_shared_count_raises_it_never_lowers_it(
    redis_url: str, budget_name: str
) -> None:
    first, second = (make_budget(redis_url, budget_name, Budget(WEIGHT, DAY, 1000))
                     for _ in range(2))
    await first.open()
    await second.open()
    header = f"X-MBX-USED-WEIGHT-{DAY // 86400}D"
    try:
        assert await taken(first, 5)
        await first.note_usage({header: "700"})  # someone off the budget used 695
        await first.flush()
        key = f"aster-exec:rate:{{{budget_name}}}:{WEIGHT}:{DAY}"
        assert await shared_used(redis_url, key) == 700
        assert not await taken(second, 301)  # the other process sees it at once
        assert await taken(second, 300)
        await second.note_usage({header: "20"})  # an older, lower count changes nothing
        await second.flush()
        assert await shared_used(redis_url, key) == 1000
    finally:
        await first.close()
        await second.close()


@pytest.mark.parametrize("orders", [False, True])
async def test_a_pause_recorded_by_one_budget_holds_the_other_back(
    redis_url: str, budget_name: str, orders: bool
) -> None:
    first, second = (make_budget(redis_url, budget_name, Budget(WEIGHT, DAY, 1000),
                                 Budget(ORDERS, DAY, 1000)) for _ in range(2))
    await first.open()
    await second.open()
    try:
        assert await first.note_rate_limited(30, orders=orders) == 30
        assert not await taken(second, 1, is_order=True)  # over max_wait: raised, not sent
        assert await taken(second, 1) is orders  # an order-count pause spares the rest
    finally:
        await first.close()
        await second.close()


async def test_an_order_count_header_raises_the_accounts_count(
    redis_url: str, budget_name: str
) -> None:
    limits = [Budget(WEIGHT, DAY, 1000), Budget(ORDERS, 3600, 5)]
    ip_a = make_budget(redis_url, f"ip=a-{budget_name}&account={budget_name}", *limits)
    ip_b = make_budget(redis_url, f"ip=b-{budget_name}&account={budget_name}", *limits)
    await ip_a.open()
    await ip_b.open()
    try:
        assert await taken(ip_a, 1, is_order=True)
        await ip_a.note_usage({"X-MBX-ORDER-COUNT-1H": "4"})  # the account placed 3 more
        await ip_a.flush()
        assert await taken(ip_b, 1, is_order=True)  # the 5th, from the other host
        assert not await taken(ip_b, 1, is_order=True)
        assert await taken(ip_b, 1)  # the IP's weight is not the account's orders
    finally:
        await ip_a.close()
        await ip_b.close()
