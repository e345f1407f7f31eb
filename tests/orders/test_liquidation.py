"""A position liquidated by the exchange: the manager adopts the `autoclose-` order, tags it,
reports it through `position_liquidated`, and expires the orders the exchange expired; a
bracket whose position is gone (liquidated, or closed by another client) closes instead of
putting its exits back."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from decimal import ROUND_DOWN, Decimal

import pytest

from execution.errors import ValidationError
from execution.exchange.asterdex import AsterDEXExchange
from execution.models import MarginType, OrderSide, OrderStatus, OrderType
from execution.orders.brackets import BracketStatus
from execution.orders.managed import ManagedOrder
from execution.orders.manager import OrderManager
from execution.simulator import SimulatedExchange

D = Decimal
BTC = "BTCUSDT"
Waiter = Callable[..., Awaitable[None]]


async def test_a_liquidation_is_adopted_tagged_and_reported(
    manager: OrderManager, exchange: AsterDEXExchange, simulator: SimulatedExchange,
    wait_for: Waiter,
) -> None:
    await exchange.set_margin_type(BTC, MarginType.ISOLATED)
    await exchange.set_leverage(BTC, 20)
    liquidated: list[ManagedOrder] = []
    manager.on("position_liquidated", liquidated.append)
    entry = await manager.place_market_order(BTC, OrderSide.BUY, D("0.010"))
    await wait_for(lambda: entry.status is OrderStatus.FILLED)
    resting = await manager.place_limit_order(BTC, OrderSide.BUY, D("0.010"), D("40000"))
    (position,) = [p for p in await exchange.get_positions(BTC) if p.quantity]
    assert D(0) < position.liquidation_price < position.entry_price

    below = (position.liquidation_price * D("0.999")).quantize(D("0.1"), rounding=ROUND_DOWN)
    simulator.set_price(BTC, below)

    await wait_for(lambda: bool(liquidated))
    (liquidation,) = liquidated
    assert liquidation.client_order_id.startswith("autoclose-")
    assert liquidation.tags == ("adopted", "liquidation") and liquidation.adopted
    assert liquidation.order.order_type is OrderType.LIQUIDATION
    assert liquidation.order.side is OrderSide.SELL
    await wait_for(lambda: liquidation.status is OrderStatus.FILLED)
    assert liquidation.filled_quantity == D("0.010")
    await wait_for(lambda: resting.status is OrderStatus.EXPIRED)
    assert [p for p in await exchange.get_positions(BTC) if p.quantity] == []


async def test_liquidation_orders_cannot_be_sent(
    exchange: AsterDEXExchange, simulator: SimulatedExchange
) -> None:
    with pytest.raises(ValidationError) as raised:
        await exchange.create_order(BTC, OrderSide.SELL, OrderType.LIQUIDATION, D("0.010"))
    assert raised.value.field == "order_type"
    assert sum(simulator.engine.ledger.values()) == 0  # nothing sent


async def test_a_liquidated_bracket_closes_without_new_exits(
    manager: OrderManager, exchange: AsterDEXExchange, simulator: SimulatedExchange,
    wait_for: Waiter,
) -> None:
    await exchange.set_margin_type(BTC, MarginType.ISOLATED)
    await exchange.set_leverage(BTC, 20)
    # A stop below the liquidation price (~47,700): the liquidation comes first.
    bracket = await manager.place_bracket_order(
        BTC, OrderSide.BUY, D("0.010"), entry_price=None, stop_loss_price=D("47000"),
        take_profit_price=D("55000"),
    )
    await wait_for(lambda: bracket.stop_loss is not None and bracket.take_profit is not None)
    simulator.set_price(BTC, D("47500"))
    await wait_for(lambda: bracket.is_done)
    await manager.flush()
    assert bracket.status is BracketStatus.CLOSED and bracket.exit_reason == "liquidation"
    assert bracket.stop_loss is not None and bracket.take_profit is not None
    assert bracket.stop_loss.status is OrderStatus.EXPIRED
    assert bracket.take_profit.status is OrderStatus.EXPIRED
    created = [cid for cid, n in simulator.engine.ledger.items() if n]
    assert len(created) == 4  # entry, stop-loss, take-profit, the liquidation: no re-placing


async def test_exits_ended_by_others_are_not_replaced_once_the_position_is_gone(
    manager: OrderManager, exchange: AsterDEXExchange, simulator: SimulatedExchange,
    wait_for: Waiter,
) -> None:
    bracket = await manager.place_bracket_order(
        BTC, OrderSide.BUY, D("0.010"), entry_price=None, stop_loss_price=D("48000"),
        take_profit_price=D("52000"),
    )
    await wait_for(lambda: bracket.stop_loss is not None and bracket.take_profit is not None)
    # Another client flattens the position and cancels the exits.
    await exchange.create_order(BTC, OrderSide.SELL, OrderType.MARKET, D("0.010"),
                                reduce_only=True)
    await exchange.cancel_all_orders(BTC)
    await wait_for(lambda: bracket.is_done)
    assert bracket.status is BracketStatus.CLOSED
    assert bracket.exit_reason == "position closed elsewhere"
    assert len([cid for cid, n in simulator.engine.ledger.items() if n]) == 4


async def test_an_exit_cancelled_by_another_client_is_put_back_while_the_position_is_held(
    manager: OrderManager, exchange: AsterDEXExchange, wait_for: Waiter,
) -> None:
    bracket = await manager.place_bracket_order(
        BTC, OrderSide.BUY, D("0.010"), entry_price=None, stop_loss_price=D("48000"),
        take_profit_price=D("52000"),
    )
    await wait_for(lambda: bracket.stop_loss is not None and bracket.take_profit is not None)
    first = bracket.stop_loss
    assert first is not None
    await exchange.cancel_order(None, BTC, client_order_id=first.client_order_id)
    await wait_for(lambda: bracket.stop_loss is not first and bracket.stop_loss is not None
                   and bracket.stop_loss.is_open)
    assert first.status is OrderStatus.CANCELED
    assert bracket.status is BracketStatus.ACTIVE and not bracket.closed_elsewhere


async def test_exits_refused_for_want_of_a_position_close_the_bracket(
    manager: OrderManager, exchange: AsterDEXExchange, simulator: SimulatedExchange,
    wait_for: Waiter,
) -> None:
    # One-way mode: the bracket's entry only flattens a short held from elsewhere, so its
    # reduce-only exits have nothing to reduce (-2022).
    await exchange.create_order(BTC, OrderSide.SELL, OrderType.MARKET, D("0.010"))
    bracket = await manager.place_bracket_order(
        BTC, OrderSide.BUY, D("0.010"), entry_price=None, stop_loss_price=D("48000"),
        take_profit_price=D("52000"),
    )
    await wait_for(lambda: bracket.is_done)
    assert bracket.status is BracketStatus.CLOSED and bracket.error is None
    assert bracket.exit_reason == "position closed elsewhere"
    assert [p for p in await exchange.get_positions(BTC) if p.quantity] == []
