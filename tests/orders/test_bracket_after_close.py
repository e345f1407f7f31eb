"""A bracket whose position the caller flattened (`close_position`, `panic`) is over:
CLOSED with the reason, nothing of it left working. Before, its exits were detached by the
close and the bracket stayed ACTIVE for good, with no exits and no position."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from decimal import Decimal as D

from execution.exchange.asterdex import AsterDEXExchange
from execution.models import OrderSide
from execution.orders.bracket import BracketStatus
from execution.simulator import SimulatedExchange

from .bracket_helpers import exits_live, live_bracket
from .conftest import ManagerFactory

BTC = "BTCUSDT"
Waiter = Callable[..., Awaitable[None]]



async def test_close_position_ends_the_symbols_brackets(
    manager_factory: ManagerFactory, simulator: SimulatedExchange, exchange: AsterDEXExchange,
    wait_for: Waiter,
) -> None:
    simulator.set_price(BTC, D("50000"))
    manager = await manager_factory()
    bracket = await live_bracket(manager, wait_for)
    await manager.close_position(BTC)
    await wait_for(lambda: bracket.status is BracketStatus.CLOSED, 15.0)
    assert bracket.exit_reason == "close_position"
    assert not any(x.is_open for x in bracket.exits)
    assert await exchange.get_open_orders(BTC) == []


async def test_panic_ends_every_bracket_it_flattened(
    manager_factory: ManagerFactory, simulator: SimulatedExchange, exchange: AsterDEXExchange,
    wait_for: Waiter,
) -> None:
    simulator.set_price(BTC, D("50000"))
    simulator.set_price("ETHUSDT", D("3000"))
    manager = await manager_factory()
    brackets = [
        await manager.place_bracket_order(BTC, OrderSide.BUY, D("0.02"),
                                          stop_loss_price=D("48000"),
                                          take_profit_price=D("51000")),
        await manager.place_bracket_order("ETHUSDT", OrderSide.SELL, D("0.1"),
                                          stop_loss_price=D("3300"),
                                          take_profit_price=D("2800")),
    ]
    await wait_for(lambda: all(exits_live(b) for b in brackets), 15.0)
    report = await manager.panic()
    assert report.flat, report.summary()
    await wait_for(lambda: all(b.status is BracketStatus.CLOSED for b in brackets), 15.0)
    assert {b.exit_reason for b in brackets} == {"panic"}
    assert await exchange.get_open_orders() == []
