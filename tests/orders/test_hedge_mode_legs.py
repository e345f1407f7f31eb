"""Hedge mode through the order manager: an intent names its leg (`position_side`), an
order that only reduces a leg is sent on its closing side without `reduceOnly` (the docs:
it cannot be sent in hedge mode), and the leg is kept through a modify and a restart."""

from __future__ import annotations

from decimal import Decimal as D
from pathlib import Path

import pytest

from execution.errors import ValidationError
from execution.exchange.asterdex import AsterDEXExchange
from execution.intent import OrderIntent
from execution.models import OrderSide, OrderStatus, OrderType, PositionSide
from execution.orders.manager import OrderManager
from execution.simulator import SimulatedExchange

BTC = "BTCUSDT"


def sent(sim: SimulatedExchange) -> list[dict[str, str]]:
    return [r.params for r in sim.request_log if r.method == "POST" and r.path.endswith("/order")]


async def test_the_legs_of_one_symbol_in_hedge_mode(
    exchange: AsterDEXExchange, simulator: SimulatedExchange, tmp_path: Path,
) -> None:
    simulator.set_price(BTC, D("50000"))
    await exchange.margin.set_position_mode("hedge")
    store = tmp_path / "orders.sqlite"
    async with OrderManager(exchange, store) as manager:
        long = await manager.place_order(OrderIntent(
            BTC, OrderSide.BUY, OrderType.MARKET, D("0.02"), position_side="LONG"))
        short = await manager.place_order(OrderIntent(
            BTC, OrderSide.SELL, OrderType.MARKET, D("0.01"), position_side="SHORT"))
        assert long.status is short.status is OrderStatus.FILLED
        legs = {p.position_side: p.quantity for p in await exchange.get_positions(BTC)}
        assert legs[PositionSide.LONG] == D("0.02") and legs[PositionSide.SHORT] == D("-0.01")
        # Reduce the long leg: its closing side, reduce-only here, not sent as such.
        closing = await manager.place_order(OrderIntent(
            BTC, OrderSide.SELL, OrderType.MARKET, D("0.005"), reduce_only=True,
            position_side=PositionSide.LONG))
        assert closing.status is OrderStatus.FILLED
        wire = sent(simulator)[-1]
        assert wire["positionSide"] == "LONG" and "reduceOnly" not in wire
        with pytest.raises(ValidationError):  # a BUY does not reduce the long leg
            await manager.place_order(OrderIntent(
                BTC, OrderSide.BUY, OrderType.MARKET, D("0.001"), reduce_only=True,
                position_side=PositionSide.LONG))
        resting = await manager.place_order(OrderIntent(
            BTC, OrderSide.BUY, OrderType.LIMIT, D("0.001"), price=D("45000"),
            time_in_force="GTC", position_side=PositionSide.LONG))
        resting_id = resting.client_order_id
    async with OrderManager(exchange, store) as restarted:  # the leg is kept in the store
        again = restarted.get_order(resting_id)
        assert again is not None
        replacement = await restarted.modify_order(resting_id, new_price=D("44000"))
        assert replacement.order.price == D("44000")
        assert sent(simulator)[-1]["positionSide"] == "LONG"


async def test_the_client_never_sends_reduce_only_in_hedge_mode(
    exchange: AsterDEXExchange, simulator: SimulatedExchange,
) -> None:
    simulator.set_price(BTC, D("50000"))
    before = len(sent(simulator))
    with pytest.raises(ValidationError, match="hedge mode"):
        await exchange.create_order(BTC, OrderSide.SELL, OrderType.MARKET, D("0.001"),
                                    reduce_only=True, position_side=PositionSide.LONG)
    assert len(sent(simulator)) == before
