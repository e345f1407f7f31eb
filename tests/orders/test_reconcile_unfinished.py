"""What a start's reconciliation could not read (the exchange refusing for a while: a ban,
5xx) is read again in the background until done, never dropped.

Before, a symbol's order history the start could not read was flagged and never read
again: an order this manager had sent from memory while its store could not write, lost
with the process and ended since (so not among the open orders), stayed unknown to the
manager and the store for good (the fault soak's "lost" orders)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from decimal import Decimal
from pathlib import Path

from execution.exchange.asterdex import AsterDEXExchange
from execution.models import OrderSide, OrderStatus, OrderType
from execution.orders.manager import OrderManager
from execution.simulator import SimulatedExchange
from execution.store import OrderStore

D = Decimal
BTC = "BTCUSDT"
Waiter = Callable[..., Awaitable[None]]


async def test_an_order_only_the_unread_history_shows_is_taken_over_once_it_can_be_read(
    exchange: AsterDEXExchange, simulator: SimulatedExchange, tmp_path: Path,
    wait_for: Waiter,
) -> None:
    db = tmp_path / "orders.sqlite"
    first = OrderManager(exchange, db)
    await first.start()
    known = await first.place_market_order(BTC, OrderSide.BUY, D("0.010"))
    await wait_for(lambda: known.status is OrderStatus.FILLED)
    prefix = first.client_order_id_prefix
    await first.stop()
    # Sent by that manager from memory (its store full), then the process died: filled on
    # the exchange, in no store.
    lost = f"{prefix}-{'a' * 20}"
    await exchange.create_order(BTC, OrderSide.SELL, OrderType.MARKET, D("0.004"),
                                client_order_id=lost)
    simulator.faults.fail_requests(4, status=500, code=-1000, path="allOrders", method="GET")

    second = OrderManager(exchange, db, client_order_id_prefix=prefix)
    report = await second.start()
    try:
        assert report.unfinished.history  # the start could not read BTCUSDT's history
        await wait_for(lambda: second.get_order(lost) is not None, seconds=30)
        taken = second.get_order(lost)
        assert taken is not None and taken.status is OrderStatus.FILLED
        assert taken.filled_quantity == D("0.004")
    finally:
        await second.stop()
    async with OrderStore(db) as store:
        stored = {m.client_order_id: m for m in await store.query_orders()}
    assert stored[lost].status is OrderStatus.FILLED


async def test_an_order_the_start_could_not_query_is_brought_to_the_exchange_state(
    exchange: AsterDEXExchange, simulator: SimulatedExchange, tmp_path: Path,
    wait_for: Waiter,
) -> None:
    db = tmp_path / "orders.sqlite"
    first = OrderManager(exchange, db)
    await first.start()
    resting = await first.place_limit_order(BTC, OrderSide.BUY, D("0.010"), D("40000"))
    await wait_for(lambda: resting.status is OrderStatus.NEW)
    prefix = first.client_order_id_prefix
    await first.stop()
    # While no manager runs, the order is cancelled; the next start cannot query it.
    await exchange.cancel_order(None, BTC, client_order_id=resting.client_order_id)
    simulator.faults.fail_requests(4, status=500, code=-1000, path="order", method="GET")

    second = OrderManager(exchange, db, client_order_id_prefix=prefix)
    report = await second.start()
    try:
        assert resting.client_order_id in report.unfinished.orders
        order = second.get_order(resting.client_order_id)
        assert order is not None
        await wait_for(lambda: order.status is OrderStatus.CANCELED, seconds=30)
    finally:
        await second.stop()


async def test_the_history_sweep_reads_past_a_full_page(
    exchange: AsterDEXExchange, simulator: SimulatedExchange, tmp_path: Path,
    wait_for: Waiter,
) -> None:
    db = tmp_path / "orders.sqlite"
    first = OrderManager(exchange, db)
    await first.start()
    known = await first.place_market_order(BTC, OrderSide.BUY, D("0.010"))
    await wait_for(lambda: known.status is OrderStatus.FILLED)
    prefix = first.client_order_id_prefix
    await first.stop()
    account_id = simulator.account.account_id
    for n in range(1000):  # another trader's orders fill more than one page of history
        side = "BUY" if n % 2 else "SELL"
        simulator.engine.private(account_id, "POST", "order", {
            "symbol": BTC, "side": side, "type": "MARKET", "quantity": "0.001",
            "newClientOrderId": f"x-{n}",
        })
    lost = f"{prefix}-{'b' * 20}"  # sent from memory, then the process died
    await exchange.create_order(BTC, OrderSide.SELL, OrderType.MARKET, D("0.004"),
                                client_order_id=lost)
    second = OrderManager(exchange, db, client_order_id_prefix=prefix)
    await second.start()
    try:
        taken = second.get_order(lost)
        assert taken is not None and taken.status is OrderStatus.FILLED
    finally:
        await second.stop()
