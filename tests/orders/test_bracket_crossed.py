"""A bracket exit whose trigger the market has already passed when it is to be placed:
the position is closed at market instead of being left unprotected."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Awaitable, Callable
from decimal import Decimal

import pytest

from execution.exchange.asterdex import AsterDEXExchange
from execution.models import OrderSide, OrderStatus, OrderType
from execution.orders.bracket import CLOSED_BECAUSE
from execution.orders.bracket_exits import EXIT_CROSSED
from execution.orders.brackets import Bracket, BracketStatus
from execution.orders.managed import ManagedOrder, OrderRole
from execution.orders.manager import OrderManager
from execution.simulator import SimulatedExchange

D = Decimal
BTC = "BTCUSDT"
Waiter = Callable[..., Awaitable[None]]


def count_callbacks(manager: OrderManager) -> Counter[str]:
    counts: Counter[str] = Counter()
    for name in ("order_placed", "order_filled", "order_cancelled", "order_rejected",
                 "stop_loss_placed", "take_profit_placed", "bracket_exit_crossed"):

        def record(m: ManagedOrder, name: str = name) -> None:
            counts[name] += 1

        manager.on(name, record)
    return counts


async def limit_bracket(manager: OrderManager) -> Bracket:
    bracket = await manager.place_bracket_order(
        BTC,
        OrderSide.BUY,
        D("0.010"),
        entry_price=D("49900"),
        stop_loss_price=D("49000"),
        take_profit_price=D("51000"),
    )
    assert bracket.entry.status is OrderStatus.NEW
    return bracket


async def assert_flat_and_closed(
    manager: OrderManager, bracket: Bracket, exchange: AsterDEXExchange, role: OrderRole
) -> ManagedOrder:
    assert bracket.status is BracketStatus.CLOSED and bracket.error is None
    close = bracket.stop_loss if role is OrderRole.STOP_LOSS else bracket.take_profit
    assert close is not None and close.status is OrderStatus.FILLED
    assert close.order.order_type is OrderType.MARKET and close.order.reduce_only
    assert close.order.side is OrderSide.SELL and close.filled_quantity == D("0.010")
    assert close.parent_order_id == bracket.entry.client_order_id
    assert close.attributes[CLOSED_BECAUSE] == bracket.exit_reason
    assert await exchange.get_positions(BTC) == []
    assert await exchange.get_open_orders(BTC) == []
    assert manager.store is not None
    await manager.flush()
    trail = await manager.store.query_events(bracket.entry.client_order_id)
    assert [e.kind for e in trail].count(EXIT_CROSSED) == 1
    return close


async def test_stop_crossed_before_entry_fills_closes_at_market(
    wait_for: Waiter,
    manager: OrderManager,
    manager_factory: Callable[..., Awaitable[OrderManager]],
    simulator: SimulatedExchange,
    exchange: AsterDEXExchange,
    caplog: pytest.LogCaptureFixture,
) -> None:
    counts = count_callbacks(manager)
    bracket = await limit_bracket(manager)
    caplog.set_level(logging.WARNING, logger="execution.orders")
    simulator.set_price(BTC, D("48900"))  # through the stop; the limit entry fills
    await wait_for(lambda: bracket.status is BracketStatus.CLOSED and not bracket.entry.is_open)
    await manager.flush()
    close = await assert_flat_and_closed(manager, bracket, exchange, OrderRole.STOP_LOSS)
    assert bracket.exit_reason is not None and "stop-loss 49000" in bracket.exit_reason
    assert bracket.take_profit is None  # never placed: the trade is over
    assert [x.client_order_id for x in bracket.exits] == [close.client_order_id]
    assert any(
        r.levelno == logging.WARNING and "already crossed" in r.getMessage()
        for r in caplog.records
    )
    assert counts["bracket_exit_crossed"] == 1
    assert counts["order_filled"] == 2  # the entry and the market close
    assert counts["stop_loss_placed"] == 0 and counts["order_rejected"] == 0
    # After a restart the bracket is known closed, and why.
    await manager.stop()
    restarted = await manager_factory()
    again = restarted.brackets[bracket.bracket_id]
    assert again.status is BracketStatus.CLOSED and again.exit_reason == bracket.exit_reason
    assert restarted.last_reconciliation is not None
    assert restarted.last_reconciliation.unprotected == []


async def test_exchange_would_immediately_trigger_closes_at_market(
    wait_for: Waiter,
    manager: OrderManager,
    simulator: SimulatedExchange,
    exchange: AsterDEXExchange,
) -> None:
    counts = count_callbacks(manager)
    bracket = await limit_bracket(manager)
    # The stop is fine locally but the exchange says -2021 (the price moved in between).
    simulator.faults.fail_requests(count=1, status=400, code=-2021, path="order", method="POST")
    simulator.fill_order(BTC, client_order_id=bracket.entry.client_order_id)
    await wait_for(lambda: bracket.status is BracketStatus.CLOSED)
    await wait_for(lambda: counts["order_filled"] == 2)
    close = await assert_flat_and_closed(manager, bracket, exchange, OrderRole.STOP_LOSS)
    refused = [x for x in manager.orders if x.order.order_type is OrderType.STOP_LOSS]
    assert len(refused) == 1 and refused[0].status is OrderStatus.REJECTED
    assert bracket.exit_reason is not None and "-2021" in bracket.exit_reason
    assert close.role is OrderRole.STOP_LOSS
    assert counts["bracket_exit_crossed"] == 1 and counts["order_rejected"] == 1


async def test_take_profit_crossed_takes_the_profit_at_market(
    wait_for: Waiter,
    manager: OrderManager,
    simulator: SimulatedExchange,
    exchange: AsterDEXExchange,
) -> None:
    counts = count_callbacks(manager)
    bracket = await limit_bracket(manager)
    simulator.set_price(BTC, D("51100"))  # past the take-profit; the entry still rests
    simulator.fill_order(BTC, client_order_id=bracket.entry.client_order_id)
    await wait_for(
        lambda: bracket.status is BracketStatus.CLOSED
        and bracket.stop_loss is not None
        and not bracket.stop_loss.is_open
    )
    close = await assert_flat_and_closed(manager, bracket, exchange, OrderRole.TAKE_PROFIT)
    assert bracket.stop_loss is not None
    assert bracket.stop_loss.status is OrderStatus.CANCELED  # the other exit is cancelled
    assert bracket.exit_reason is not None and "take-profit 51000" in bracket.exit_reason
    assert close.order.realized_pnl > 0 or close.order.average_price is not None
    assert counts["bracket_exit_crossed"] == 1 and counts["order_cancelled"] == 1
