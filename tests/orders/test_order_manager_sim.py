"""The order manager against the simulator over loopback: every order kind, brackets,
modify under failure, callbacks, and a stream outage covered by polling."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Awaitable, Callable
from decimal import Decimal

import pytest

from execution.errors import ExchangeError, InvalidOrderError, OrderNotFoundError, ValidationError
from execution.exchange.asterdex import AsterDEXExchange
from execution.models import OrderSide, OrderStatus, OrderType
from execution.orders.brackets import BracketStatus
from execution.orders.managed import ManagedOrder
from execution.orders.manager import OrderManager
from execution.orders.modify import ReplaceFailedError
from execution.simulator import SimulatedExchange

D = Decimal
BTC = "BTCUSDT"
Waiter = Callable[..., Awaitable[None]]


async def exchange_open(exchange: AsterDEXExchange, symbol: str = BTC) -> dict[str, D]:
    """Open orders on the exchange: client id -> quantity."""
    return {o.client_order_id: o.quantity for o in await exchange.get_open_orders(symbol)}


async def test_limit_and_market_orders(
    wait_for: Waiter, manager: OrderManager, simulator: SimulatedExchange
) -> None:
    limit = await manager.place_limit_order(
        BTC, OrderSide.BUY, "0.0109", "49000.07", strategy_name="s", tags=("t",)
    )
    assert limit.status is OrderStatus.NEW and limit.order.order_id
    assert limit.order.quantity == D("0.010") and limit.order.price == D("49000.0")
    assert manager.get_order(limit.order.order_id) is limit
    assert manager.get_order(limit.client_order_id) is limit
    market = await manager.place_market_order(BTC, OrderSide.BUY, D("0.01"), strategy_name="s")
    assert market.status is OrderStatus.FILLED and market.order.average_price
    await wait_for(lambda: market.order.commission > 0)  # fees arrive with the stream trade
    assert simulator.orders_created(market.client_order_id) == 1


async def test_stop_loss_and_take_profit_orders(
    wait_for: Waiter, manager: OrderManager, simulator: SimulatedExchange
) -> None:
    await manager.place_market_order(BTC, OrderSide.BUY, D("0.02"))
    stop = await manager.place_stop_loss_order(BTC, OrderSide.SELL, D("0.01"), D("49000"))
    profit = await manager.place_take_profit_order(BTC, OrderSide.SELL, D("0.01"), D("51000"))
    assert stop.order.order_type is OrderType.STOP_LOSS and stop.order.reduce_only
    assert (stop.status, profit.status) == (OrderStatus.NEW, OrderStatus.NEW)
    simulator.set_price(BTC, D("48900"))
    await wait_for(lambda: stop.status is OrderStatus.FILLED)
    simulator.set_price(BTC, D("51100"))
    await wait_for(lambda: profit.status is OrderStatus.FILLED)


async def test_validation_rejects_before_sending(
    manager: OrderManager, simulator: SimulatedExchange
) -> None:
    before = len(simulator.request_log)
    with pytest.raises(ValidationError):
        await manager.place_stop_loss_order(BTC, OrderSide.SELL, D("0.01"), D("51000"))
    with pytest.raises(ValidationError):  # reduce-only without a position
        await manager.place_stop_loss_order(BTC, OrderSide.SELL, D("0.01"), D("49000"))
    with pytest.raises(ValidationError):
        await manager.place_limit_order("NOPEUSDT", OrderSide.BUY, D("1"), D("1"))
    posts = [r for r in list(simulator.request_log)[before:] if r.method == "POST"]
    assert posts == []
    assert manager.orders == []


async def test_bracket_stop_fills_take_profit_cancelled(
    wait_for: Waiter,
    manager: OrderManager,
    simulator: SimulatedExchange,
    exchange: AsterDEXExchange,
) -> None:
    bracket = await manager.place_bracket_order(
        BTC,
        OrderSide.BUY,
        D("0.01"),
        stop_loss_price=D("49000"),
        take_profit_price=D("51000"),
        strategy_name="b",
    )
    assert bracket.entry.status is OrderStatus.FILLED
    assert bracket.stop_loss is not None and bracket.take_profit is not None
    assert bracket.stop_loss.order.quantity == D("0.01")
    assert bracket.stop_loss.parent_order_id == bracket.entry.client_order_id
    assert set(await exchange_open(exchange)) == {
        bracket.stop_loss.client_order_id,
        bracket.take_profit.client_order_id,
    }
    simulator.set_price(BTC, D("48900"))
    take_profit = bracket.take_profit
    await wait_for(lambda: take_profit.status is OrderStatus.CANCELED)
    assert bracket.stop_loss.status is OrderStatus.FILLED
    assert bracket.status is BracketStatus.CLOSED
    assert await exchange_open(exchange) == {}
    assert await exchange.get_positions(BTC) == []


async def test_bracket_take_profit_fills_stop_cancelled(
    wait_for: Waiter,
    manager: OrderManager,
    simulator: SimulatedExchange,
    exchange: AsterDEXExchange,
) -> None:
    bracket = await manager.place_bracket_order(
        BTC,
        OrderSide.SELL,
        D("0.01"),
        stop_loss_price=D("51000"),
        take_profit_price=D("49000"),
    )
    assert bracket.stop_loss is not None and bracket.take_profit is not None
    stop = bracket.stop_loss
    simulator.set_price(BTC, D("48900"))
    await wait_for(lambda: stop.status is OrderStatus.CANCELED)
    assert bracket.take_profit.status is OrderStatus.FILLED
    assert bracket.status is BracketStatus.CLOSED
    assert await exchange_open(exchange) == {}
    assert await exchange.get_positions(BTC) == []


async def test_partial_entry_fill_sizes_and_resizes_exits(
    wait_for: Waiter,
    manager: OrderManager,
    simulator: SimulatedExchange,
    exchange: AsterDEXExchange,
) -> None:
    bracket = await manager.place_bracket_order(
        BTC,
        OrderSide.BUY,
        D("0.010"),
        entry_price=D("49900"),
        stop_loss_price=D("49000"),
        take_profit_price=D("51000"),
    )
    entry = bracket.entry
    assert entry.status is OrderStatus.NEW and bracket.stop_loss is None
    simulator.fill_order(BTC, client_order_id=entry.client_order_id, quantity=D("0.004"))
    await wait_for(
        lambda: (
            bracket.take_profit is not None
            and bracket.take_profit.is_open
            and bracket.stop_loss is not None
            and bracket.stop_loss.is_open
        )
    )
    assert await exchange_open(exchange) == {
        entry.client_order_id: D("0.010"),
        bracket.stop_loss.client_order_id: D("0.004"),  # type: ignore[union-attr]
        bracket.take_profit.client_order_id: D("0.004"),  # type: ignore[union-attr]
    }
    first_stop = bracket.stop_loss
    simulator.fill_order(BTC, client_order_id=entry.client_order_id, quantity=D("0.003"))
    await wait_for(
        lambda: (
            bracket.stop_loss is not first_stop
            and bracket.stop_loss is not None
            and bracket.stop_loss.is_open
            and bracket.take_profit is not None
            and bracket.take_profit.order.quantity == D("0.007")
            and bracket.take_profit.is_open
        )
    )
    assert bracket.stop_loss is not None and first_stop is not None
    assert bracket.stop_loss.replaces == first_stop.client_order_id
    assert first_stop.replaced_by == bracket.stop_loss.client_order_id
    assert first_stop.status is OrderStatus.CANCELED
    quantities = await exchange_open(exchange)
    assert quantities[bracket.stop_loss.client_order_id] == D("0.007")
    assert len(quantities) == 3
    simulator.fill_order(BTC, client_order_id=entry.client_order_id)
    await wait_for(
        lambda: (
            bracket.stop_loss is not None
            and bracket.stop_loss.is_open
            and bracket.stop_loss.order.quantity == D("0.010")
            and bracket.take_profit is not None
            and bracket.take_profit.is_open
            and bracket.take_profit.order.quantity == D("0.010")
        )
    )
    await asyncio.sleep(0.1)
    assert sorted((await exchange_open(exchange)).values()) == [D("0.010"), D("0.010")]


async def test_modify_keeps_lineage(manager: OrderManager, exchange: AsterDEXExchange) -> None:
    original = await manager.place_limit_order(
        BTC, OrderSide.BUY, D("0.01"), D("49000"), strategy_name="m", tags=("x",)
    )
    replacement = await manager.modify_order(
        original.order.order_id, new_price=D("48000"), new_quantity=D("0.02")
    )
    assert original.status is OrderStatus.CANCELED
    assert replacement.status is OrderStatus.NEW
    assert (replacement.order.price, replacement.order.quantity) == (D("48000"), D("0.02"))
    assert replacement.replaces == original.client_order_id
    assert original.replaced_by == replacement.client_order_id
    assert (replacement.strategy_name, replacement.tags) == ("m", ("x",))
    assert await exchange_open(exchange) == {replacement.client_order_id: D("0.02")}


async def test_modify_when_cancel_fails_leaves_original(
    manager: OrderManager, simulator: SimulatedExchange, exchange: AsterDEXExchange
) -> None:
    original = await manager.place_limit_order(BTC, OrderSide.BUY, D("0.01"), D("49000"))
    simulator.faults.fail_requests(count=1, status=400, code=-2011, path="order", method="DELETE")
    with pytest.raises(ExchangeError):
        await manager.modify_order(original.client_order_id, new_price=D("48000"))
    assert original.status is OrderStatus.NEW and original.replaced_by is None
    assert await exchange_open(exchange) == {original.client_order_id: D("0.01")}
    assert len(manager.orders) == 1


async def test_modify_when_replace_fails_after_cancel(
    manager: OrderManager, simulator: SimulatedExchange, exchange: AsterDEXExchange
) -> None:
    original = await manager.place_limit_order(BTC, OrderSide.BUY, D("0.01"), D("49000"))
    simulator.faults.fail_requests(count=1, status=400, code=-2010, path="order", method="POST")
    with pytest.raises(ReplaceFailedError) as info:
        await manager.modify_order(original.client_order_id, new_price=D("48000"))
    assert info.value.original is original
    assert isinstance(info.value.cause, InvalidOrderError)
    assert original.status is OrderStatus.CANCELED
    replacement = manager.get_order(original.replaced_by or "")
    assert replacement is not None and replacement.status is OrderStatus.REJECTED
    assert replacement.replaces == original.client_order_id
    assert await exchange_open(exchange) == {}
    assert manager.store is not None
    await manager.flush()
    trail = await manager.store.query_events(original.client_order_id)
    assert "REPLACE_FAILED" in [e.kind for e in trail]


async def test_modify_of_an_order_filled_meanwhile_does_not_replace(
    manager: OrderManager, simulator: SimulatedExchange, exchange: AsterDEXExchange
) -> None:
    await manager.exchange.stop_user_stream()  # the manager does not see the fill coming
    original = await manager.place_limit_order(BTC, OrderSide.BUY, D("0.01"), D("49000"))
    simulator.fill_order(BTC, client_order_id=original.client_order_id)
    with pytest.raises(OrderNotFoundError):
        await manager.modify_order(original.client_order_id, new_price=D("48000"))
    assert original.status is OrderStatus.FILLED and original.replaced_by is None
    assert len(manager.orders) == 1 and await exchange_open(exchange) == {}


async def test_cancel_order_and_cancel_all(
    manager: OrderManager, exchange: AsterDEXExchange
) -> None:
    a = await manager.place_limit_order(BTC, OrderSide.BUY, D("0.01"), D("49000"))
    b = await manager.place_limit_order(BTC, OrderSide.BUY, D("0.01"), D("48000"))
    c = await manager.place_limit_order(BTC, OrderSide.SELL, D("0.01"), D("52000"))
    await manager.cancel_order(a.order.order_id)
    assert a.status is OrderStatus.CANCELED
    with pytest.raises(ValidationError):
        await manager.cancel_order(a.order.order_id)
    cancelled = await manager.cancel_all_orders(BTC)
    assert {m.client_order_id for m in cancelled} == {b.client_order_id, c.client_order_id}
    assert all(m.status is OrderStatus.CANCELED for m in (b, c))
    assert manager.open_orders() == [] and await exchange_open(exchange) == {}


async def test_callbacks_fire_once_each(
    wait_for: Waiter, manager: OrderManager, simulator: SimulatedExchange
) -> None:
    counts: Counter[tuple[str, str]] = Counter()

    def sync_callback(name: str) -> object:
        def record(m: ManagedOrder) -> None:
            counts[(name, m.client_order_id)] += 1

        return record

    async def async_record(m: ManagedOrder) -> None:
        await asyncio.sleep(0)
        counts[("async_filled", m.client_order_id)] += 1

    def broken(m: ManagedOrder) -> None:
        raise RuntimeError("a strategy bug")

    async def broken_async(m: ManagedOrder) -> None:
        raise RuntimeError("an async strategy bug")

    names = [
        "order_placed",
        "order_filled",
        "order_partially_filled",
        "order_cancelled",
        "order_rejected",
        "stop_loss_placed",
        "take_profit_placed",
    ]
    for name in names:
        manager.on(name, broken)
        manager.on(name, sync_callback(name))  # type: ignore[arg-type]
        manager.on(name, broken_async)
    manager.on("order_filled", async_record)
    with pytest.raises(ValidationError):
        manager.on("no_such_event", broken)

    bracket = await manager.place_bracket_order(
        BTC,
        OrderSide.BUY,
        D("0.010"),
        entry_price=D("49900"),
        stop_loss_price=D("49000"),
        take_profit_price=D("51000"),
    )
    entry = bracket.entry
    simulator.fill_order(BTC, client_order_id=entry.client_order_id, quantity=D("0.004"))
    await wait_for(
        lambda: (
            bracket.take_profit is not None
            and bracket.take_profit.is_open
            and bracket.stop_loss is not None
            and bracket.stop_loss.is_open
        )
    )
    simulator.fill_order(BTC, client_order_id=entry.client_order_id)
    await wait_for(
        lambda: (
            bracket.take_profit is not None
            and bracket.take_profit.order.quantity == D("0.010")
            and bracket.take_profit.is_open
            and bracket.stop_loss is not None
            and bracket.stop_loss.is_open
            and bracket.stop_loss.order.quantity == D("0.010")
        )
    )
    simulator.set_price(BTC, D("51100"))
    await wait_for(
        lambda: (
            bracket.status is BracketStatus.CLOSED
            and bracket.stop_loss is not None
            and not bracket.stop_loss.is_open
        )
    )
    simulator.faults.fail_requests(count=1, status=400, code=-2010, path="order", method="POST")
    with pytest.raises(InvalidOrderError):
        await manager.place_limit_order(BTC, OrderSide.BUY, D("0.01"), D("49000"))
    await asyncio.sleep(0.2)  # let any duplicate deliveries arrive

    assert all(n == 1 for n in counts.values()), counts
    by_name = Counter(name for name, _ in counts)
    # entry + 2 first exits + 2 resized exits + the rejected order's absence
    assert by_name["order_placed"] == 5
    assert by_name["stop_loss_placed"] == 2 and by_name["take_profit_placed"] == 2
    assert by_name["order_partially_filled"] == 1
    assert by_name["order_filled"] == 2 and by_name["async_filled"] == 2  # entry, take-profit
    assert by_name["order_cancelled"] == 3  # two resized-away exits, the stop at the end
    assert by_name["order_rejected"] == 1


async def test_stream_outage_covered_by_polling(
    wait_for: Waiter,
    manager: OrderManager,
    simulator: SimulatedExchange,
    exchange: AsterDEXExchange,
) -> None:
    order = await manager.place_limit_order(BTC, OrderSide.BUY, D("0.01"), D("49000"))
    await exchange.stop_user_stream()
    assert not exchange.user_stream_connected
    before = len(simulator.request_log)
    simulator.fill_order(BTC, client_order_id=order.client_order_id, quantity=D("0.004"))
    await wait_for(lambda: order.status is OrderStatus.PARTIALLY_FILLED)
    simulator.fill_order(BTC, client_order_id=order.client_order_id)
    await wait_for(lambda: order.status is OrderStatus.FILLED)
    assert order.filled_quantity == D("0.01")
    polled = [r for r in list(simulator.request_log)[before:] if r.method == "GET"]
    assert polled  # it was REST that told


async def test_dropped_websocket_fill_is_seen(
    wait_for: Waiter, manager: OrderManager, simulator: SimulatedExchange
) -> None:
    order = await manager.place_limit_order(BTC, OrderSide.BUY, D("0.01"), D("49000"))
    simulator.faults.drop_websockets()
    simulator.fill_order(BTC, client_order_id=order.client_order_id)
    await wait_for(lambda: order.status is OrderStatus.FILLED, seconds=10)
