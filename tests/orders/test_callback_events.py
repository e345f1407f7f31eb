"""Callback event names are an enum; its members and their strings both work."""

from __future__ import annotations

from decimal import Decimal

import pytest

from execution import CallbackEvent
from execution.errors import ValidationError
from execution.models import OrderSide
from execution.orders.callbacks import CALLBACK_EVENTS
from execution.orders.managed import ManagedOrder
from execution.orders.manager import OrderManager


def test_the_enum_names_every_event() -> None:
    assert {event.value for event in CallbackEvent} == CALLBACK_EVENTS
    assert CallbackEvent.ORDER_FILLED == "order_filled"


async def test_a_callback_registered_by_the_enum_or_its_string_hears_a_fill(
    manager: OrderManager,
) -> None:
    by_enum: list[ManagedOrder] = []
    by_name: list[ManagedOrder] = []
    manager.on(CallbackEvent.ORDER_FILLED, by_enum.append)
    manager.on("order_filled", by_name.append)
    filled = await manager.place_market_order("BTCUSDT", OrderSide.BUY, Decimal("0.01"))
    assert by_enum == by_name == [filled]
    with pytest.raises(ValidationError):
        manager.on("order_fill", by_name.append)
