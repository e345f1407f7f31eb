"""One manager a store file: an OS lock held for the store's lifetime (in this process or
another, released when the holder closes or dies), and a stored row that an adoption by
someone else never rewrites."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Awaitable, Callable
from decimal import Decimal
from pathlib import Path

import pytest

from execution.errors import StoreLockedError
from execution.exchange.asterdex import AsterDEXExchange
from execution.models import Order, OrderSide, OrderStatus, OrderType
from execution.orders.managed import ManagedOrder, OrderRole
from execution.orders.manager import OrderManager
from execution.store import OrderStore

D = Decimal
BTC = "BTCUSDT"
Waiter = Callable[..., Awaitable[None]]

_HOLDER = """
import asyncio, sys
from execution.store import OrderStore

async def main() -> None:
    async with OrderStore(sys.argv[1]):
        print("ready", flush=True)
        await asyncio.sleep(600)

asyncio.run(main())
"""


async def test_a_second_store_on_the_file_in_this_process_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "orders.sqlite"
    async with OrderStore(path):
        second = OrderStore(path)
        with pytest.raises(StoreLockedError) as refused:
            await second.open()
        assert str(path) in str(refused.value)
        assert refused.value.owner_pid == os.getpid()
        assert str(os.getpid()) in str(refused.value)
    async with OrderStore(path):  # released on close
        pass


async def test_a_store_held_by_another_process_is_refused_until_that_process_dies(
    tmp_path: Path,
) -> None:
    path = tmp_path / "orders.sqlite"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    holder = await asyncio.create_subprocess_exec(
        sys.executable, "-c", _HOLDER, str(path), stdout=asyncio.subprocess.PIPE, env=env
    )
    try:
        assert holder.stdout is not None
        assert (await asyncio.wait_for(holder.stdout.readline(), 60)).strip() == b"ready"
        with pytest.raises(StoreLockedError) as refused:
            await OrderStore(path).open()
        assert refused.value.owner_pid == holder.pid
        assert f"process {holder.pid}" in str(refused.value)
    finally:
        holder.kill()  # SIGKILL: the holder never closes; the OS releases the lock
        await holder.wait()
    async with OrderStore(path):
        pass


async def test_a_second_manager_on_one_store_file_is_refused(
    exchange: AsterDEXExchange, tmp_path: Path
) -> None:
    path = tmp_path / "orders.sqlite"
    first = OrderManager(exchange, path, poll_interval=0.1)
    await first.start()
    try:
        second = OrderManager(exchange, path, poll_interval=0.1)
        with pytest.raises(StoreLockedError):
            await second.start()
        await second.stop()  # nothing to stop; it never held the file
        order = await first.place_limit_order(BTC, OrderSide.BUY, "0.01", "49000")
        assert order.status is OrderStatus.NEW  # the first one is unaffected
    finally:
        await first.stop()
    # The file is free again once the first manager stopped.
    third = OrderManager(exchange, path, poll_interval=0.1)
    await third.start()
    await third.stop()


async def test_two_managers_sharing_one_store_object_are_refused(
    exchange: AsterDEXExchange, tmp_path: Path
) -> None:
    store = OrderStore(tmp_path / "orders.sqlite")
    first = OrderManager(exchange, store, poll_interval=0.1)
    await first.start()
    try:
        with pytest.raises(StoreLockedError):
            await OrderManager(exchange, store, poll_interval=0.1).start()
    finally:
        await first.stop()
    second = OrderManager(exchange, store, poll_interval=0.1)  # the first let it go
    await second.start()
    await second.stop()
    await store.close()


async def test_an_adopted_snapshot_never_rewrites_what_the_placer_stored(
    tmp_path: Path,
) -> None:
    client_order_id = "om-entry-of-a-bracket"
    order = Order(BTC, OrderSide.BUY, OrderType.LIMIT, D("0.010"), client_order_id,
                  price=D("49900"))
    entry = ManagedOrder(
        order, strategy_name="s", tags=("t",), role=OrderRole.ENTRY, parent_order_id=None,
        attributes={"stop_loss_price": "49000", "take_profit_price": "51000"},
        submitted_at=1,
    )
    exit_order = ManagedOrder(
        Order(BTC, OrderSide.SELL, OrderType.STOP_LOSS, D("0.010"), "om-its-stop",
              stop_price=D("49000"), reduce_only=True),
        role=OrderRole.STOP_LOSS, parent_order_id=client_order_id, replaces="om-old-stop",
        submitted_at=2,
    )
    async with OrderStore(tmp_path / "orders.sqlite") as store:
        store.save_orders([entry, exit_order])
        await store.flush()
        # What someone who found them on the exchange would write: adopted SINGLEs.
        for placed in (entry, exit_order):
            adopted = ManagedOrder(
                Order(BTC, placed.order.side, placed.order.order_type, D("0.010"),
                      placed.client_order_id, status=OrderStatus.FILLED,
                      filled_quantity=D("0.010")),
                tags=("adopted",), adopted=True, submitted_at=99,
            )
            store.save_order(adopted)
        await store.flush()
        stored = {m.client_order_id: m for m in await store.query_orders()}
    for placed in (entry, exit_order):
        row = stored[placed.client_order_id]
        assert (row.role, row.parent_order_id, row.tags, row.attributes, row.adopted,
                row.replaces, row.submitted_at) == (
            placed.role, placed.parent_order_id, placed.tags, placed.attributes, False,
            placed.replaces, placed.submitted_at,
        )
        assert row.status is OrderStatus.FILLED  # the state follows the exchange
