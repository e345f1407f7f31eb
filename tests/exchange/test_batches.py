"""Batches against the simulator over loopback: up to 5 orders and 10 cancels in one
request, each leg checked like a single order, each answered on its own; a lost batch
answer settled leg by leg by client order id, and nothing ever placed twice."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from typing import Any

import pytest

from execution.errors import (
    InvalidOrderError,
    OrderNotFoundError,
    OrderStatusUnknownError,
    ValidationError,
)
from execution.exchange.asterdex import AsterDEXExchange
from execution.exchange.batches import BatchLeg
from execution.intent import OrderIntent
from execution.models import OrderSide, OrderStatus, OrderType, PositionSide
from execution.simulator import SimulatedExchange

SYMBOL = "BTCUSDT"
MARK = Decimal("50000")


def batch_posts(sim: SimulatedExchange, method: str = "POST") -> list[dict[str, str]]:
    return [r.params for r in sim.request_log
            if r.method == method and r.path.endswith("/batchOrders")]


def limit_leg(client_id: str, price: str = "45000", quantity: str = "0.001",
              side: OrderSide = OrderSide.BUY) -> BatchLeg:
    intent = OrderIntent(SYMBOL, side, OrderType.LIMIT, Decimal(quantity), price=Decimal(price))
    return BatchLeg(intent, client_id)


def market_leg(client_id: str, quantity: str = "0.001") -> BatchLeg:
    return BatchLeg(OrderIntent(SYMBOL, OrderSide.BUY, OrderType.MARKET, Decimal(quantity)),
                    client_id)


async def test_five_legs_placed_in_one_request_rounded_like_single_orders(
    exchange: AsterDEXExchange, simulator: SimulatedExchange
) -> None:
    simulator.set_price(SYMBOL, MARK)
    legs = [limit_leg(f"b-ok-{i}", price=f"4500{i}.07", quantity="0.0019") for i in range(5)]
    results = await exchange.batches.place(legs)
    assert [r.client_order_id for r in results] == [f"b-ok-{i}" for i in range(5)]
    assert all(r.ok and r.order is not None for r in results)
    assert {r.order.status for r in results if r.order} == {OrderStatus.NEW}
    # a buy's price rounds down to the tick, the quantity down to the step
    assert [r.order.price for r in results if r.order] == [
        Decimal(f"4500{i}.0") for i in range(5)]
    assert {r.order.quantity for r in results if r.order} == {Decimal("0.001")}
    assert len(batch_posts(simulator)) == 1
    assert all(simulator.orders_created(f"b-ok-{i}") == 1 for i in range(5))
    assert set(exchange.tracked_orders) >= {f"b-ok-{i}" for i in range(5)}


async def test_one_leg_refused_by_the_exchange_and_the_others_placed(
    exchange: AsterDEXExchange, simulator: SimulatedExchange
) -> None:
    simulator.set_price(SYMBOL, MARK)
    reduce = OrderIntent(SYMBOL, OrderSide.SELL, OrderType.MARKET, Decimal("0.001"),
                         reduce_only=True)  # no position to reduce: -2022 from the venue
    legs = [limit_leg("b-mix-0"), BatchLeg(reduce, "b-mix-1"), limit_leg("b-mix-2")]
    first, refused, third = await exchange.batches.place(legs)
    assert first.ok and third.ok
    assert isinstance(refused.error, InvalidOrderError) and refused.order is None
    assert refused.error.code == -2022
    assert simulator.orders_created("b-mix-1") == 0
    assert "b-mix-1" not in exchange.tracked_orders
    assert simulator.orders_created("b-mix-0") == simulator.orders_created("b-mix-2") == 1


@pytest.mark.parametrize("auth", ["hmac"])
@pytest.mark.parametrize(
    ("legs", "field"),
    [
        ([], "orders"),
        ([limit_leg(f"b-six-{i}") for i in range(6)], "orders"),
        ([limit_leg("b-dup"), limit_leg("b-dup")], "client_order_id"),
        ([limit_leg("b-bad-0"), limit_leg("b-bad-1", quantity="0.0001")], "orders[1].quantity"),
        ([limit_leg("b-id with space")], "orders[0].client_order_id"),
    ],
    ids=["empty", "six", "duplicate-id", "leg-below-min", "bad-id"],
)
async def test_local_refusals_send_nothing(
    exchange: AsterDEXExchange, simulator: SimulatedExchange, legs: list[BatchLeg], field: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        await exchange.batches.place(legs)
    assert caught.value.field == field
    assert batch_posts(simulator) == []
    assert exchange.tracked_orders == {}


@pytest.mark.parametrize("executed", [True, False], ids=["executed", "not-executed"])
async def test_a_503_on_the_batch_is_settled_leg_by_leg_never_twice(
    exchange: AsterDEXExchange, simulator: SimulatedExchange, auth: str, executed: bool
) -> None:
    simulator.set_price(SYMBOL, MARK)
    simulator.faults.fail_requests(count=1, status=503, code=-1007, execute=executed,
                                   path="batchOrders", method="POST")
    ids = [f"b-503-{auth}-{executed}-{i}" for i in range(3)]
    legs = [market_leg(ids[0]), limit_leg(ids[1]), limit_leg(ids[2], price="44000")]
    results = await exchange.batches.place(legs)
    created = [simulator.orders_created(cid) for cid in ids]
    assert max(created) <= 1  # nothing placed twice, whatever the scheme
    if executed or auth == "eip712":
        # executed: found by client id; v3 not executed: the noop proves it dead, resent
        assert created == [1, 1, 1]
        assert [r.order.status for r in results if r.order] == [
            OrderStatus.FILLED, OrderStatus.NEW, OrderStatus.NEW]
    else:
        # v1 without proof: looked up, not found, never sent again: unknown
        assert created == [0, 0, 0]
        assert all(isinstance(r.error, OrderStatusUnknownError) for r in results)
        assert len(batch_posts(simulator)) == 1
        assert set(ids) <= set(exchange.tracked_orders)  # still to settle by client id
    if auth == "eip712" and not executed:
        posts = batch_posts(simulator)
        assert len(posts) == 2 and posts[0]["nonce"] != posts[1]["nonce"]


@pytest.mark.parametrize("auth", ["eip712"])
async def test_v3_a_batch_carried_out_late_after_its_503_is_not_doubled(
    exchange: AsterDEXExchange, simulator: SimulatedExchange
) -> None:
    """The backend queues the batch and would carry it out later: the noop on its nonce
    spends it first, the legs are sent again once, and the queued copy is dropped."""
    simulator.set_price(SYMBOL, MARK)
    simulator.faults.fail_requests(count=1, status=503, code=-1007, execute=True,
                                   execute_after_ms=3000, path="batchOrders", method="POST")
    ids = ["b-late-0", "b-late-1"]
    results = await exchange.batches.place([market_leg(ids[0]), limit_leg(ids[1])])
    assert all(r.ok for r in results)
    for _ in range(200):  # the queued copy comes out of the backend ~3 s after it was sent
        if simulator.late_requests != (0, 0):
            break
        await asyncio.sleep(0.05)
    assert simulator.late_requests == (0, 1)  # dropped: the noop spent its nonce
    assert [simulator.orders_created(cid) for cid in ids] == [1, 1]


async def test_batch_cancel_by_client_ids_and_by_order_ids(
    exchange: AsterDEXExchange, simulator: SimulatedExchange
) -> None:
    simulator.set_price(SYMBOL, MARK)
    placed = await exchange.batches.place([limit_leg(f"b-c-{i}") for i in range(4)])
    cancelled = await exchange.batches.cancel(
        SYMBOL, client_order_ids=["b-c-0", "b-c-1", "b-never"])
    assert [r.ok for r in cancelled] == [True, True, False]
    assert {r.order.status for r in cancelled if r.order} == {OrderStatus.CANCELED}
    assert isinstance(cancelled[2].error, OrderNotFoundError)
    order_ids = [r.order.order_id for r in placed[2:] if r.order]
    by_id = await exchange.batches.cancel(SYMBOL, order_ids=order_ids)
    assert [r.order.status for r in by_id if r.order] == [OrderStatus.CANCELED] * 2
    assert await exchange.get_open_orders(SYMBOL) == []


@pytest.mark.parametrize("auth", ["hmac"])
async def test_a_lost_batch_cancel_is_repeated_and_what_it_cancelled_is_found(
    exchange: AsterDEXExchange, simulator: SimulatedExchange
) -> None:
    simulator.set_price(SYMBOL, MARK)
    await exchange.batches.place([limit_leg("b-lc-0"), limit_leg("b-lc-1")])
    simulator.faults.fail_requests(count=1, status=503, code=-1007, execute=True,
                                   path="batchOrders", method="DELETE")
    results = await exchange.batches.cancel(SYMBOL, client_order_ids=["b-lc-0", "b-lc-1"])
    assert [r.order.status for r in results if r.order] == [OrderStatus.CANCELED] * 2
    assert len(batch_posts(simulator, "DELETE")) == 2


@pytest.mark.parametrize("auth", ["hmac"])
async def test_batch_cancel_local_refusals(
    exchange: AsterDEXExchange, simulator: SimulatedExchange
) -> None:
    with pytest.raises(ValidationError):
        await exchange.batches.cancel(SYMBOL, client_order_ids=[f"c{i}" for i in range(11)])
    with pytest.raises(ValidationError):
        await exchange.batches.cancel(SYMBOL, client_order_ids=["a"], order_ids=["1"])
    with pytest.raises(ValidationError):
        await exchange.batches.cancel(SYMBOL, order_ids=["12x"])
    assert batch_posts(simulator, "DELETE") == []


async def test_a_leg_the_venue_does_not_take_refuses_the_batch_before_sending(
    simulator: SimulatedExchange, make_client: Any
) -> None:
    """Binance takes no conditional order on the order endpoints: a stop leg stops the
    whole batch here, as it would stop a single order."""
    simulator.set_price(SYMBOL, MARK)
    stop = OrderIntent(SYMBOL, OrderSide.SELL, OrderType.STOP_LOSS, Decimal("0.001"),
                       stop_price=Decimal("45000"))
    async with make_client(simulator, "hmac", venue="binance") as client:
        with pytest.raises(ValidationError) as caught:
            await client.batches.place([limit_leg("b-bn-0"), BatchLeg(stop, "b-bn-1")])
    assert caught.value.field == "orders[1].order_type"
    assert batch_posts(simulator) == []


@pytest.mark.parametrize("auth", ["hmac"])
async def test_a_batch_in_hedge_mode_carries_each_legs_position_side(
    exchange: AsterDEXExchange, simulator: SimulatedExchange
) -> None:
    simulator.set_price(SYMBOL, MARK)
    await exchange.margin.set_position_mode("hedge")
    long_entry = BatchLeg(market_leg("b-h-0").intent, "b-h-0", PositionSide.LONG)
    short_entry = BatchLeg(
        OrderIntent(SYMBOL, OrderSide.SELL, OrderType.MARKET, Decimal("0.002")), "b-h-1",
        PositionSide.SHORT)
    results = await exchange.batches.place([long_entry, short_entry])
    assert all(r.ok for r in results), results
    sides = {p.position_side: p.quantity for p in await exchange.get_positions(SYMBOL)}
    assert sides == {PositionSide.LONG: Decimal("0.001"), PositionSide.SHORT: Decimal("-0.002")}


async def test_a_batch_whose_response_is_lost_is_found_leg_by_leg(
    exchange: AsterDEXExchange, simulator: SimulatedExchange, auth: str
) -> None:
    """Carried out, then the connection dropped unanswered: every leg is found by its
    client order id (v3: the noop says "processed"), none is sent again."""
    simulator.set_price(SYMBOL, MARK)
    simulator.faults.drop_responses(count=1, path="batchOrders", method="POST")
    ids = [f"b-drop-{auth}-{i}" for i in range(2)]
    results = await exchange.batches.place([market_leg(ids[0]), limit_leg(ids[1])])
    assert [r.order.status for r in results if r.order] == [
        OrderStatus.FILLED, OrderStatus.NEW]
    assert [simulator.orders_created(cid) for cid in ids] == [1, 1]
    assert len(batch_posts(simulator)) == 1


@pytest.mark.parametrize("rate, refused", [("4", False), ("4.5", True), ("5", True)])
async def test_a_batch_legs_callback_rate_keeps_to_the_batch_docs_limit(
    exchange: AsterDEXExchange, simulator: SimulatedExchange, rate: str, refused: bool,
) -> None:
    """Place Multiple Orders documents callbackRate "min 0.1, max 4", New Order 5: a
    batch leg over 4 is refused before anything is sent (a single order takes 5)."""
    simulator.set_price(SYMBOL, MARK)
    trailing = OrderIntent(SYMBOL, OrderSide.SELL, OrderType.TRAILING_STOP_MARKET,
                           Decimal("0.001"), callback_rate=Decimal(rate))
    legs = [limit_leg("b-cr-0"), BatchLeg(trailing, "b-cr-1")]
    if refused:
        with pytest.raises(ValidationError) as caught:
            exchange.batches.build(legs)
        assert caught.value.field == "orders[1].callback_rate"
        assert batch_posts(simulator) == []
    else:
        assert len(exchange.batches.build(legs)) == 2
