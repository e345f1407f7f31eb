"""The contract of `OrderStorage`, run against every implementation (`conftest.BACKENDS`):
what the order manager relies on, whatever database is behind the store."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from execution.errors import StoreLockedError, StoreUnavailableError
from execution.models import OrderStatus
from execution.orders.managed import OrderRole
from execution.orders.state import OrderAccepted, OrderCanceled, OrderFilled
from execution.store_interface import OrderStorage

from .backends import Backend, make_order


def fill(client_order_id: str, trade_id: int, quantity: str, cumulative: str) -> OrderFilled:
    return OrderFilled(
        client_order_id, trade_id, Decimal(quantity), Decimal("50000.10"), Decimal(cumulative),
        10 + trade_id, commission=Decimal("0.0025"), commission_asset="USDT",
    )


async def test_a_store_is_an_order_storage_at_the_current_version(
    backend: Backend, tmp_path: Path
) -> None:
    store = backend.make(tmp_path)
    assert isinstance(store, OrderStorage)
    await store.open()
    try:
        assert store.schema_version == backend.schema_version
        assert store.healthy
    finally:
        await store.close()


async def test_open_and_close_are_safe_twice_and_a_closed_store_does_not_flush(
    backend: Backend, tmp_path: Path
) -> None:
    store = backend.make(tmp_path)
    with pytest.raises(StoreUnavailableError, match="not open"):
        await store.flush()
    await store.open()
    await store.open()
    await store.flush()
    await store.close()
    await store.close()
    with pytest.raises(StoreUnavailableError, match="not open"):
        await store.flush()


async def test_what_is_queued_before_open_is_committed_once_open(
    backend: Backend, tmp_path: Path
) -> None:
    store = backend.make(tmp_path)
    store.save_order(make_order("early"))
    await store.open()
    try:
        await store.flush()
        assert [m.client_order_id for m in await store.load_orders()] == ["early"]
    finally:
        await store.close()


async def test_a_committed_order_and_its_events_come_back_after_a_restart(
    backend: Backend, tmp_path: Path
) -> None:
    store = backend.make(tmp_path)
    await store.open()
    managed = make_order("c1")
    for event in (OrderAccepted("c1", "99", 1), fill("c1", 5, "0.1", "0.1")):
        managed.apply(event)
        store.append_event("c1", event)
        store.save_order(managed)
    store.append_note("c1", "NOTE", {"why": "a note is not an event"})
    await store.flush()  # commit before send: from here on it survives a restart
    await store.close()

    again = backend.reopen(store)
    await again.open()
    try:
        assert again.location == store.location
        [loaded] = await again.load_orders()
        assert loaded.order == managed.order
        assert loaded.order.price == Decimal("50000.10")
        assert isinstance(loaded.order.quantity, Decimal)
        assert (loaded.strategy_name, loaded.tags, loaded.parent_order_id, loaded.role) == (
            "s1", ("a", "b"), "p1", OrderRole.STOP_LOSS,
        )
        assert loaded.attributes == {"k": "v"} and loaded.trade_ids == {5}
        assert loaded.status is OrderStatus.PARTIALLY_FILLED
        assert loaded.events == managed.events  # the note is in the trail, not an event
    finally:
        await again.close()


async def test_events_come_back_in_the_order_they_were_queued(
    backend: Backend, tmp_path: Path
) -> None:
    store = backend.make(tmp_path)
    await store.open()
    try:
        managed = make_order("c1")
        expected = [OrderAccepted("c1", "99", 1)]
        store.append_event("c1", expected[0])
        batch = [("c1", fill("c1", n, "0.001", str(Decimal("0.001") * n)), n)
                 for n in range(1, 40)]
        expected += [event for _, event, _ in batch]
        store.append_events(batch[:20])
        store.append_note("c1", "BETWEEN", {})
        store.append_events(batch[20:])
        store.append_event("c2", OrderAccepted("c2", "7", 2))  # another order's
        for event in expected:
            managed.apply(event)
        store.save_order(managed)
        await store.flush()
        [loaded] = await store.load_orders()
        assert loaded.events == expected
        assert loaded.trade_ids == set(range(1, 40))
    finally:
        await store.close()


async def test_the_latest_snapshot_wins_and_orders_load_by_submission(
    backend: Backend, tmp_path: Path
) -> None:
    store = backend.make(tmp_path)
    await store.open()
    try:
        late, early = make_order("late", at=2000), make_order("early", at=1000)
        store.save_orders([late, early])
        late.order.status = OrderStatus.NEW
        store.save_order(late)
        await store.flush()
        late.order.status = OrderStatus.CANCELED
        store.save_order(late)
        await store.flush()
        loaded = await store.load_orders()
        assert [m.client_order_id for m in loaded] == ["early", "late"]
        assert loaded[1].status is OrderStatus.CANCELED
    finally:
        await store.close()


async def test_open_only_leaves_out_final_orders_and_final_orders_load_without_events(
    backend: Backend, tmp_path: Path
) -> None:
    store = backend.make(tmp_path)
    await store.open()
    try:
        done, live = make_order("done", at=1), make_order("live", at=2)
        for managed, event in (
            (done, OrderAccepted("done", "1", 1)), (done, OrderCanceled("done", 2)),
            (live, OrderAccepted("live", "2", 3)),
        ):
            managed.apply(event)
            store.append_event(managed.client_order_id, event)
        store.save_orders([done, live])
        await store.flush()
        assert [m.client_order_id for m in await store.load_orders(open_only=True)] == ["live"]
        everything = {m.client_order_id: m for m in await store.load_orders()}
        assert everything["done"].status is OrderStatus.CANCELED
        assert everything["done"].events == []
        assert everything["live"].events == live.events
    finally:
        await store.close()


async def test_an_adopted_snapshot_keeps_what_only_the_placer_knows(
    backend: Backend, tmp_path: Path
) -> None:
    store = backend.make(tmp_path)
    await store.open()
    try:
        placed = make_order("c1", role=OrderRole.TAKE_PROFIT, tags=("mine",))
        store.save_order(placed)
        await store.flush()
        adopted = make_order("c1", adopted=True, role=OrderRole.SINGLE, tags=())
        adopted.parent_order_id, adopted.attributes = None, {}
        adopted.order.status = OrderStatus.NEW
        store.save_order(adopted)
        await store.flush()
        [loaded] = await store.load_orders()
        assert loaded.status is OrderStatus.NEW  # the state is the adopter's news
        assert (loaded.role, loaded.tags, loaded.parent_order_id, loaded.attributes) == (
            OrderRole.TAKE_PROFIT, ("mine",), "p1", {"k": "v"},
        )
        assert loaded.adopted is False
    finally:
        await store.close()


async def test_one_user_at_a_time(backend: Backend, tmp_path: Path) -> None:
    store = backend.make(tmp_path)
    first, second = object(), object()
    await store.open()
    try:
        store.claim(first)
        store.claim(first)  # the holder again: fine
        with pytest.raises(StoreLockedError) as refused:
            store.claim(second)
        assert store.location in str(refused.value)
        store.release(second)  # not the holder: nothing changes
        with pytest.raises(StoreLockedError):
            store.claim(second)
        store.release(first)
        store.claim(second)
    finally:
        await store.close()


def test_two_stores_have_two_locations(backend: Backend, tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    assert backend.make(tmp_path / "a").location != backend.make(tmp_path / "b").location


async def test_an_adopted_snapshot_queued_with_the_placers_keeps_the_placers_fields(
    backend: Backend, tmp_path: Path
) -> None:
    store = backend.make(tmp_path)
    placed = make_order("c1", role=OrderRole.TAKE_PROFIT, tags=("mine",))
    adopted = make_order("c1", adopted=True, role=OrderRole.SINGLE, tags=())
    adopted.order.status = OrderStatus.NEW
    store.save_order(placed)  # both wait for the store to open: one batch
    store.save_order(adopted)
    await store.open()
    try:
        await store.flush()
        [loaded] = await store.load_orders()
        assert (loaded.status, loaded.role, loaded.tags, loaded.adopted) == (
            OrderStatus.NEW, OrderRole.TAKE_PROFIT, ("mine",), False,
        )
    finally:
        await store.close()
