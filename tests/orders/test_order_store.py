"""The SQLite order store on a real file: write, reopen, read back, query."""

from __future__ import annotations

import sqlite3
from decimal import Decimal
from pathlib import Path

from execution.models import Order, OrderSide, OrderStatus, OrderType, TimeInForce
from execution.orders.managed import ManagedOrder, OrderRole
from execution.orders.state import OrderAccepted, OrderFilled
from execution.store import OrderStore


def make(
    cid: str, *, strategy: str = "s1", symbol: str = "BTCUSDT", at: int = 1000
) -> ManagedOrder:
    order = Order(
        symbol,
        OrderSide.BUY,
        OrderType.LIMIT,
        Decimal("0.123"),
        cid,
        price=Decimal("50000.1"),
        time_in_force=TimeInForce.GTC,
    )
    return ManagedOrder(
        order,
        strategy_name=strategy,
        tags=("a", "b"),
        parent_order_id="p1",
        role=OrderRole.STOP_LOSS,
        submitted_at=at,
        attributes={"k": "v"},
    )


async def test_roundtrip_after_reopen(tmp_path: Path) -> None:
    path = tmp_path / "orders.sqlite"
    store = OrderStore(path)
    await store.open()
    m = make("c1")
    for event in (
        OrderAccepted("c1", "99", 1),
        OrderFilled(
            "c1",
            5,
            Decimal("0.1"),
            Decimal("50000.1"),
            Decimal("0.1"),
            2,
            commission=Decimal("0.0025"),
            commission_asset="USDT",
        ),
    ):
        m.apply(event)
        store.append_event("c1", event)
        store.save_order(m)
    store.append_note("c1", "NOTE", {"why": "test"})
    await store.close()

    reopened = OrderStore(path)
    await reopened.open()
    [loaded] = await reopened.load_orders()
    assert loaded.order == m.order
    assert loaded.order.price == Decimal("50000.1") and isinstance(loaded.order.price, Decimal)
    assert (loaded.strategy_name, loaded.tags, loaded.parent_order_id, loaded.role) == (
        "s1",
        ("a", "b"),
        "p1",
        OrderRole.STOP_LOSS,
    )
    assert loaded.trade_ids == {5} and loaded.attributes == {"k": "v"}
    assert loaded.status is OrderStatus.PARTIALLY_FILLED
    assert loaded.events == m.events  # the events of an open order come back
    trail = await reopened.query_events("c1")
    assert [e.kind for e in trail] == ["OrderAccepted", "OrderFilled", "NOTE"]
    assert trail[1].event == m.events[1]
    await reopened.close()


async def test_money_is_text_and_wal(tmp_path: Path) -> None:
    path = tmp_path / "orders.sqlite"
    async with OrderStore(path) as store:
        store.save_order(make("c1"))
        await store.flush()
    connection = sqlite3.connect(path)
    assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    types = connection.execute(
        "SELECT typeof(quantity), typeof(price), typeof(commission) FROM orders"
    ).fetchone()
    assert types == ("text", "text", "text")
    connection.close()


async def test_queries(tmp_path: Path) -> None:
    async with OrderStore(tmp_path / "o.sqlite") as store:
        for i in range(10):
            m = make(
                f"c{i}",
                strategy="even" if i % 2 == 0 else "odd",
                symbol="ETHUSDT" if i < 3 else "BTCUSDT",
                at=1000 + i,
            )
            if i % 3 == 0:
                m.order.status = OrderStatus.CANCELED
            store.save_order(m)
        await store.flush()
        assert len(await store.query_orders(strategy_name="even")) == 5
        assert len(await store.query_orders(symbol="ETHUSDT")) == 3
        assert len(await store.query_orders(status=OrderStatus.CANCELED)) == 4
        window = await store.query_orders(since=1002, until=1004)
        assert [m.client_order_id for m in window] == ["c2", "c3", "c4"]
        both = await store.query_orders(strategy_name="odd", status=[OrderStatus.PENDING_NEW])
        assert {m.client_order_id for m in both} == {"c1", "c5", "c7"}
        assert len(await store.load_orders(open_only=True)) == 6


async def test_latest_snapshot_wins_within_a_batch(tmp_path: Path) -> None:
    async with OrderStore(tmp_path / "o.sqlite") as store:
        m = make("c1")
        store.save_order(m)
        m.order.status = OrderStatus.NEW
        store.save_order(m)
        await store.flush()
        [loaded] = await store.query_orders()
        assert loaded.status is OrderStatus.NEW
