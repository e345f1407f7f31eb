"""How the store writes: the event JSON written directly, many rows a statement, orders
updated in place, and the order of the audit trail kept."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from execution.models import Order, OrderSide, OrderStatus, OrderType
from execution.orders.managed import ManagedOrder
from execution.orders.recorder import OrderRecorder
from execution.orders.state import (
    OrderAccepted,
    OrderCanceled,
    OrderCancelRejected,
    OrderCancelRequested,
    OrderEvent,
    OrderExpired,
    OrderFilled,
    OrderRejected,
)
from execution.store import ROWS_PER_STATEMENT, OrderStore, event_json, event_payload

texts = st.text(max_size=40)
decimals = st.decimals(allow_nan=False, allow_infinity=False, places=8)
stamps = st.integers(min_value=0, max_value=2**62)
events: st.SearchStrategy[OrderEvent] = st.one_of(
    st.builds(OrderAccepted, texts, texts, stamps),
    st.builds(OrderRejected, texts, texts, stamps),
    st.builds(OrderCancelRejected, texts, texts, stamps),
    st.builds(OrderCancelRequested, texts, stamps),
    st.builds(OrderCanceled, texts, stamps),
    st.builds(OrderExpired, texts, stamps),
    st.builds(
        OrderFilled, texts, st.integers(min_value=0, max_value=2**62), decimals, decimals,
        decimals, stamps, st.none() | decimals, decimals, texts, decimals,
    ),
)


@given(events)
def test_event_json_is_the_generic_encoding(event: OrderEvent) -> None:
    assert event_json(event) == json.dumps(event_payload(event), default=str)


def order(client_order_id: str) -> ManagedOrder:
    return ManagedOrder(
        Order("BTCUSDT", OrderSide.BUY, OrderType.LIMIT, Decimal("0.010"), client_order_id,
              price=Decimal("50000")),
        strategy_name="s",
        submitted_at=1,
    )


async def test_many_events_keep_their_order_and_orders_update_in_place(tmp_path: Path) -> None:
    count = ROWS_PER_STATEMENT * 2 + 7  # whole statements and a remainder
    async with OrderStore(tmp_path / "orders.sqlite") as store:
        managed = [order(f"c{i}") for i in range(count)]
        store.save_orders(managed)
        store.append_events(
            [(m.client_order_id, OrderAccepted(m.client_order_id, str(i), i), 5)
             for i, m in enumerate(managed)]
        )
        await store.flush()
        for i, m in enumerate(managed):
            m.apply(OrderAccepted(m.client_order_id, str(i), i))
        store.save_orders(managed)
        store.append_event("c0", OrderCanceled("c0", 9))
        store.append_note("c0", "NOTE", {"why": Decimal("1.5")})
        await store.flush()
        assert store.writes == 2 * count + count + 2
        trail = await store.query_events()
        assert [e.client_order_id for e in trail[:count]] == [m.client_order_id for m in managed]
        assert [e.seq for e in trail] == sorted(e.seq for e in trail)
        assert trail[0].event == OrderAccepted("c0", "0", 0)
        assert (trail[-2].kind, trail[-1].kind, trail[-1].payload) == (
            "OrderCanceled", "NOTE", {"why": "1.5"}
        )
        stored = await store.query_orders(status=OrderStatus.NEW)
        assert len(stored) == count and stored[3].order_id == "3"
        assert (stored[3].strategy_name, stored[3].submitted_at) == ("s", 1)


async def test_recorder_keeps_events_and_notes_in_order(tmp_path: Path) -> None:
    async with OrderStore(tmp_path / "orders.sqlite") as store:
        recorder = OrderRecorder(store)
        managed = order("a")
        recorder.record(managed)
        for event in (OrderAccepted("a", "1", 1), OrderCancelRequested("a", 2)):
            managed.apply(event)
            recorder.event(managed, event)
        recorder.note(managed, "BETWEEN", {})
        managed.apply(OrderCanceled("a", 3))
        recorder.event(managed, OrderCanceled("a", 3))
        await recorder.flush()
        kinds = [e.kind for e in await store.query_events("a")]
        assert kinds == ["OrderAccepted", "OrderCancelRequested", "BETWEEN", "OrderCanceled"]
        (row,) = await store.query_orders()
        assert row.status is OrderStatus.CANCELED
