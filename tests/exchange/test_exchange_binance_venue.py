"""The Binance venue: conditional orders are refused before anything is sent (Binance takes
them only through its algo-order API since 2025-12-09, which this client does not speak);
plain orders go through. Driven against the simulator with the Binance client's paths."""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from execution.errors import ValidationError
from execution.exchange.asterdex import AsterDEXExchange
from execution.models import OrderSide, OrderStatus, OrderType
from execution.orders.manager import OrderManager
from execution.simulator import SimulatedExchange

D = Decimal
BTC = "BTCUSDT"
CONDITIONAL = [order_type for order_type in OrderType if order_type.is_conditional]


@pytest_asyncio.fixture
async def binance_client(
    simulator: SimulatedExchange, make_client: Any
) -> AsyncIterator[AsterDEXExchange]:
    async with make_client(simulator, "hmac", venue="binance") as client:
        yield client


def _order_requests(simulator: SimulatedExchange) -> list[str]:
    return [r.path for r in simulator.request_log if r.path.endswith("/order")]


@pytest.mark.parametrize("order_type", CONDITIONAL)
async def test_conditional_orders_are_refused_before_sending(
    binance_client: AsterDEXExchange, simulator: SimulatedExchange, order_type: OrderType
) -> None:
    with pytest.raises(ValidationError) as raised:
        await binance_client.create_order(
            BTC, OrderSide.SELL, order_type, D("0.01"), price=D("45000"),
            stop_price=D("45000"), callback_rate=D("1"),
        )
    assert raised.value.field == "order_type" and "algo-order API" in str(raised.value)
    assert _order_requests(simulator) == []


async def test_plain_orders_go_through(
    binance_client: AsterDEXExchange, simulator: SimulatedExchange
) -> None:
    order = await binance_client.create_order(BTC, OrderSide.BUY, OrderType.LIMIT, D("0.01"),
                                              price=D("45000"))
    assert order.status is OrderStatus.NEW
    assert simulator.orders_created(order.client_order_id) == 1


async def test_a_bracket_is_refused_before_its_entry_is_sent(
    binance_client: AsterDEXExchange, simulator: SimulatedExchange, tmp_path: Path
) -> None:
    async with OrderManager(binance_client, tmp_path / "orders.sqlite") as manager:
        with pytest.raises(ValidationError):
            await manager.place_bracket_order(
                BTC, OrderSide.BUY, D("0.01"), entry_price=D("49000"),
                stop_loss_price=D("48000"), take_profit_price=D("51000"),
            )
        with pytest.raises(ValidationError):
            await manager.place_stop_loss_order(BTC, OrderSide.SELL, D("0.01"), D("48000"))
        assert manager.orders == []
    assert _order_requests(simulator) == []
