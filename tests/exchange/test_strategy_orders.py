"""The client's strategy orders against the simulator: an OTOCO bracket in one request,
its legs checked like single orders, its waiting legs shown without an order id, a lost
answer settled by the client strategy id (never sent twice); absent under HMAC."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from execution.errors import ValidationError
from execution.exchange.strategy_orders import StrategyLeg, StrategyOrders, StrategyType
from execution.intent import OrderIntent
from execution.models import OrderSide, OrderStatus, OrderType
from execution.simulator import SimulatedExchange

from .conftest import make_exchange

BTC = "BTCUSDT"
ON_FILL = "PARTIALLY_FILLED_OR_FILLED"


def bracket_legs(entry: str, stop: str, take: str, suffix: str = "") -> list[StrategyLeg]:
    return [
        StrategyLeg(OrderIntent(BTC, OrderSide.BUY, OrderType.LIMIT, D("0.01"), price=D(entry),
                                time_in_force="GTC"), f"entry{suffix}"),
        StrategyLeg(OrderIntent(BTC, OrderSide.SELL, OrderType.STOP_LOSS, D("0.01"),
                                stop_price=D(stop), reduce_only=True), f"sl{suffix}",
                    first=(1, ON_FILL, "PLACE_ORDER"), second=(3, "FILLED", "CANCEL_ORDER")),
        StrategyLeg(OrderIntent(BTC, OrderSide.SELL, OrderType.TAKE_PROFIT, D("0.01"),
                                stop_price=D(take), reduce_only=True), f"tp{suffix}",
                    first=(1, ON_FILL, "PLACE_ORDER"), second=(2, "FILLED", "CANCEL_ORDER")),
    ]


async def test_an_otoco_bracket_in_one_request(simulator: SimulatedExchange) -> None:
    simulator.set_price(BTC, D("50000"))
    async with make_exchange(simulator, "eip712") as client:
        strategies = client.strategy_orders
        assert isinstance(strategies, StrategyOrders)
        placed = await strategies.place(StrategyType.OTOCO,
                                        bracket_legs("49000.05", "47000", "53000"), "b-1")
        assert placed.strategy_id and placed.client_strategy_id == "b-1"
        found = await strategies.find(StrategyType.OTOCO, "b-1")
        assert found is not None
        entry, stop, take = found.legs
        assert entry.order_id and entry.status is OrderStatus.NEW
        assert (stop.order_id, stop.status) == ("", OrderStatus.PENDING_NEW)
        assert (take.order_id, take.status) == ("", OrderStatus.PENDING_NEW)
        (resting,) = await client.get_open_orders(BTC)
        assert resting.client_order_id == "entry" and resting.price == D("49000")  # rounded
        simulator.fill_order(BTC, client_order_id="entry")
        listed = sorted(o.client_order_id for o in await client.get_open_orders(BTC))
        assert listed == ["sl", "tp"]


async def test_a_bad_leg_is_refused_before_sending(simulator: SimulatedExchange) -> None:
    simulator.set_price(BTC, D("50000"))
    async with make_exchange(simulator, "eip712") as client:
        strategies = client.strategy_orders
        assert strategies is not None
        legs = bracket_legs("49000", "47000", "53000")
        with pytest.raises(ValidationError):
            await strategies.place(StrategyType.OTOCO, legs[:2], "b-2")
        bad = [legs[0], StrategyLeg(OrderIntent(BTC, OrderSide.SELL, OrderType.STOP_LOSS,
                                                D("0.00001"), stop_price=D("47000")), "sl"),
               legs[2]]
        with pytest.raises(ValidationError):
            await strategies.place(StrategyType.OTOCO, bad, "b-2")
        assert not [r for r in simulator.request_log if r.path.endswith("placeStrategyOrder")]


@pytest.mark.parametrize("executed", [True, False], ids=["carried-out", "not"])
async def test_a_lost_answer_is_settled_by_the_strategy_id(
    simulator: SimulatedExchange, executed: bool,
) -> None:
    simulator.set_price(BTC, D("50000"))
    async with make_exchange(simulator, "eip712") as client:
        strategies = client.strategy_orders
        assert strategies is not None
        simulator.faults.fail_requests(count=1, status=503, code=-1007, execute=executed,
                                       path="placeStrategyOrder", method="POST")
        legs = bracket_legs("49000", "47000", "53000", "-x")
        if executed:
            placed = await strategies.place(StrategyType.OTOCO, legs, "b-3")
            assert placed.strategy_id
        else:
            with pytest.raises(Exception, match="not sent again"):
                await strategies.place(StrategyType.OTOCO, legs, "b-3")
        sent = [r for r in simulator.request_log if r.path.endswith("placeStrategyOrder")]
        assert len(sent) == 1
        assert simulator.orders_created("entry-x") == (1 if executed else 0)


async def test_there_are_no_strategy_orders_under_hmac(simulator: SimulatedExchange) -> None:
    async with make_exchange(simulator, "hmac") as client:
        assert client.strategy_orders is None
