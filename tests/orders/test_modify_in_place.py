"""Modify in place (PUT order) where the venue and the credentials can: the same ids, no
moment with neither order live; checked like a new order; never sent twice, an unknown
answer settled by reading the order back. Under HMAC (no PUT in the v1 API) the manager
still cancels and replaces."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from decimal import Decimal as D
from pathlib import Path

import pytest
import pytest_asyncio

from execution.errors import OrderStatusUnknownError, ValidationError
from execution.exchange.asterdex import AsterDEXExchange
from execution.models import OrderSide, OrderStatus
from execution.orders.manager import OrderManager
from execution.simulator import SimulatedExchange
from execution.simulator.testing import credentials_for

BTC = "BTCUSDT"


def requests(sim: SimulatedExchange, method: str) -> int:
    return sum(1 for r in sim.request_log if r.method == method and r.path.endswith("/order"))


@pytest_asyncio.fixture
async def v3_manager(simulator: SimulatedExchange, tmp_path: Path) -> AsyncIterator[OrderManager]:
    simulator.set_price(BTC, D("50000"))
    client = AsterDEXExchange(credentials_for(simulator, "eip712"), rest_urls=simulator.rest_urls,
                              ws_url=simulator.ws_url, dotenv_path=None)
    async with client, OrderManager(client, tmp_path / "orders.sqlite") as manager:
        yield manager


async def test_a_limit_order_is_modified_under_its_own_ids(
    v3_manager: OrderManager, simulator: SimulatedExchange,
) -> None:
    order = await v3_manager.place_limit_order(BTC, OrderSide.BUY, D("0.01"), D("45000"))
    order_id = order.order_id
    result = await v3_manager.modify_order(order.client_order_id, new_price=D("45500.04"),
                                           new_quantity=D("0.02"))
    assert result is order and order.order_id == order_id and order.is_open
    assert order.order.price == D("45500") and order.order.quantity == D("0.02")
    assert [str(n) for n in order.rounded] == [
        "price 45500.04 rounded down to 45500 (tick size 0.1; a BUY rounds down: never a "
        "worse price, never a looser stop)"]
    assert requests(simulator, "PUT") == 1 and requests(simulator, "DELETE") == 0
    (listed,) = await v3_manager.exchange.get_open_orders(BTC)
    assert (listed.order_id, listed.price, listed.quantity) == (order_id, D("45500"), D("0.02"))
    await v3_manager.flush()
    assert v3_manager.store is not None
    (stored,) = [m for m in await v3_manager.store.load_orders()
                 if m.client_order_id == order.client_order_id]
    assert stored.order.price == D("45500") and stored.order.quantity == D("0.02")


async def test_a_modify_that_breaks_a_rule_sends_nothing(
    v3_manager: OrderManager, simulator: SimulatedExchange,
) -> None:
    order = await v3_manager.place_limit_order(BTC, OrderSide.BUY, D("0.01"), D("45000"))
    with pytest.raises(ValidationError):
        await v3_manager.modify_order(order.client_order_id, new_quantity=D("0.0001"))
    with pytest.raises(ValidationError):
        await v3_manager.modify_order(order.client_order_id, new_price=D("-1"))
    assert requests(simulator, "PUT") == 0
    assert order.order.price == D("45000") and order.status is OrderStatus.NEW


@pytest.mark.parametrize("executed", [False, True], ids=["not-done", "done-late"])
async def test_an_unknown_modify_is_read_back_never_sent_twice(
    v3_manager: OrderManager, simulator: SimulatedExchange, executed: bool,
) -> None:
    order = await v3_manager.place_limit_order(BTC, OrderSide.BUY, D("0.01"), D("45000"))
    simulator.faults.fail_requests(count=1, status=503, code=-1007, execute=executed,
                                   path="order", method="PUT")
    if executed:
        result = await v3_manager.modify_order(order.client_order_id, new_price=D("44000"))
        assert result is order and order.order.price == D("44000")
    else:
        with pytest.raises(OrderStatusUnknownError):
            await v3_manager.modify_order(order.client_order_id, new_price=D("44000"))
        assert order.order.price == D("45000") and order.is_open
    assert requests(simulator, "PUT") == 1


async def test_under_hmac_a_modify_is_still_a_cancel_and_replace(
    manager: OrderManager, simulator: SimulatedExchange,
) -> None:
    simulator.set_price(BTC, D("50000"))
    order = await manager.place_limit_order(BTC, OrderSide.BUY, D("0.01"), D("45000"))
    replacement = await manager.modify_order(order.client_order_id, new_price=D("44000"))
    assert replacement is not order and replacement.replaces == order.client_order_id
    assert requests(simulator, "PUT") == 0


async def test_an_amendment_made_elsewhere_reaches_the_order_by_the_stream(
    v3_manager: OrderManager,
) -> None:
    order = await v3_manager.place_limit_order(BTC, OrderSide.BUY, D("0.01"), D("45000"))
    await v3_manager.exchange.modify_order(BTC, OrderSide.BUY, D("0.03"), D("43000"),
                                           client_order_id=order.client_order_id)
    for _ in range(500):
        if order.order.price == D("43000"):
            break
        await asyncio.sleep(0.01)
    assert order.order.price == D("43000") and order.order.quantity == D("0.03")
