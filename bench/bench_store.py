"""Order store benchmark: rows written per second, the commit a new order waits for, and
what a placement costs with each store, SQLite next to PostgreSQL in one run.

PostgreSQL is the server of `ASTER_EXEC_BENCH_POSTGRES_URL` (or the tests' variable) if
set, else a throwaway cluster (`execution.store_postgres_cluster`, fsync on, as a
production server runs); without either, its rows are left out and the reason is given.
Placements go to an in-process simulator (the same for every store), so the differences
between the rows are the store's.

    PYTHONPATH=src python -m bench.bench_store [--quick]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import tempfile
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any

from execution.auth import HmacCredentials
from execution.exchange.asterdex import AsterDEXExchange
from execution.models import Order, OrderSide, OrderType
from execution.orders.managed import ManagedOrder
from execution.orders.manager import OrderManager
from execution.orders.state import OrderAccepted
from execution.simulator import SimulatedExchange
from execution.store_interface import OrderStorage
from execution.store_location import open_store

BENCH_URL = "ASTER_EXEC_BENCH_POSTGRES_URL"
Measurement = dict[str, Any]


def _order(prefix: str, n: int) -> ManagedOrder:
    order = Order("BTCUSDT", OrderSide.BUY, OrderType.LIMIT, Decimal("0.001"),
                  f"{prefix}-{n:032x}", price=Decimal("40000.5"))
    return ManagedOrder(order, strategy_name="bench", submitted_at=n + 1)


async def store_writes(store: OrderStorage, orders: int) -> float:
    """Rows (an order's snapshot and one event each) committed per second."""
    batch = [_order("w", n) for n in range(orders)]
    started = time.perf_counter()
    for n, managed in enumerate(batch):
        store.append_event(managed.client_order_id,
                           OrderAccepted(managed.client_order_id, str(n), 1))
        store.save_order(managed)
    await store.flush()
    return 2 * orders / (time.perf_counter() - started)


async def commit_latency(store: OrderStorage, orders: int) -> float:
    """Median µs of one new order's save and flush: what commit-before-send waits for."""
    samples = []
    for n in range(orders):
        started = time.perf_counter_ns()
        store.save_order(_order("c", n))
        await store.flush()
        samples.append(time.perf_counter_ns() - started)
    return statistics.median(samples) / 1000


async def placement_latency(
    sim: SimulatedExchange, target: str | Path | None, orders: int
) -> float:
    """Median µs of `place_limit_order` (resting, cancelled after) with the store `target`."""
    credentials = HmacCredentials(sim.account.api_key, sim.account.api_secret)
    async with AsterDEXExchange(credentials, rest_urls=[sim.rest_url], ws_url=sim.ws_url,
                                dotenv_path=None) as client:
        store = None if target is None else open_store(str(target))
        async with OrderManager(client, store, poll_interval=1.0) as manager:
            samples = []
            for _ in range(orders):
                started = time.perf_counter_ns()
                placed = await manager.place_limit_order(
                    "BTCUSDT", OrderSide.BUY, Decimal("0.001"), Decimal("40000"))
                samples.append(time.perf_counter_ns() - started)
                await manager.cancel_order(placed.client_order_id)
        if store is not None:
            await store.close()
    return statistics.median(samples) / 1000


@asynccontextmanager
async def postgres_database() -> AsyncIterator[str | None]:
    """A fresh database's URL (None when there is no server: `problem` says why)."""
    given = os.environ.get(BENCH_URL) or os.environ.get("ASTER_EXEC_TEST_POSTGRES_URL")
    cluster = None
    try:
        from execution import store_postgres_cluster as pg
    except ImportError as exc:  # psycopg missing
        problem.append(f"PostgreSQL left out: {exc}")
        yield None
        return
    try:
        if given is None:
            why = pg.unavailable()
            if why is not None:
                problem.append(f"PostgreSQL left out: {why}")
                yield None
                return
            cluster = pg.PostgresCluster(fsync=True)
            await asyncio.to_thread(cluster.start)
            given = cluster.url()
        yield await asyncio.to_thread(pg.create_database, given, f"bench_{uuid.uuid4().hex[:8]}")
    finally:
        if cluster is not None:
            await asyncio.to_thread(cluster.destroy)


problem: list[str] = []  # why a part was left out, for the notes


async def measure(*, quick: bool) -> list[Measurement]:
    """Every row, SQLite and PostgreSQL side by side."""
    rows_n, commits_n, places_n = (2_000, 50, 30) if quick else (50_000, 500, 200)
    results: list[Measurement] = []
    problem.clear()
    with tempfile.TemporaryDirectory() as folder:
        async with postgres_database() as database:
            stores: list[tuple[str, str]] = [
                ("SQLite", f"sqlite:///{Path(folder) / 'bench.sqlite'}")]
            if database is not None:
                stores.append(("PostgreSQL", database + "?prefix=bench"))
            for name, url in stores:
                store = open_store(url)
                await store.open()
                try:
                    writes = await store_writes(store, rows_n)
                    latency = await commit_latency(store, commits_n)
                finally:
                    await store.close()
                results.append({"name": f"{name} store rows written", "value": writes,
                                "unit": "rows/s", "note": f"{rows_n} orders + events"})
                results.append({"name": f"{name} store commit of one new order",
                                "value": latency, "unit": "µs median",
                                "note": f"save + flush, {commits_n} times"})
            async with SimulatedExchange(seed=7, auto_tick=False) as sim:
                bare = await placement_latency(sim, None, places_n)
                results.append({"name": "placement, no store", "value": bare,
                                "unit": "µs median", "note": "in-process simulator"})
                for name, url in stores:
                    target = url.replace("bench.sqlite", "placed.sqlite").replace(
                        "prefix=bench", "prefix=placer")
                    placed = await placement_latency(sim, target, places_n)
                    results.append({"name": f"placement overhead of the {name} store",
                                    "value": max(0.0, placed - bare), "unit": "µs",
                                    "note": f"median {placed:,.0f} µs against {bare:,.0f}"})
    if problem:
        results.append({"name": "PostgreSQL rows", "value": 0, "unit": "",
                        "note": "; ".join(problem)})
    return results


def run(*, quick: bool) -> list[Measurement]:
    """The rows for `bench.components` (the benchmark's run)."""
    return asyncio.run(measure(quick=quick))


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a short run")
    arguments = parser.parse_args()
    for row in run(quick=arguments.quick):
        print(f"{row['name']:<45} {row['value']:>14,.1f} {row['unit']:<10} {row['note']}")


if __name__ == "__main__":
    main()
