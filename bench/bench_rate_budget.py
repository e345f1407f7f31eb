"""The cost of taking a rate-limit token: this process's own limiter next to the budget
shared through Redis, in one run.

    python -m bench.bench_rate_budget [--quick]

A redis-server is started for the run (`redis-server` on the path, loopback, no
persistence), or `ASTER_EXEC_BENCH_REDIS_URL` is used. Each take is one order's: the
request weight and the order counts of the exchange's declared intervals (weight per
minute, orders per minute and per 10 s). Rows: µs per take awaited one after another (the
latency a request pays), and takes per second with 64 in flight (what one process can
draw). Without a Redis the shared rows are left out and a note says why.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import Any

from bench.harness import quick_option
from execution.exchange.rate_budget_redis import RedisRateBudget
from execution.exchange.rate_budget_spec import parse_rate_budget
from execution.exchange.rate_limit import ORDERS, WEIGHT, Budget, RateLimiter
from execution.timekeeping import SYSTEM_CLOCK

LIMITS = [Budget(WEIGHT, 60, 10**12), Budget(ORDERS, 60, 10**12), Budget(ORDERS, 10, 10**12)]
IN_FLIGHT = 64


@contextmanager
def redis_server() -> Iterator[str | None]:
    """A Redis URL for the run: the given one, a redis-server of our own, or None."""
    given = os.environ.get("ASTER_EXEC_BENCH_REDIS_URL", "").strip()
    if given:
        yield given
        return
    binary = shutil.which("redis-server")
    if binary is None:
        yield None
        return
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with tempfile.TemporaryDirectory(prefix="bench-redis-") as folder:
        process = subprocess.Popen(
            [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", folder],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        try:
            deadline = time.monotonic() + 30
            while True:
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=1).close()
                    break
                except OSError:
                    if time.monotonic() > deadline or process.poll() is not None:
                        raise RuntimeError("redis-server did not start") from None
                    time.sleep(0.05)
            yield f"redis://127.0.0.1:{port}/0"
        finally:
            process.kill()  # our own child, by its handle
            process.wait(timeout=30)


async def _sequential_us(take: Callable[[], Awaitable[None]], count: int) -> float:
    for _ in range(min(count, 200)):  # warm up (connections, the script's cache)
        await take()
    started = time.perf_counter()
    for _ in range(count):
        await take()
    return (time.perf_counter() - started) / count * 1e6


async def _per_second(take: Callable[[], Awaitable[None]], count: int) -> float:
    per_task = count // IN_FLIGHT

    async def worker() -> None:
        for _ in range(per_task):
            await take()

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(IN_FLIGHT)))
    return per_task * IN_FLIGHT / (time.perf_counter() - started)


async def _measure(quick: bool, url: str | None) -> list[dict[str, Any]]:
    count = 2_000 if quick else 20_000
    local = RateLimiter([Budget(b.kind, b.interval_s, b.limit) for b in LIMITS])

    async def take_local() -> None:
        await local.acquire(1, True)

    rows: list[dict[str, Any]] = [
        {"name": "token take, in-process limiter", "value": await _sequential_us(
            take_local, count * 10), "unit": "µs", "note": "this process's own counts"},
    ]
    if url is None:
        rows[0]["note"] += "; shared budget not measured: no redis-server on the path"
        return rows
    shared = RedisRateBudget(parse_rate_budget(f"{url}#bench-{uuid.uuid4().hex[:8]}"),
                             clock=SYSTEM_CLOCK)
    shared.set_budgets([Budget(b.kind, b.interval_s, b.limit) for b in LIMITS])
    await shared.open()
    try:
        async def take_shared() -> None:
            await shared.acquire(1, True)

        latency = await _sequential_us(take_shared, count)
        rate = await _per_second(take_shared, count)
    finally:
        await shared.close()
    rows += [
        {"name": "token take, shared budget (Redis, loopback)", "value": latency,
         "unit": "µs", "note": "one atomic script per take: weight + 2 order counts"},
        {"name": f"token takes/s, shared budget, {IN_FLIGHT} in flight", "value": rate,
         "unit": "takes/s", "note": "one process, one Redis connection pool"},
    ]
    return rows


def run(quick: bool = False) -> list[dict[str, Any]]:
    """One row per measure: `name`, `value`, `unit`, `note`."""
    with redis_server() as url:
        return asyncio.run(_measure(quick, url))


if __name__ == "__main__":
    for row in run(quick_option(__doc__ or "")):
        print(f"{row['name']:<50} {row['value']:12.2f} {row['unit']}  {row['note']}")
