"""Our user stream while the venue pushes events beside order updates (`MARGIN_CALL`,
delivered as a typed `MarginCall`; `announcement`, ignored): the stream stays on the same
socket and keeps delivering order updates."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from execution.exchange.asterdex import AsterDEXExchange
from execution.models import (
    MarginCall,
    OrderSide,
    OrderStatus,
    OrderType,
    OrderUpdate,
    UserEvent,
)
from execution.simulator import SimulatedExchange

from .test_listen_key_recovery import SYMBOL, Recorder

D = Decimal


async def _margin_call(sim: SimulatedExchange, client: AsterDEXExchange) -> None:
    """A long at leverage 20 walked toward its liquidation price until the venue calls."""
    await client.set_leverage(SYMBOL, 20)
    await client.create_order(SYMBOL, OrderSide.BUY, OrderType.MARKET, D("3"),
                              client_order_id="notice-open")
    [position] = [p for p in await client.get_positions(SYMBOL) if p.quantity]
    entry, liquidation = position.entry_price, position.liquidation_price
    desk = sim.engine.margin_calls
    for step in range(1, 1000):
        sim.set_price(SYMBOL, (entry - (entry - liquidation) * step / 1000).quantize(D("0.1")))
        if desk.calls:
            return
    raise AssertionError("no margin call")


def _closed(event: UserEvent) -> bool:
    return (isinstance(event, OrderUpdate) and not event.from_resync
            and event.order.client_order_id == "notice-close"
            and event.order.status is OrderStatus.FILLED)


async def test_margin_calls_and_announcements_do_not_break_the_user_stream(
    make_client: Any, simulator: SimulatedExchange, auth: str
) -> None:
    async with make_client(simulator, auth) as client:
        events = Recorder()
        await client.start_user_stream(events)
        await events.wait_for(lambda e: events.resynced() >= 1)
        stream = client.user_stream
        assert stream is not None
        await _margin_call(simulator, client)
        await events.wait_for(lambda e: isinstance(e, MarginCall))
        board = simulator.engine.announcements
        now = simulator.server_time_ms()
        board.publish(simulator.account.account_id, [("en", "Direct", "", "<p>x</p>")],
                      category="MAINTENANCE", publish_time=now)
        board.publish_public([("en", "Public", "", "<p>y</p>")], publish_time=now)
        # after them on the same socket: an order update, parsed and delivered live
        await client.create_order(SYMBOL, OrderSide.SELL, OrderType.MARKET, D("3"),
                                  reduce_only=True, client_order_id="notice-close")
        await events.wait_for(_closed)
        assert stream.connected and stream.connections == 1
        assert events.resynced() == 1  # no reconnect, no resync in between
