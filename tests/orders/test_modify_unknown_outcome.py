"""A modify whose replacement meets an unknown outcome (503/-1007, and the query by client
id fails too): the replacement is tracked as PENDING_NEW and settled later, never
reported as "nothing live"."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from decimal import Decimal
from pathlib import Path

import pytest_asyncio

from execution.auth import HmacCredentials
from execution.exchange.asterdex import AsterDEXExchange
from execution.models import OrderSide, OrderStatus
from execution.orders.manager import OrderManager
from execution.simulator import SimulatedExchange

D = Decimal
BTC = "BTCUSDT"
Waiter = Callable[..., Awaitable[None]]


@pytest_asyncio.fixture
async def impatient_client(simulator: SimulatedExchange) -> AsyncIterator[AsterDEXExchange]:
    """A client that gives up on an unknown outcome after one query."""
    credentials = HmacCredentials(simulator.account.api_key, simulator.account.api_secret)
    client = AsterDEXExchange(
        credentials, rest_urls=[simulator.rest_url], ws_url=simulator.ws_url,
        dotenv_path=None, max_retries=1,
    )
    async with client:
        yield client


async def modify_into_unknown(
    manager: OrderManager, simulator: SimulatedExchange, *, executed: bool
) -> tuple[str, str]:
    """Place a limit order, then modify it while the replacement's POST answers 503/-1007
    and every order query fails. Returns (original, replacement) client ids."""
    await manager.exchange.stop_user_stream()  # only polling will tell
    original = await manager.place_limit_order(BTC, OrderSide.BUY, D("0.01"), D("49000"))
    faults = simulator.faults
    faults.fail_requests(count=1, status=503, code=-1007, execute=executed,
                         path="order", method="POST")
    faults.fail_requests(count=1000, status=503, code=-1007, path="order", method="GET")
    replacement = await manager.modify_order(original.client_order_id, new_price=D("48000"))
    faults.reset()
    assert original.status is OrderStatus.CANCELED
    assert replacement.status is OrderStatus.PENDING_NEW
    assert replacement.replaces == original.client_order_id
    assert original.replaced_by == replacement.client_order_id
    assert manager.get_order(replacement.client_order_id) is replacement
    assert manager.store is not None
    await manager.flush()
    trail = await manager.store.query_events(original.client_order_id)
    assert "REPLACE_UNKNOWN" in [e.kind for e in trail]
    assert "REPLACE_FAILED" not in [e.kind for e in trail]
    return original.client_order_id, replacement.client_order_id


async def test_replacement_executed_is_found_by_polling(
    wait_for: Waiter,
    impatient_client: AsterDEXExchange,
    simulator: SimulatedExchange,
    tmp_path: Path,
) -> None:
    async with OrderManager(
        impatient_client, tmp_path / "orders.sqlite", poll_interval=2.0
    ) as manager:
        _, replacement_id = await modify_into_unknown(manager, simulator, executed=True)
        replacement = manager.get_order(replacement_id)
        assert replacement is not None
        await wait_for(lambda: replacement.status is OrderStatus.NEW, seconds=10)
        assert replacement.order.price == D("48000")
        assert simulator.orders_created(replacement_id) == 1  # never sent twice
        open_orders = await impatient_client.get_open_orders(BTC)
        assert [o.client_order_id for o in open_orders] == [replacement_id]


async def test_replacement_never_executed_is_rejected_after_the_grace(
    wait_for: Waiter,
    impatient_client: AsterDEXExchange,
    simulator: SimulatedExchange,
    tmp_path: Path,
) -> None:
    async with OrderManager(
        impatient_client, tmp_path / "orders.sqlite", poll_interval=2.0, pending_grace=0.5
    ) as manager:
        _, replacement_id = await modify_into_unknown(manager, simulator, executed=False)
        replacement = manager.get_order(replacement_id)
        assert replacement is not None
        await wait_for(lambda: replacement.status is OrderStatus.REJECTED, seconds=10)
        assert simulator.orders_created(replacement_id) == 0
        assert await impatient_client.get_open_orders(BTC) == []
