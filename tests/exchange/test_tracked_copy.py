"""`copy_order`: the tracked copy of an order is equal to it and independent of it."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

from execution.exchange.tracked import TrackedOrders, copy_order
from execution.models import Order, OrderSide, OrderStatus, OrderType, PositionSide


def _order() -> Order:
    return Order(
        "BTCUSDT", OrderSide.SELL, OrderType.STOP_LOSS, Decimal("0.010"), "x-copy-1", "42",
        stop_price=Decimal("48000.5"), status=OrderStatus.NEW, reduce_only=True,
        position_side=PositionSide.BOTH, commission=Decimal("0.01"), created_at=1, updated_at=2,
    )


def test_copy_keeps_every_field() -> None:
    order = _order()
    copied = copy_order(order)
    assert copied == order and copied is not order
    for field in dataclasses.fields(Order):
        assert getattr(copied, field.name) == getattr(order, field.name), field.name


def test_tracked_state_does_not_follow_the_callers_object() -> None:
    tracked = TrackedOrders()
    order = _order()
    tracked.track(order)
    order.status = OrderStatus.FILLED
    assert tracked.snapshot()["x-copy-1"].status is OrderStatus.NEW
    assert tracked.open_orders()[0].client_order_id == "x-copy-1"


def test_subclass_copied_with_its_own_fields() -> None:
    @dataclasses.dataclass(slots=True)
    class Tagged(Order):
        tag: str = ""

    order = Tagged("BTCUSDT", OrderSide.BUY, OrderType.LIMIT, Decimal("1"), "x-copy-2", tag="t")
    copied = copy_order(order)
    assert isinstance(copied, Tagged) and copied.tag == "t" and copied == order
