"""Order manager benchmark: events applied per second, memory and lookups with 100,000
tracked orders, and SQLite store writes per second.

    .venv/bin/python bench/bench_order_manager.py [--orders 100000] [--event-orders 20000]

Events are `ORDER_TRADE_UPDATE` payloads as the exchange sends them (NEW, a partial TRADE,
the completing TRADE for each order), parsed by the client's parser and handed to the
manager's stream handler, with and without the SQLite store behind it. The manager is
built on an exchange client that is never connected: handling stream events needs none.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import random
import tempfile
import time
import tracemalloc
from decimal import Decimal
from pathlib import Path
from typing import Any

from execution.auth import HmacCredentials
from execution.exchange.asterdex import AsterDEXExchange
from execution.exchange.parsing import parse_order_update
from execution.models import Order, OrderSide, OrderType, TimeInForce
from execution.orders.managed import ManagedOrder
from execution.orders.manager import OrderManager
from execution.orders.state import OrderAccepted, OrderFilled
from execution.store import OrderStore

D = Decimal


def offline_exchange() -> AsterDEXExchange:
    credentials = HmacCredentials("bench-key", "bench-secret")
    return AsterDEXExchange(
        credentials,
        rest_urls=["http://127.0.0.1:9"],
        ws_url="ws://127.0.0.1:9",
        dotenv_path=None,
    )


def pending_order(index: int) -> ManagedOrder:
    order = Order(
        "BTCUSDT",
        OrderSide.BUY,
        OrderType.LIMIT,
        D("0.010"),
        f"om-{index:032d}",
        price=D("50000.0"),
        time_in_force=TimeInForce.GTC,
    )
    return ManagedOrder(order, strategy_name="bench", submitted_at=1)


def trade_update(
    index: int, status: str, execution: str, last: str, cumulative: str, trade_id: int
) -> dict[str, Any]:
    return {
        "e": "ORDER_TRADE_UPDATE",
        "E": 1_700_000_000_000 + index,
        "T": 1_700_000_000_000,
        "o": {
            "s": "BTCUSDT",
            "c": f"om-{index:032d}",
            "S": "BUY",
            "o": "LIMIT",
            "f": "GTC",
            "q": "0.010",
            "p": "50000.0",
            "ap": "50000.0" if cumulative != "0" else "0",
            "sp": "0",
            "x": execution,
            "X": status,
            "i": 4_000_000_000 + index,
            "l": last,
            "z": cumulative,
            "L": "50000.0" if last != "0" else "0",
            "n": "0.0001" if last != "0" else "0",
            "N": "USDT",
            "T": 1_700_000_000_000,
            "t": trade_id,
            "b": "0",
            "a": "0",
            "m": True,
            "R": False,
            "wt": "CONTRACT_PRICE",
            "ot": "LIMIT",
            "ps": "BOTH",
            "cp": False,
            "rp": "0",
        },
    }


def event_stream(orders: int) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = []
    for i in range(orders):
        events.append(trade_update(i, "NEW", "NEW", "0", "0", 0))
        events.append(trade_update(i, "PARTIALLY_FILLED", "TRADE", "0.004", "0.004", 2 * i + 1))
        events.append(trade_update(i, "FILLED", "TRADE", "0.006", "0.010", 2 * i + 2))
    return events


async def bench_events(orders: int, store_path: Path | None) -> tuple[float, float]:
    """(events/s handled including parsing, events/s of the handler alone)."""
    raw = event_stream(orders)
    manager = OrderManager(offline_exchange(), store_path)
    if manager.store is not None:
        await manager.store.open()
    for i in range(orders):
        manager._core.registry.register(pending_order(i))
    parsed = [parse_order_update(event) for event in raw]
    start = time.perf_counter()
    for event in raw:
        parse_order_update(event)
    parse_seconds = time.perf_counter() - start
    gc.disable()
    start = time.perf_counter()
    for update in parsed:
        manager.handle_event(update)
    handle_seconds = time.perf_counter() - start
    gc.enable()
    if manager.store is not None:
        flush_start = time.perf_counter()
        await manager.flush()
        handle_seconds += time.perf_counter() - flush_start  # count the writes as well
        await manager.store.close()
    assert all(not m.is_open for m in manager.orders)
    return len(raw) / (parse_seconds + handle_seconds), len(raw) / handle_seconds


def bench_tracking(count: int) -> tuple[float, float, float]:
    """(MiB for `count` tracked orders with 2 events each, ns per lookup by order id,
    ns per lookup by client id)."""
    manager = OrderManager(offline_exchange())
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    for i in range(count):
        managed = pending_order(i)
        manager._core.registry.register(managed)
        apply = manager._parts.lifecycle.apply
        apply(managed, OrderAccepted(managed.client_order_id, str(4_000_000_000 + i), 1))
        apply(
            managed,
            OrderFilled(managed.client_order_id, i + 1, D("0.004"), D("50000.0"), D("0.004"), 2),
        )
    used = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    rng = random.Random(1)
    order_ids = [str(4_000_000_000 + rng.randrange(count)) for _ in range(100_000)]
    client_ids = [f"om-{rng.randrange(count):032d}" for _ in range(100_000)]
    get = manager.get_order
    start = time.perf_counter()
    for key in order_ids:
        get(key)
    by_order_id = (time.perf_counter() - start) / len(order_ids) * 1e9
    start = time.perf_counter()
    for key in client_ids:
        get(key)
    by_client_id = (time.perf_counter() - start) / len(client_ids) * 1e9
    return used / 2**20, by_order_id, by_client_id


async def bench_store(rows: int, path: Path) -> tuple[float, float]:
    """(order snapshots + events written per second, seconds the caller spent queueing)."""
    store = OrderStore(path)
    await store.open()
    orders = [pending_order(i) for i in range(rows // 2)]
    start = time.perf_counter()
    for i, managed in enumerate(orders):
        store.append_event(
            managed.client_order_id, OrderAccepted(managed.client_order_id, str(i), 1)
        )
        store.save_order(managed)
    queued = time.perf_counter() - start
    await store.flush()
    elapsed = time.perf_counter() - start
    await store.close()
    return (2 * len(orders)) / elapsed, queued


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=100_000, help="orders tracked")
    parser.add_argument(
        "--event-orders",
        type=int,
        default=20_000,
        help="orders in the event stream (3 events each)",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        memory_rate, memory_handler = asyncio.run(bench_events(args.event_orders, None))
        store_rate, store_handler = asyncio.run(
            bench_events(args.event_orders, tmp_path / "events.sqlite")
        )
        small = bench_tracking(1_000)
        large = bench_tracking(args.orders)
        writes, queued = asyncio.run(bench_store(args.orders, tmp_path / "store.sqlite"))
    events = 3 * args.event_orders
    rows = [
        ("stream events/s, parse + apply (no store)", f"{memory_rate:,.0f}"),
        ("stream events/s, apply only (no store)", f"{memory_handler:,.0f}"),
        ("stream events/s, parse + apply + SQLite", f"{store_rate:,.0f}"),
        ("stream events/s, apply + SQLite", f"{store_handler:,.0f}"),
        ("time per event, apply + SQLite (us)", f"{1e6 / store_handler:.1f}"),
        (f"memory, {args.orders:,} orders (MiB)", f"{large[0]:.1f}"),
        ("memory per order (KiB)", f"{large[0] * 1024 / args.orders:.2f}"),
        ("lookup by order id, 1,000 / N orders (ns)", f"{small[1]:.0f} / {large[1]:.0f}"),
        ("lookup by client id, 1,000 / N orders (ns)", f"{small[2]:.0f} / {large[2]:.0f}"),
        ("SQLite store rows written/s", f"{writes:,.0f}"),
        (f"  caller time to queue {args.orders:,} rows (ms)", f"{queued * 1000:.0f}"),
    ]
    width = max(len(name) for name, _ in rows)
    print(f"order manager benchmark ({events:,} stream events, {args.orders:,} tracked orders)")
    print("-" * (width + 16))
    for name, value in rows:
        print(f"{name:<{width}}  {value:>14}")


if __name__ == "__main__":
    main()
