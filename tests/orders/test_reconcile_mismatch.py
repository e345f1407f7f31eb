"""An answer at start that does not describe the stored order (another exchange order id
under its client id: a store written by hand, an id reused on another account) is flagged
in the reconciliation report and the order left as it was; the manager still starts and
every other order is reconciled. Before, the mismatch escaped and `start()` failed."""

from __future__ import annotations

import sqlite3
from collections.abc import Awaitable, Callable
from decimal import Decimal
from pathlib import Path

import pytest

from execution.exchange.asterdex import AsterDEXExchange
from execution.models import OrderSide, OrderStatus
from execution.orders.manager import OrderManager
from execution.simulator import SimulatedExchange

D = Decimal
BTC = "BTCUSDT"
Waiter = Callable[..., Awaitable[None]]


@pytest.mark.parametrize("listed", [True, False], ids=["listed-open", "queried"])
async def test_a_mismatched_answer_is_flagged_and_the_start_goes_on(
    exchange: AsterDEXExchange, simulator: SimulatedExchange, tmp_path: Path,
    wait_for: Waiter, listed: bool,
) -> None:
    simulator.set_price(BTC, D("50000"))
    db = tmp_path / "orders.sqlite"
    first = OrderManager(exchange, db)
    await first.start()
    odd = await first.place_limit_order(BTC, OrderSide.BUY, D("0.010"), D("40000"))
    fine = await first.place_limit_order(BTC, OrderSide.BUY, D("0.010"), D("41000"))
    prefix = first.client_order_id_prefix
    await first.stop()
    if not listed:  # no longer open: the start queries it by client id
        await exchange.cancel_order(None, BTC, client_order_id=odd.client_order_id)
    await exchange.cancel_order(None, BTC, client_order_id=fine.client_order_id)
    with sqlite3.connect(db) as connection:  # the stored row names another exchange order
        connection.execute("UPDATE orders SET order_id = '987654321' WHERE client_order_id = ?",
                           (odd.client_order_id,))

    second = OrderManager(exchange, db, client_order_id_prefix=prefix)
    report = await second.start()
    try:
        flagged = dict(report.flagged)
        assert odd.client_order_id in flagged, report
        assert "987654321" in flagged[odd.client_order_id]
        kept = second.get_order(odd.client_order_id)
        assert kept is not None and kept.order.order_id == "987654321"
        assert kept.status is OrderStatus.NEW  # left as stored: not guessed either way
        other = second.get_order(fine.client_order_id)
        assert other is not None
        await wait_for(lambda: other.status is OrderStatus.CANCELED)
    finally:
        await second.stop()
