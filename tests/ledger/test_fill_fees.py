"""A fill a REST answer showed first (no stream to bring its trade) still reaches
`order_filled`, the order and the ledger with the exchange's fee: read from `userTrades`,
never a 0."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from tests.ledger.conftest import wait_until

from execution.exchange.account_history import account_history_of
from execution.exchange.asterdex import AsterDEXExchange
from execution.models import OrderSide
from execution.orders.managed import ManagedOrder
from execution.orders.manager import OrderManager
from execution.simulator import SimulatedExchange

D = Decimal


async def test_order_filled_carries_the_fee_when_the_rest_answer_came_first(
    simulator: SimulatedExchange, exchange: AsterDEXExchange, tmp_path: Path,
) -> None:
    simulator.set_price("BTCUSDT", D("50000"))
    seen: list[tuple[Decimal, str, Decimal]] = []

    def filled(managed: ManagedOrder) -> None:
        order = managed.order
        seen.append((order.commission, order.commission_asset, order.filled_quantity))

    async with OrderManager(exchange, tmp_path / "orders.sqlite", poll_interval=60) as manager:
        manager.on("order_filled", filled)
        await exchange.stop_user_stream()  # only the REST answer tells of the fill
        placed = await manager.place_market_order("BTCUSDT", OrderSide.BUY, D("0.01"))
        await wait_until(lambda: seen, 10)
        (trade,) = await account_history_of(exchange).trades("BTCUSDT")
        assert trade.commission > 0
        assert seen == [(trade.commission, "USDT", D("0.01"))]
        assert placed.order.commission == trade.commission
        await manager.flush()
        (fill,) = await manager.store.load_fills()  # type: ignore[union-attr]
        assert (fill.trade_id, fill.commission) == (trade.trade_id, trade.commission)


async def test_an_order_adopted_from_its_trade_update_records_that_trade(
    simulator: SimulatedExchange, exchange: AsterDEXExchange, tmp_path: Path,
) -> None:
    """The first word of an order not placed here is its trade (its NEW was missed): the
    adoption counts the quantity and the trade's fee and realised PnL are kept too."""
    from execution.models import Order, OrderStatus, OrderType, OrderUpdate

    async with OrderManager(exchange, tmp_path / "orders.sqlite", adopt="all",
                            poll_interval=60) as manager:
        snapshot = Order(symbol="BTCUSDT", side=OrderSide.BUY, order_type=OrderType.MARKET,
                         quantity=D("0.01"), client_order_id="elsewhere-1", order_id="77",
                         status=OrderStatus.FILLED, filled_quantity=D("0.01"),
                         average_price=D("50000"))
        manager.handle_event(OrderUpdate(
            order=snapshot, execution_type="TRADE", event_time=1_000, transaction_time=1_000,
            last_filled_quantity=D("0.01"), last_filled_price=D("50000"), trade_id=501,
            commission=D("0.25"), commission_asset="USDT", realized_pnl=D("0")))
        adopted = manager.get_order("elsewhere-1")
        assert adopted is not None and adopted.adopted
        assert adopted.order.commission == D("0.25") and 501 in adopted.trade_ids
        await manager.flush()
        (fill,) = await manager.store.load_fills()  # type: ignore[union-attr]
        assert (fill.trade_id, fill.commission, fill.order_id) == (501, D("0.25"), "77")
