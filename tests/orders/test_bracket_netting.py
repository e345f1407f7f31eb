"""Brackets in one-way mode share the symbol's one position: an exit is sized to what the
bracket holds, but never above the position on the bracket's side, so that a position
smaller than the bracket (netted by another order) still gets its stop.

Before, such an exit was refused by the reduce-only check ("larger than the position") and
the bracket was left with no exits at all: the position it held was naked (the fault soak's
`test_no_bracketed_position_is_left_without_its_stop` failed so).

And a sync a passing fault stopped (a ban while the exits were to be placed, or while the
other exit of a closed bracket was to be cancelled) is tried again, also by the next
process; before, it waited for an event of that bracket that might never come."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from decimal import Decimal
from pathlib import Path

from execution.exchange.asterdex import AsterDEXExchange
from execution.models import OrderSide, OrderStatus, OrderType
from execution.orders.brackets import Bracket, BracketStatus
from execution.orders.managed import ManagedOrder, OrderRole
from execution.orders.manager import OrderManager
from execution.simulator import SimulatedExchange

D = Decimal
BTC = "BTCUSDT"
Waiter = Callable[..., Awaitable[None]]


async def _position(exchange: AsterDEXExchange) -> Decimal:
    return sum((p.quantity for p in await exchange.get_positions(BTC) if p.symbol == BTC), D(0))


def _exits_live(bracket: Bracket, quantity: Decimal) -> bool:
    exits = (bracket.stop_loss, bracket.take_profit)
    return all(
        x is not None and x.is_open and x.order_id and x.order.remaining_quantity == quantity
        for x in exits
    )


async def test_an_entry_that_partly_nets_a_short_gets_exits_for_the_long_it_made(
    manager: OrderManager, exchange: AsterDEXExchange, wait_for: Waiter,
) -> None:
    await exchange.create_order(BTC, OrderSide.SELL, OrderType.MARKET, D("0.004"))
    bracket = await manager.place_bracket_order(
        BTC, OrderSide.BUY, D("0.010"), entry_price=None, stop_loss_price=D("48000"),
        take_profit_price=D("52000"),
    )
    assert await _position(exchange) == D("0.006")
    await wait_for(lambda: _exits_live(bracket, D("0.006")) or bracket.error is not None)
    assert bracket.error is None and bracket.status is BracketStatus.ACTIVE
    assert _exits_live(bracket, D("0.006"))


async def test_an_exit_put_back_after_the_position_shrank_covers_what_is_left(
    manager: OrderManager, exchange: AsterDEXExchange, wait_for: Waiter,
) -> None:
    bracket = await manager.place_bracket_order(
        BTC, OrderSide.BUY, D("0.010"), entry_price=None, stop_loss_price=D("48000"),
        take_profit_price=D("52000"),
    )
    await wait_for(lambda: _exits_live(bracket, D("0.010")))
    first = bracket.stop_loss
    assert first is not None
    # Another client sells part of the position and cancels the stop.
    await exchange.create_order(BTC, OrderSide.SELL, OrderType.MARKET, D("0.004"))
    await exchange.cancel_order(None, BTC, client_order_id=first.client_order_id)
    await wait_for(lambda: (
        bracket.stop_loss is not first and bracket.stop_loss is not None
        and bracket.stop_loss.is_open and bool(bracket.stop_loss.order_id)
    ) or bracket.error is not None)
    assert bracket.error is None and not bracket.closed_elsewhere
    stop = bracket.stop_loss
    assert stop is not None and stop.order.remaining_quantity == D("0.006")


# -- a sync that a passing fault stopped is tried again --------------------------------------


def _ban_once(simulator: SimulatedExchange, role: OrderRole) -> Callable[[ManagedOrder], None]:
    """A callback banning every client (418, 1 s) when an order of `role` fills: the
    bracket's sync that follows meets the ban."""
    banned: list[int] = []

    def ban(managed: ManagedOrder) -> None:
        if managed.role is role and not banned:
            banned.append(simulator.ban_clients(1))

    return ban


async def test_exits_a_ban_kept_from_being_placed_are_placed_once_it_is_over(
    manager: OrderManager, exchange: AsterDEXExchange, simulator: SimulatedExchange,
    wait_for: Waiter,
) -> None:
    manager.on("order_filled", _ban_once(simulator, OrderRole.ENTRY))
    bracket = await manager.place_bracket_order(
        BTC, OrderSide.BUY, D("0.010"), entry_price=None, stop_loss_price=D("48000"),
        take_profit_price=D("52000"),
    )
    assert bracket.error is not None  # the first sync met the ban: nothing placed
    await wait_for(lambda: _exits_live(bracket, D("0.010")), seconds=30)
    assert bracket.status is BracketStatus.ACTIVE


async def test_the_other_exit_a_ban_kept_from_being_cancelled_is_cancelled_once_it_is_over(
    manager: OrderManager, exchange: AsterDEXExchange, simulator: SimulatedExchange,
    wait_for: Waiter,
) -> None:
    bracket = await manager.place_bracket_order(
        BTC, OrderSide.BUY, D("0.010"), entry_price=None, stop_loss_price=D("49000"),
        take_profit_price=D("52000"),
    )
    await wait_for(lambda: _exits_live(bracket, D("0.010")))
    take_profit = bracket.take_profit
    assert take_profit is not None
    manager.on("order_filled", _ban_once(simulator, OrderRole.STOP_LOSS))
    simulator.set_price(BTC, D("48900"))  # the stop fills; the take-profit's cancel is banned
    await wait_for(lambda: bracket.status is BracketStatus.CLOSED)
    await wait_for(lambda: not take_profit.is_open, seconds=30)
    assert take_profit.status is OrderStatus.CANCELED
    assert [o for o in await exchange.get_open_orders(BTC)] == []


async def test_an_exit_left_live_by_a_stopped_manager_is_cancelled_by_the_next(
    exchange: AsterDEXExchange, simulator: SimulatedExchange, tmp_path: Path,
    wait_for: Waiter,
) -> None:
    db = tmp_path / "brackets.sqlite"
    first = OrderManager(exchange, db)
    await first.start()
    bracket = await first.place_bracket_order(
        BTC, OrderSide.BUY, D("0.010"), entry_price=None, stop_loss_price=D("49000"),
        take_profit_price=D("52000"),
    )
    await wait_for(lambda: _exits_live(bracket, D("0.010")))
    take_profit = bracket.take_profit
    assert take_profit is not None
    first.on("order_filled", _ban_once(simulator, OrderRole.STOP_LOSS))
    simulator.set_price(BTC, D("48900"))
    await wait_for(lambda: bracket.status is BracketStatus.CLOSED)
    await first.stop()  # before the retry: the take-profit is still live
    await asyncio.sleep(1.5)  # the ban is over
    assert [o.client_order_id for o in await exchange.get_open_orders(BTC)] == [
        take_profit.client_order_id
    ]
    second = OrderManager(exchange, db, client_order_id_prefix=first.client_order_id_prefix)
    await second.start()
    try:
        tracked = second.get_order(take_profit.client_order_id)
        assert tracked is not None
        await wait_for(lambda: tracked.status is OrderStatus.CANCELED, seconds=30)
    finally:
        await second.stop()
