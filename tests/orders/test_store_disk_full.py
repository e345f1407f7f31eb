"""A full disk, for real (a small tmpfs filled with a file): the store keeps what it could
not write and writes it once there is room; a placement is refused before anything is sent;
a bracket's exits are placed anyway, from memory, and persisted later."""

from __future__ import annotations

import asyncio
import contextlib
import errno
import os
import shutil
import subprocess
from collections.abc import Awaitable, Callable, Iterator
from decimal import Decimal
from pathlib import Path

import pytest

from execution.errors import StoreUnavailableError
from execution.exchange.asterdex import AsterDEXExchange
from execution.models import Order, OrderSide, OrderStatus, OrderType
from execution.orders.brackets import BracketStatus
from execution.orders.managed import ManagedOrder, OrderRole
from execution.orders.manager import OrderManager
from execution.simulator import SimulatedExchange
from execution.store import OrderStore

D = Decimal
BTC = "BTCUSDT"
Waiter = Callable[..., Awaitable[None]]


class SmallDisk:
    """A mounted tmpfs that `fill()` fills to the last byte and `free()` empties again."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._filler = path / "filler"

    def _fill(self) -> None:
        with open(self._filler, "ab", buffering=0) as out:
            for chunk in (65536, 4096, 512, 1):
                try:
                    while True:
                        out.write(b"\0" * chunk)
                except OSError as exc:
                    if exc.errno != errno.ENOSPC:
                        raise

    async def fill(self) -> None:
        await asyncio.to_thread(self._fill)
        assert shutil.disk_usage(self.path).free == 0

    async def free(self) -> None:
        await asyncio.to_thread(os.unlink, self._filler)


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[SmallDisk]:
    """A 1 MiB tmpfs on tmp_path/disk (skipped where mounting is not permitted)."""
    mount_point = tmp_path / "disk"
    mount_point.mkdir()
    if shutil.which("mount") is None:
        pytest.skip("no `mount` command: a real full disk cannot be made here")
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mount_point)],
        capture_output=True, text=True, check=False,
    )
    if done.returncode != 0:
        pytest.skip(f"mounting a tmpfs is not permitted here (needs root): {done.stderr.strip()}")
    try:
        yield SmallDisk(mount_point)
    finally:
        subprocess.run(["umount", "-l", str(mount_point)], check=False)


def _order(client_order_id: str) -> ManagedOrder:
    return ManagedOrder(
        Order(BTC, OrderSide.BUY, OrderType.LIMIT, D("0.010"), client_order_id,
              price=D("49000")),
        submitted_at=1,
    )



async def watched_manager(
    exchange: AsterDEXExchange, folder: Path
) -> tuple[OrderManager, list[str], list[str]]:
    """A started manager on `folder`/orders.sqlite and the client ids its `store_failed`
    and `store_recovered` callbacks were given."""
    manager = OrderManager(exchange, folder / "orders.sqlite", poll_interval=0.1)
    await manager.start()
    assert manager.store is not None
    failed: list[str] = []
    recovered: list[str] = []
    manager.on("store_failed", lambda m: failed.append(m.client_order_id))
    manager.on("store_recovered", lambda m: recovered.append(m.client_order_id))
    return manager, failed, recovered

async def test_the_store_keeps_what_a_full_disk_refused_and_writes_it_when_there_is_room(
    small_disk: SmallDisk,
) -> None:
    store = OrderStore(small_disk.path / "orders.sqlite")
    await store.open()
    try:
        await small_disk.fill()
        store.save_order(_order("kept-1"))
        with pytest.raises(StoreUnavailableError):
            await store.flush()
        assert not store.healthy and store.last_error is not None
        store.save_order(_order("kept-2"))  # the writer is alive and still takes work
        with pytest.raises(StoreUnavailableError):
            await store.flush()
        await small_disk.free()
        await store.flush()  # a flush retries at once
        assert store.healthy
        stored = [m.client_order_id for m in await store.query_orders()]
        assert stored == ["kept-1", "kept-2"]
    finally:
        await store.close()


async def test_closing_on_a_full_disk_gives_up_in_time_and_says_what_was_not_written(
    small_disk: SmallDisk,
) -> None:
    path = small_disk.path / "orders.sqlite"
    store = OrderStore(path, close_timeout=0.3)
    await store.open()
    await small_disk.fill()
    store.save_order(_order("never-written"))
    with pytest.raises(StoreUnavailableError, match="never-written"):
        await asyncio.wait_for(store.close(), timeout=60)
    await small_disk.free()
    async with OrderStore(path) as again:  # closed for good: the file is free again
        assert await again.query_orders() == []


def _order_posts(simulator: SimulatedExchange, since: int) -> list[str]:
    return [
        r.path for r in list(simulator.request_log)[since:]
        if r.method == "POST" and r.path.endswith(("/order", "/batchOrders"))
    ]


async def test_a_full_disk_refuses_placements_before_sending_and_they_work_again_after(
    small_disk: SmallDisk,
    simulator: SimulatedExchange,
    exchange: AsterDEXExchange,
    wait_for: Waiter,
) -> None:
    manager, failed, recovered = await watched_manager(exchange, small_disk.path)
    try:
        await small_disk.fill()
        before = len(simulator.request_log)
        with pytest.raises(StoreUnavailableError):
            await manager.place_limit_order(
                BTC, OrderSide.BUY, "0.01", "49000", client_order_id="om-refused-limit"
            )
        with pytest.raises(StoreUnavailableError):
            await manager.place_bracket_order(
                BTC, OrderSide.BUY, "0.01", stop_loss_price="49000",
                take_profit_price="51000", client_order_id="om-refused-bracket",
            )
        assert _order_posts(simulator, before) == []  # nothing sent
        assert manager.orders == [] and manager.open_orders() == []  # no phantom
        assert manager.brackets == {}
        assert await exchange.get_open_orders(BTC) == []
        assert failed == ["om-refused-limit", "om-refused-bracket"]
        assert not manager.store.healthy

        await small_disk.free()
        placed = await manager.place_limit_order(BTC, OrderSide.BUY, "0.01", "49000")
        assert placed.status is OrderStatus.NEW
        # The same client id can be used now that it was never sent.
        again = await manager.place_limit_order(
            BTC, OrderSide.BUY, "0.01", "48000", client_order_id="om-refused-limit"
        )
        assert again.status is OrderStatus.NEW
        assert manager.store.healthy
        await wait_for(lambda: sorted(recovered) == sorted(failed), 30)
        await manager.flush()
        stored = {m.client_order_id: m for m in await manager.store.query_orders()}
        assert stored[placed.client_order_id].status is OrderStatus.NEW
        assert stored["om-refused-limit"].status is OrderStatus.NEW
        refused = stored["om-refused-bracket"]  # recorded as what it was: never sent
        assert refused.status is OrderStatus.REJECTED and refused.rejected_locally
    finally:
        await manager.stop()


async def test_a_bracket_filled_while_the_disk_is_full_still_gets_its_exits(
    small_disk: SmallDisk,
    simulator: SimulatedExchange,
    exchange: AsterDEXExchange,
    wait_for: Waiter,
) -> None:
    path = small_disk.path / "orders.sqlite"
    manager, failed, recovered = await watched_manager(exchange, small_disk.path)
    try:
        bracket = await manager.place_bracket_order(
            BTC, OrderSide.BUY, "0.010", entry_price="49900", stop_loss_price="49000",
            take_profit_price="51000",
        )
        entry = bracket.entry
        assert entry.status is OrderStatus.NEW
        await small_disk.fill()
        simulator.fill_order(BTC, client_order_id=entry.client_order_id)
        await wait_for(lambda: all(
            leg is not None and leg.status is OrderStatus.NEW
            for leg in (bracket.stop_loss, bracket.take_profit)
        ), 30)
        assert bracket.stop_loss is not None and bracket.take_profit is not None
        exits = {bracket.stop_loss.client_order_id, bracket.take_profit.client_order_id}
        on_exchange = {o.client_order_id: o for o in await exchange.get_open_orders(BTC)}
        assert set(on_exchange) == exits
        assert all(o.quantity == D("0.010") and o.reduce_only for o in on_exchange.values())
        assert bracket.status is BracketStatus.ACTIVE
        assert set(failed) == exits and not manager.store.healthy

        await small_disk.free()
        await wait_for(lambda: manager.store is not None and manager.store.healthy, 30)
        await wait_for(lambda: set(recovered) == exits, 30)
        await manager.flush()
        stored = {m.client_order_id: m for m in await manager.store.query_orders()}
        assert stored[entry.client_order_id].status is OrderStatus.FILLED
        for client_order_id in exits:
            row = stored[client_order_id]
            assert row.status is OrderStatus.NEW
            assert row.parent_order_id == entry.client_order_id
            assert row.role in (OrderRole.STOP_LOSS, OrderRole.TAKE_PROFIT)
    finally:
        await manager.stop()

    # After a restart the bracket is whole again, from the store.
    restarted = OrderManager(exchange, path, poll_interval=0.1)
    report = await restarted.start()
    try:
        rebuilt = restarted.brackets[entry.client_order_id]
        assert rebuilt.stop_loss is not None and rebuilt.take_profit is not None
        assert {rebuilt.stop_loss.client_order_id, rebuilt.take_profit.client_order_id} == exits
        assert report.adopted == []
    finally:
        await restarted.stop()


async def test_a_manager_stopping_on_a_full_disk_does_not_hang_and_says_what_was_lost(
    small_disk: SmallDisk, simulator: SimulatedExchange, exchange: AsterDEXExchange,
) -> None:
    store = OrderStore(small_disk.path / "orders.sqlite", close_timeout=0.3)
    manager = OrderManager(exchange, store, poll_interval=0.1)
    await manager.start()
    order = await manager.place_limit_order(BTC, OrderSide.BUY, "0.01", "49000")
    await small_disk.fill()
    await manager.cancel_order(order.client_order_id)  # its events cannot be written
    with pytest.raises(StoreUnavailableError):
        await asyncio.wait_for(manager.stop(), timeout=60)
    with pytest.raises(StoreUnavailableError, match=order.client_order_id):
        await asyncio.wait_for(store.close(), timeout=60)


async def test_a_position_can_be_flattened_while_the_disk_is_full(
    small_disk: SmallDisk, exchange: AsterDEXExchange, wait_for: Waiter,
) -> None:
    manager = OrderManager(exchange, small_disk.path / "orders.sqlite", poll_interval=0.1)
    await manager.start()
    assert manager.store is not None
    recovered: list[str] = []
    manager.on("store_recovered", lambda m: recovered.append(m.client_order_id))
    try:
        entry = await manager.place_market_order(BTC, OrderSide.BUY, "0.01")
        await wait_for(lambda: entry.status is OrderStatus.FILLED)
        await small_disk.fill()
        (close,) = await manager.close_position(BTC)
        assert close.status is OrderStatus.FILLED and close.order.reduce_only
        assert [p for p in await exchange.get_positions(BTC) if p.quantity] == []
        await small_disk.free()
        await wait_for(lambda: recovered == [close.client_order_id], 30)
        await manager.flush()
        stored = {m.client_order_id: m for m in await manager.store.query_orders()}
        assert stored[close.client_order_id].status is OrderStatus.FILLED
    finally:
        await manager.stop()


async def test_a_modify_while_the_disk_is_full_leaves_the_order_working(
    small_disk: SmallDisk, exchange: AsterDEXExchange, simulator: SimulatedExchange,
) -> None:
    """Cancel-and-replace would cancel the original and then have its replacement refused
    (it cannot be committed): the modify is refused first and the original stays live."""
    manager = OrderManager(exchange, small_disk.path / "orders.sqlite", poll_interval=0.1)
    await manager.start()
    try:
        working = await manager.place_limit_order(BTC, OrderSide.BUY, "0.01", "49000")
        await small_disk.fill()
        with pytest.raises(StoreUnavailableError):
            await manager.modify_order(working.client_order_id, new_price="48500")
        assert working.status is OrderStatus.NEW
        live = await exchange.get_open_orders(BTC)
        assert [o.client_order_id for o in live] == [working.client_order_id]
        await small_disk.free()
    finally:
        await manager.stop()


async def test_exits_sent_from_memory_are_found_after_a_crash_even_once_ended(
    small_disk: SmallDisk, simulator: SimulatedExchange, exchange: AsterDEXExchange,
    wait_for: Waiter,
) -> None:
    """The entry fills while the disk is full: its exits go out from memory; the process
    then dies before the store can write them. The next manager on the file finds them in
    the exchange's order history, the one the exchange already cancelled too."""
    path = small_disk.path / "orders.sqlite"
    store = OrderStore(path, close_timeout=0.5)
    manager = OrderManager(exchange, store, poll_interval=0.1)
    await manager.start()
    bracket = await manager.place_bracket_order(
        BTC, OrderSide.BUY, "0.010", entry_price="49900", stop_loss_price="49000",
        take_profit_price="51000",
    )
    await small_disk.fill()
    simulator.fill_order(BTC, client_order_id=bracket.entry.client_order_id)
    await wait_for(lambda: bracket.stop_loss is not None and bracket.take_profit is not None
                   and bracket.take_profit.status is OrderStatus.NEW, 30)
    assert bracket.stop_loss is not None and bracket.take_profit is not None
    stop_id = bracket.stop_loss.client_order_id
    take_profit_id = bracket.take_profit.client_order_id
    with contextlib.suppress(StoreUnavailableError):
        await manager.stop()
    with pytest.raises(StoreUnavailableError):  # what a crash would leave: nothing written
        await store.close()
    await exchange.cancel_order(None, BTC, client_order_id=take_profit_id)  # ended meanwhile
    await small_disk.free()

    async with OrderManager(exchange, path, poll_interval=0.1) as again:
        assert again.last_reconciliation is not None
        assert {stop_id, take_profit_id} <= set(again.last_reconciliation.adopted)
        stop = again.get_order(stop_id)
        take_profit = again.get_order(take_profit_id)
        assert stop is not None and stop.status is OrderStatus.NEW
        assert take_profit is not None and take_profit.status is OrderStatus.CANCELED
        await again.flush()
        assert again.store is not None
        stored = {m.client_order_id for m in await again.store.query_orders()}
        assert {stop_id, take_profit_id} <= stored


async def test_a_native_bracket_refused_by_a_full_disk_leaves_no_exit_in_flight(
    small_disk: SmallDisk, simulator: SimulatedExchange,
) -> None:
    """v3: a native bracket registers its exits with its entry. Refused by a full disk,
    the exits are recorded as never sent too (before, they were written once the disk
    freed as PENDING_NEW orders that never existed: the fault soak's mismatches)."""
    from execution.simulator.testing import credentials_for

    simulator.set_price(BTC, D("50000"))
    async with AsterDEXExchange(credentials_for(simulator, "eip712"),
                                rest_urls=simulator.rest_urls, ws_url=simulator.ws_url,
                                dotenv_path=None) as v3:
        manager, _, _ = await watched_manager(v3, small_disk.path)
        try:
            await small_disk.fill()
            with pytest.raises(StoreUnavailableError):
                await manager.place_bracket_order(
                    BTC, OrderSide.BUY, "0.01", entry_price="49000", stop_loss_price="47000",
                    take_profit_price="53000", client_order_id="om-refused-native")
            assert not [r for r in simulator.request_log
                        if r.path.endswith("placeStrategyOrder")]
            await small_disk.free()
            await manager.flush()
            stored = await manager.store.query_orders()  # type: ignore[union-attr]
            assert {m.role: m.status for m in stored} == {
                OrderRole.ENTRY: OrderStatus.REJECTED,
                OrderRole.STOP_LOSS: OrderStatus.REJECTED,
                OrderRole.TAKE_PROFIT: OrderStatus.REJECTED,
            }
        finally:
            await manager.stop()
