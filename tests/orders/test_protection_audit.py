"""The protection audit and the settlement of orders the exchange does not have (issue 11,
finding 5), on the simulator over loopback.

Before: a stop the exchange no longer had (-2013 when queried) stayed NEW for ever and
counted as protection, so the start-up report said "0 unprotected" for a naked position.
Now such an order is settled EXPIRED with the exchange's word, and what is protected is
decided from the exchange's own open orders, for every position (also ones opened
elsewhere), at start, after a resync, periodically and on demand.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from execution.errors import OrderNotFoundError, ValidationError
from execution.exchange.asterdex import AsterDEXExchange
from execution.models import OrderSide, OrderStatus, OrderType
from execution.orders.manager import OrderManager
from execution.orders.missing import NOT_ON_EXCHANGE
from execution.orders.protection import (
    REARM_TAG,
    PositionProtection,
    ProtectionConfig,
    ProtectionPolicy,
)
from execution.simulator import SimulatedExchange

D = Decimal
BTC, ETH = "BTCUSDT", "ETHUSDT"
NO_PERIODIC = ProtectionConfig(interval=None)


def forget_order(sim: SimulatedExchange, client_order_id: str) -> None:
    """Make the simulator lose an order entirely (as a venue that dropped it would): no
    longer open, not in the history, unknown to a query."""
    for account in sim.engine.core.accounts.values():
        order = account.orders_by_client.pop(client_order_id, None)
        if order is None:
            continue
        account.open_by_client.pop(client_order_id, None)
        account.orders_by_id.pop(order.order_id, None)
        account.open_orders.get(order.symbol, {}).pop(order.order_id, None)
        history = account.history.get(order.symbol, [])
        history[:] = [o for o in history if o.order_id != order.order_id]
        if order.orig_type.value in ("STOP_MARKET", "STOP", "TAKE_PROFIT_MARKET",
                                     "TAKE_PROFIT", "TRAILING_STOP_MARKET"):
            account.open_conditional[order.symbol] -= 1
        return
    raise AssertionError(f"no order {client_order_id} in the simulator")


async def _long_with_stop(manager: OrderManager, exchange: AsterDEXExchange,
                          symbol: str = BTC, quantity: str = "0.01") -> Any:
    await manager.place_market_order(symbol, OrderSide.BUY, quantity)
    mark = await exchange.fetch_mark_price(symbol)
    stop = await manager.place_stop_loss_order(symbol, OrderSide.SELL, quantity, mark * D("0.9"))
    assert stop.status is OrderStatus.NEW
    return stop


async def test_a_stop_the_exchange_lost_is_settled_and_the_position_reported_at_start(
    simulator: SimulatedExchange, exchange: AsterDEXExchange, tmp_path: Path
) -> None:
    store = tmp_path / "orders.sqlite"
    async with OrderManager(exchange, store, protection=NO_PERIODIC) as first:
        stop = await _long_with_stop(first, exchange)
        assert first.last_protection is not None
        assert (await first.audit_protection()).is_protected
    forget_order(simulator, stop.client_order_id)
    async with OrderManager(exchange, store, protection=NO_PERIODIC) as second:
        report = second.last_reconciliation
        assert report is not None and report.unprotected == [BTC]
        settled = second.get_order(stop.client_order_id)
        assert settled is not None and settled.status is OrderStatus.EXPIRED
        assert "-2013" in settled.attributes[NOT_ON_EXCHANGE]
        assert second.open_orders(BTC) == []
        audit = second.last_protection
        assert audit is not None
        (finding,) = audit.unprotected
        assert finding.symbol == BTC and finding.quantity == D("0.01") and finding.covered == 0
    async with OrderManager(exchange, store, protection=NO_PERIODIC) as third:
        again = third.get_order(stop.client_order_id)
        assert again is not None and again.status is OrderStatus.EXPIRED  # persisted
        assert NOT_ON_EXCHANGE in again.attributes


async def test_a_lost_stop_found_by_refresh_is_settled_and_no_longer_protects(
    simulator: SimulatedExchange, exchange: AsterDEXExchange, manager_factory: Any
) -> None:
    manager = await manager_factory(protection=NO_PERIODIC)
    seen: list[PositionProtection] = []
    manager.on("position_unprotected", seen.append)
    stop = await _long_with_stop(manager, exchange)
    forget_order(simulator, stop.client_order_id)
    await manager.refresh(stop)
    assert stop.status is OrderStatus.EXPIRED
    report = await manager.audit_protection()
    assert report.unprotected_symbols == [BTC]
    assert [f.symbol for f in seen] == [BTC] and seen[0].action == ""


async def test_a_cancel_of_a_lost_order_settles_it(
    simulator: SimulatedExchange, exchange: AsterDEXExchange, manager_factory: Any
) -> None:
    manager = await manager_factory(protection=NO_PERIODIC)
    resting = await manager.place_limit_order(BTC, OrderSide.BUY, "0.01", "30000")
    forget_order(simulator, resting.client_order_id)
    with pytest.raises(OrderNotFoundError):  # the exchange's -2011/-2013
        await manager.cancel_order(resting.client_order_id)
    assert resting.status is OrderStatus.EXPIRED
    assert resting.attributes[NOT_ON_EXCHANGE]


async def test_positions_opened_elsewhere_are_audited_from_the_exchange(
    exchange: AsterDEXExchange, manager_factory: Any
) -> None:
    manager = await manager_factory(protection=NO_PERIODIC)
    await exchange.create_order(ETH, OrderSide.SELL, OrderType.MARKET, D("0.5"))  # not ours
    report = await manager.audit_protection()
    assert report.unprotected_symbols == [ETH]
    assert report.unprotected[0].closing_side is OrderSide.BUY
    mark = await exchange.fetch_mark_price(ETH)
    # A take-profit or a stop on the wrong side is no protection.
    await exchange.create_order(ETH, OrderSide.BUY, OrderType.TAKE_PROFIT, D("0.5"),
                                stop_price=mark * D("0.9"), reduce_only=True)
    assert (await manager.audit_protection()).unprotected_symbols == [ETH]
    # Half covered is not covered.
    half = await exchange.create_order(ETH, OrderSide.BUY, OrderType.STOP_LOSS, D("0.25"),
                                       stop_price=mark * D("1.1"), reduce_only=True)
    (finding,) = (await manager.audit_protection()).unprotected
    assert finding.covered == D("0.25") and finding.uncovered == D("0.25")
    assert finding.stops == (half.client_order_id,)
    # closePosition covers it all.
    await exchange.create_order(ETH, OrderSide.BUY, OrderType.STOP_LOSS, None,
                                stop_price=mark * D("1.2"), close_position=True)
    assert (await manager.audit_protection()).is_protected


async def test_policy_rearm_places_a_reduce_only_stop_for_what_is_uncovered(
    exchange: AsterDEXExchange, manager_factory: Any
) -> None:
    manager = await manager_factory(
        protection=ProtectionConfig(policy="rearm", interval=None, rearm_distance_percent="5")
    )
    await exchange.create_order(BTC, OrderSide.BUY, OrderType.MARKET, D("0.02"))
    report = await manager.audit_protection()
    (finding,) = report.unprotected
    assert finding.action.startswith("rearmed ")
    stop = manager.get_order(finding.action.split()[1])
    assert stop is not None and stop.status is OrderStatus.NEW and REARM_TAG in stop.tags
    mark = await exchange.fetch_mark_price(BTC)
    assert stop.order.reduce_only and stop.order.side is OrderSide.SELL
    assert stop.order.quantity == D("0.02")
    assert mark * D("0.94") < (stop.order.stop_price or 0) < mark * D("0.96")
    assert (await manager.audit_protection()).is_protected


async def test_policy_rearm_acts_on_what_the_start_up_audit_found(
    exchange: AsterDEXExchange, tmp_path: Path
) -> None:
    await exchange.create_order(BTC, OrderSide.SELL, OrderType.MARKET, D("0.01"))
    config = ProtectionConfig(policy=ProtectionPolicy.REARM, interval=None,
                              rearm_prices={"BTC/USDT": "90000"})
    async with OrderManager(exchange, tmp_path / "o.sqlite", protection=config) as manager:
        assert manager.last_reconciliation is not None
        assert manager.last_reconciliation.unprotected == [BTC]  # as found at start
        (finding,) = manager.last_protection.unprotected  # type: ignore[union-attr]
        assert finding.action.startswith("rearmed ")
        (stop,) = manager.open_orders(BTC)
        assert stop.order.side is OrderSide.BUY and stop.order.stop_price == D("90000")
        assert (await manager.audit_protection()).is_protected


async def test_policy_flatten_closes_the_naked_position(
    exchange: AsterDEXExchange, manager_factory: Any
) -> None:
    manager = await manager_factory(protection=ProtectionConfig(policy="flatten",
                                                                interval=None))
    await exchange.create_order(BTC, OrderSide.BUY, OrderType.MARKET, D("0.01"))
    (finding,) = (await manager.audit_protection()).unprotected
    assert finding.action.startswith("flattened ")
    assert [p for p in await exchange.get_positions(BTC) if p.quantity] == []
    assert (await manager.audit_protection()).positions == ()


async def test_the_audit_runs_periodically_and_after_a_resync(
    simulator: SimulatedExchange, exchange: AsterDEXExchange, manager_factory: Any,
    wait_for: Any,
) -> None:
    manager = await manager_factory(protection=ProtectionConfig(interval=0.2))
    seen: list[PositionProtection] = []
    manager.on("position_unprotected", seen.append)
    await exchange.create_order(BTC, OrderSide.BUY, OrderType.MARKET, D("0.01"))
    await wait_for(lambda: len(seen) >= 2, 30.0)  # periodic
    assert all(f.symbol == BTC for f in seen)
    await manager.stop()  # one manager a store file

    resynced = await manager_factory(protection=NO_PERIODIC)
    after: list[PositionProtection] = []
    resynced.on("position_unprotected", after.append)
    simulator.faults.drop_websockets()
    await wait_for(lambda: bool(after), 30.0)  # the stream came back, resynced, audited


def test_the_configuration_is_validated() -> None:
    for kwargs in ({"policy": "close"}, {"policy": "Rearm"}, {"interval": 0},
                   {"interval": True}, {"rearm_distance_percent": "0_5"},
                   {"rearm_distance_percent": 100}, {"rearm_prices": {BTC: "-1"}}):
        with pytest.raises(ValidationError):
            ProtectionConfig(**kwargs)  # type: ignore[arg-type]
    assert ProtectionConfig(policy="flatten").policy is ProtectionPolicy.FLATTEN
    assert ProtectionConfig(policy="REARM").policy is ProtectionPolicy.REARM  # the name


async def test_rearm_is_not_blocked_by_the_operators_guards(
    exchange: AsterDEXExchange, manager_factory: Any
) -> None:
    from execution.orders.validation import OrderGuards

    manager = await manager_factory(
        guards=OrderGuards(max_open_orders_per_symbol=1, max_notional_per_order=D("1")),
        protection=ProtectionConfig(policy="rearm", interval=None),
    )
    await exchange.create_order(BTC, OrderSide.BUY, OrderType.MARKET, D("0.01"))
    await exchange.create_order(BTC, OrderSide.BUY, OrderType.LIMIT, D("0.01"),
                                price=D("30000"))
    await manager.poll_once()
    (finding,) = (await manager.audit_protection()).unprotected
    assert finding.action.startswith("rearmed "), finding.action
    assert (await manager.audit_protection()).is_protected
