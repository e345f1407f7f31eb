"""A cancel-and-replace goes out as validated: the replacement the manager tracks has the
rounded trigger and quantity the exchange has (before, the figures asked for were kept
locally while the client rounded them on the wire: 49654.9775 tracked, 49655 live)."""

from __future__ import annotations

from decimal import Decimal as D

from execution.models import OrderSide
from execution.simulator import SimulatedExchange

from .conftest import ManagerFactory

BTC = "BTCUSDT"


async def test_a_replacement_is_tracked_as_the_exchange_has_it(
    manager_factory: ManagerFactory, simulator: SimulatedExchange,
) -> None:
    simulator.set_price(BTC, D("50000"))
    manager = await manager_factory()
    await manager.place_market_order(BTC, OrderSide.BUY, D("0.020"))  # a long to protect
    stop = await manager.place_stop_loss_order(BTC, OrderSide.SELL, D("0.010"), D("48000"))
    moved = await manager.modify_order(stop.client_order_id, new_price=D("49654.9775"),
                                       new_quantity=D("0.0127"))
    account = simulator.account.account_id
    live = simulator.engine.private(account, "GET", "order",
                                    {"symbol": BTC, "origClientOrderId": moved.client_order_id})
    assert (moved.order.stop_price, moved.order.quantity) == (
        D(live["stopPrice"]), D(live["origQty"]))
    assert moved.order.stop_price == D("49655.0")  # a long's stop: rounded up (earlier)
    assert moved.order.quantity == D("0.012")  # quantities: rounded down
