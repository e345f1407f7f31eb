"""Binance's algo orders through the client, against the simulator's Binance dialect over
loopback: stop-market, take-profit and trailing stops placed on `/fapi/v1/algoOrder`,
triggered (the actual order id appears, its fill follows), cancelled, cancel-all clearing
both kinds, an unknown outcome settled by `clientAlgoId` without a second copy."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from decimal import Decimal
from typing import Any

import pytest
import pytest_asyncio

from execution.errors import OrderStatusUnknownError
from execution.exchange.asterdex import AsterDEXExchange
from execution.models import Order, OrderSide, OrderStatus, OrderType, OrderUpdate, UserEvent
from execution.simulator import SimulatedExchange

D = Decimal
BTC = "BTCUSDT"
ALGO_PATH = "/fapi/v1/algoOrder"


@pytest_asyncio.fixture
async def binance_sim(simulator_factory: Any) -> SimulatedExchange:
    sim: SimulatedExchange = await simulator_factory(dialect="binance")
    return sim


@pytest_asyncio.fixture
async def client(
    binance_sim: SimulatedExchange, make_client: Any
) -> AsyncIterator[AsterDEXExchange]:
    async with make_client(binance_sim, "hmac", venue="binance") as connected:
        yield connected


async def _until(predicate: Callable[[], bool], seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    while not predicate():
        assert time.monotonic() < deadline, "condition not reached in time"
        await asyncio.sleep(0.01)


def _posts(sim: SimulatedExchange, path: str) -> int:
    return sum(1 for r in sim.request_log if r.method == "POST" and r.path == path)


async def _long(client: AsterDEXExchange) -> None:
    await client.create_order(BTC, OrderSide.BUY, OrderType.MARKET, D("0.01"))


async def _events(client: AsterDEXExchange) -> list[OrderUpdate]:
    seen: list[OrderUpdate] = []

    def on_event(event: UserEvent) -> None:
        if isinstance(event, OrderUpdate):
            seen.append(event)

    await client.start_user_stream(on_event)
    return seen


def _of(updates: list[OrderUpdate], order: Order) -> list[OrderUpdate]:
    return [u for u in updates if u.order.client_order_id == order.client_order_id]


@pytest.mark.parametrize(("order_type", "options", "move_to"), [
    (OrderType.STOP_LOSS, {"stop_price": D("49000")}, D("48900")),
    (OrderType.TAKE_PROFIT, {"stop_price": D("51000")}, D("51100")),
])
async def test_a_stop_or_take_profit_goes_out_as_an_algo_order_and_triggers(
    client: AsterDEXExchange, binance_sim: SimulatedExchange, order_type: OrderType,
    options: dict[str, Decimal], move_to: Decimal,
) -> None:
    updates = await _events(client)
    await _long(client)
    order = await client.create_order(BTC, OrderSide.SELL, order_type, D("0.01"),
                                      reduce_only=True, **options)
    assert order.status is OrderStatus.NEW and order.algo_id and order.order_id == order.algo_id
    assert _posts(binance_sim, ALGO_PATH) == 1 and _posts(binance_sim, "/fapi/v1/order") == 1
    sent = next(r for r in binance_sim.request_log if r.path == ALGO_PATH)
    assert sent.params["algoType"] == "CONDITIONAL" and sent.params["clientAlgoId"] == (
        order.client_order_id) and sent.params["triggerPrice"] == str(options["stop_price"])
    # waiting: an open algo order, not an order of the matching engine
    assert [o.client_order_id for o in await client.get_open_orders(BTC)] == [
        order.client_order_id]
    binance_sim.set_price(BTC, move_to)
    await _until(lambda: any(u.order.status is OrderStatus.FILLED for u in _of(updates, order)))
    mine = _of(updates, order)
    triggered = next(u for u in mine if u.execution_type == "TRIGGERED")
    actual = triggered.order.order_id
    assert actual and actual != order.algo_id and triggered.order.algo_id == order.algo_id
    filled = next(u for u in mine if u.order.status is OrderStatus.FILLED)
    assert filled.order.order_id == actual and filled.order.algo_id == order.algo_id
    assert filled.last_filled_quantity == D("0.01")
    looked_up = await client.fetch_order(BTC, client_order_id=order.client_order_id)
    assert looked_up.status is OrderStatus.FILLED and looked_up.order_id == actual
    assert looked_up.algo_id == order.algo_id
    assert await client.get_positions(BTC) == []


async def test_a_trailing_stop_follows_the_price_and_fires_on_the_pull_back(
    client: AsterDEXExchange, binance_sim: SimulatedExchange
) -> None:
    updates = await _events(client)
    await _long(client)
    order = await client.create_order(BTC, OrderSide.SELL, OrderType.TRAILING_STOP_MARKET,
                                      D("0.01"), callback_rate=D("1"), reduce_only=True)
    assert order.algo_id and order.order_type is OrderType.TRAILING_STOP_MARKET
    sent = next(r for r in binance_sim.request_log if r.path == ALGO_PATH)
    assert sent.params["type"] == "TRAILING_STOP_MARKET" and sent.params["callbackRate"] == "1"
    binance_sim.set_price(BTC, D("52000"))  # the trail follows the rise
    binance_sim.set_price(BTC, D("51700"))  # -0.6 %: still waiting
    assert (await client.fetch_order(BTC, client_order_id=order.client_order_id)).status is (
        OrderStatus.NEW)
    binance_sim.set_price(BTC, D("51400"))  # -1.2 % from the high: fires
    await _until(lambda: any(u.order.status is OrderStatus.FILLED for u in _of(updates, order)))
    assert await client.get_positions(BTC) == []


async def test_a_mark_price_stop_waits_for_the_mark_not_the_last_price(
    client: AsterDEXExchange, binance_sim: SimulatedExchange
) -> None:
    """`workingType` MARK_PRICE: the algo service watches the mark."""
    from execution.models import WorkingType

    await _long(client)
    order = await client.create_order(BTC, OrderSide.SELL, OrderType.STOP_LOSS, D("0.01"),
                                      stop_price=D("49000"), reduce_only=True,
                                      working_type=WorkingType.MARK_PRICE)
    binance_sim.engine.set_price(BTC, D("48000"), mark_price=D("49500"))
    assert (await client.fetch_order(BTC, client_order_id=order.client_order_id)).status is (
        OrderStatus.NEW)
    binance_sim.engine.set_mark_price(BTC, D("48900"))
    looked_up = await client.fetch_order(BTC, client_order_id=order.client_order_id)
    assert looked_up.status is OrderStatus.FILLED and looked_up.order_id != order.algo_id


async def test_an_algo_order_is_cancelled_through_the_algo_endpoint(
    client: AsterDEXExchange, binance_sim: SimulatedExchange
) -> None:
    updates = await _events(client)
    order = await client.create_order(BTC, OrderSide.SELL, OrderType.TAKE_PROFIT, D("0.01"),
                                      stop_price=D("51000"))
    cancelled = await client.cancel_order(None, BTC, client_order_id=order.client_order_id)
    assert cancelled.status is OrderStatus.CANCELED and cancelled.algo_id == order.algo_id
    deletes = [r for r in binance_sim.request_log if r.method == "DELETE"]
    assert [r.path for r in deletes] == [ALGO_PATH]  # straight to the algo service
    await _until(lambda: any(u.order.status is OrderStatus.CANCELED
                             for u in _of(updates, order)))
    assert await client.get_open_orders(BTC) == []


async def test_a_cancel_after_a_restart_finds_the_algo_order(
    binance_sim: SimulatedExchange, make_client: Any
) -> None:
    """A client that never saw the order (a new process) asks the matching engine, is told
    it does not exist, and cancels it in the algo service."""
    async with make_client(binance_sim, "hmac", venue="binance") as first:
        order = await first.create_order(BTC, OrderSide.SELL, OrderType.TAKE_PROFIT,
                                         D("0.01"), stop_price=D("51000"))
    async with make_client(binance_sim, "hmac", venue="binance") as second:
        found = await second.fetch_order(BTC, client_order_id=order.client_order_id)
        assert found.status is OrderStatus.NEW and found.algo_id == order.algo_id
        cancelled = await second.cancel_order(None, BTC, client_order_id=order.client_order_id)
        assert cancelled.status is OrderStatus.CANCELED
        assert binance_sim.engine.private(
            binance_sim.account.account_id, "GET", "openAlgoOrders", {}) == []


async def test_cancel_all_clears_regular_and_algo_orders(
    client: AsterDEXExchange, binance_sim: SimulatedExchange
) -> None:
    await _long(client)
    await client.create_order(BTC, OrderSide.BUY, OrderType.LIMIT, D("0.01"), price=D("45000"))
    await client.create_order(BTC, OrderSide.SELL, OrderType.STOP_LOSS, D("0.01"),
                              stop_price=D("49000"), reduce_only=True)
    await client.create_order(BTC, OrderSide.SELL, OrderType.TRAILING_STOP_MARKET, D("0.01"),
                              callback_rate=D("2"), reduce_only=True)
    kinds = sorted(o.order_type.value for o in await client.get_open_orders(BTC))
    assert kinds == ["LIMIT", "STOP_MARKET", "TRAILING_STOP_MARKET"]
    await client.cancel_all_orders(BTC)
    assert await client.get_open_orders(BTC) == []
    paths = {r.path for r in binance_sim.request_log if r.method == "DELETE"}
    assert paths == {"/fapi/v1/allOpenOrders", "/fapi/v1/algoOpenOrders"}
    history = {o.order_type.value: o.status for o in await client.get_all_orders(BTC)}
    assert history["STOP_MARKET"] is OrderStatus.CANCELED
    assert history["TRAILING_STOP_MARKET"] is OrderStatus.CANCELED


@pytest.mark.parametrize("executed", [True, False])
async def test_an_unknown_outcome_is_settled_by_client_algo_id_without_a_second_copy(
    client: AsterDEXExchange, binance_sim: SimulatedExchange, executed: bool
) -> None:
    """503 on `POST algoOrder`: executed or not, it is only looked up (Binance has no
    proof that a request can no longer execute), never sent again."""
    binance_sim.faults.fail_requests(count=1, status=503, code=-1007, execute=executed,
                                     path="algoOrder", method="POST")
    client_id = "x-algo-unknown-1"
    if executed:
        order = await client.create_order(BTC, OrderSide.SELL, OrderType.TAKE_PROFIT,
                                          D("0.01"), stop_price=D("51000"),
                                          client_order_id=client_id)
        assert order.status is OrderStatus.NEW and order.algo_id
    else:
        with pytest.raises(OrderStatusUnknownError):
            await client.create_order(BTC, OrderSide.SELL, OrderType.TAKE_PROFIT, D("0.01"),
                                      stop_price=D("51000"), client_order_id=client_id)
    assert _posts(binance_sim, ALGO_PATH) == 1
    assert binance_sim.orders_created(client_id) == (1 if executed else 0)
    lookups = [r for r in binance_sim.request_log if r.method == "GET" and r.path == ALGO_PATH]
    assert lookups and all(r.params.get("clientAlgoId") == client_id for r in lookups)


async def test_a_late_execution_of_an_unknown_algo_order_is_found_not_duplicated(
    client: AsterDEXExchange, binance_sim: SimulatedExchange
) -> None:
    """The backend carries the request out after the 503: a lookup finds it."""
    binance_sim.faults.fail_requests(count=1, status=503, code=-1007, execute=True,
                                     execute_after_ms=150, path="algoOrder", method="POST")
    client_id = "x-algo-late-1"
    try:
        order = await client.create_order(BTC, OrderSide.SELL, OrderType.TAKE_PROFIT,
                                          D("0.01"), stop_price=D("51000"),
                                          client_order_id=client_id)
        assert order.status is OrderStatus.NEW
    except OrderStatusUnknownError:  # a slow machine: every lookup came before it
        await _until(lambda: binance_sim.orders_created(client_id) == 1)
        order = await client.fetch_order(BTC, client_order_id=client_id)
    assert order.algo_id and binance_sim.orders_created(client_id) == 1
    assert _posts(binance_sim, ALGO_PATH) == 1


async def test_a_stop_refused_at_its_trigger_ends_as_expired(
    client: AsterDEXExchange, binance_sim: SimulatedExchange
) -> None:
    """Reduce-only with the position gone by the trigger: the algo order is REJECTED by the
    matching engine, which the client reads as the order's end without a fill (EXPIRED)."""
    updates = await _events(client)
    await _long(client)
    order = await client.create_order(BTC, OrderSide.SELL, OrderType.STOP_LOSS, D("0.01"),
                                      stop_price=D("49000"), reduce_only=True)
    await client.create_order(BTC, OrderSide.SELL, OrderType.MARKET, D("0.01"))  # flat
    binance_sim.set_price(BTC, D("48900"))
    await _until(lambda: any(u.order.status is OrderStatus.EXPIRED
                             for u in _of(updates, order)))
    looked_up = await client.fetch_order(BTC, client_order_id=order.client_order_id)
    assert looked_up.status is OrderStatus.EXPIRED and looked_up.filled_quantity == 0
    assert await client.get_open_orders(BTC) == []
