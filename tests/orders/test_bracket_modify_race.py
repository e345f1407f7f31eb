"""A bracket's stop moved by the caller (cancel and replace) while the exchange is slow:
the sync the cancel wakes must not put the old stop back beside the replacement (and then
cancel the replacement, undoing the move). Before, with 300 ms per request, a second stop
at the old price went out during the replacement's placement and the moved one was
cancelled."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from decimal import Decimal as D

import pytest

from execution.exchange.asterdex import AsterDEXExchange
from execution.models import OrderSide, OrderStatus
from execution.orders.modify import ReplaceFailedError
from execution.simulator import SimulatedExchange

from .bracket_helpers import exits_live, live_bracket
from .conftest import ManagerFactory

BTC = "BTCUSDT"
Waiter = Callable[..., Awaitable[None]]



def stop_posts(sim: SimulatedExchange) -> list[str]:
    return [r.params.get("stopPrice", "") for r in sim.request_log
            if r.method == "POST" and r.path.endswith("/order")
            and r.params.get("type") == "STOP_MARKET"]


async def test_a_moved_stop_stays_moved_when_the_exchange_is_slow(
    manager_factory: ManagerFactory, simulator: SimulatedExchange, exchange: AsterDEXExchange,
    wait_for: Waiter,
) -> None:
    simulator.set_price(BTC, D("50000"))
    manager = await manager_factory()
    bracket = await live_bracket(manager, wait_for)
    assert bracket.stop_loss is not None
    simulator.faults.latency_ms = 300
    try:
        moved = await manager.modify_order(bracket.stop_loss.client_order_id,
                                           new_price=D("48500"))
        await wait_for(lambda: not manager._brackets.busy, 15.0)  # every sync woken is done
    finally:
        simulator.faults.latency_ms = 0
    assert moved.status is OrderStatus.NEW and moved.order.stop_price == D("48500")
    assert bracket.stop_loss is moved
    stops = [o for o in await exchange.get_open_orders(BTC) if o.stop_price is not None
             and o.side is OrderSide.SELL and o.order_type.value == "STOP_MARKET"]
    assert [(o.client_order_id, o.stop_price) for o in stops] == [
        (moved.client_order_id, D("48500"))]
    assert stop_posts(simulator) == ["48000", "48500"]  # no old stop put back


async def test_a_stop_whose_replacement_is_refused_is_put_back(
    manager_factory: ManagerFactory, simulator: SimulatedExchange, exchange: AsterDEXExchange,
    wait_for: Waiter,
) -> None:
    simulator.set_price(BTC, D("50000"))
    manager = await manager_factory()
    bracket = await live_bracket(manager, wait_for)
    assert bracket.stop_loss is not None
    old = bracket.stop_loss
    simulator.faults.fail_requests(1, status=400, code=-2010, path="order", method="POST")
    with pytest.raises(ReplaceFailedError):
        await manager.modify_order(old.client_order_id, new_price=D("48500"))
    assert old.status is OrderStatus.CANCELED
    # The bracket puts its stop back (at its own price): the position is not left naked.
    await wait_for(lambda: bracket.stop_loss is not None and bracket.stop_loss is not old
                   and bracket.stop_loss.is_open and bracket.stop_loss.order.order_id != "", 15.0)
    assert bracket.stop_loss is not None and bracket.stop_loss.order.stop_price == D("48000")
    stops = [o for o in await exchange.get_open_orders(BTC) if o.order_type.value == "STOP_MARKET"]
    assert [o.client_order_id for o in stops] == [bracket.stop_loss.client_order_id]


async def test_a_moved_stop_put_back_later_goes_where_it_was_moved(
    manager_factory: ManagerFactory, simulator: SimulatedExchange, wait_for: Waiter,
) -> None:
    """After a move, the bracket's own price is the moved one: a stop cancelled behind the
    manager's back is put back there (before: at the first price), and a restart keeps it."""
    simulator.set_price(BTC, D("50000"))
    manager = await manager_factory()
    bracket = await live_bracket(manager, wait_for)
    assert bracket.stop_loss is not None
    moved = await manager.modify_order(bracket.stop_loss.client_order_id, new_price=D("48500"))
    simulator.engine.private(simulator.account.account_id, "DELETE", "order",
                             {"symbol": BTC, "origClientOrderId": moved.client_order_id})
    await wait_for(lambda: bracket.stop_loss is not moved and exits_live(bracket), 15.0)
    assert bracket.stop_loss is not None
    assert bracket.stop_loss.order.stop_price == D("48500")
    await manager.stop()
    restarted = await manager_factory()
    again = restarted.brackets[bracket.bracket_id]
    assert again.stop_loss_price == D("48500")
