"""Events the user stream used to drop, now typed and told: MARGIN_CALL and
ACCOUNT_CONFIG_UPDATE (a leverage change, the multi-assets mode), each to its callback and
into what the manager knows (the leverage the risk layer checks); auto-deleverage orders
reported and tagged like liquidations. Against the simulator over loopback."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from decimal import ROUND_UP, Decimal

import pytest

from execution.exchange.asterdex import AsterDEXExchange
from execution.models import (
    AccountConfigUpdate,
    MarginCall,
    MarginType,
    OrderSide,
    OrderStatus,
    PositionSide,
)
from execution.orders.brackets import BracketStatus
from execution.orders.managed import ManagedOrder
from execution.orders.manager import OrderManager
from execution.risk.engine import DenialReason, RiskDeniedError
from execution.risk.limits import RiskLimits
from execution.simulator import SimulatedExchange

from .conftest import ManagerFactory

D = Decimal
BTC = "BTCUSDT"
Waiter = Callable[..., Awaitable[None]]


async def test_a_margin_call_reaches_its_callback_with_exact_figures(
    manager: OrderManager, exchange: AsterDEXExchange, simulator: SimulatedExchange,
    wait_for: Waiter,
) -> None:
    await exchange.set_margin_type(BTC, MarginType.ISOLATED)
    await exchange.set_leverage(BTC, 20)
    calls: list[MarginCall] = []
    manager.on("margin_call", calls.append)
    entry = await manager.place_market_order(BTC, OrderSide.BUY, D("0.010"))
    await wait_for(lambda: entry.status is OrderStatus.FILLED)
    (position,) = [p for p in await exchange.get_positions(BTC) if p.quantity]
    # just above the liquidation price: the margin ratio is past the call's 80 %
    near = (position.liquidation_price * D("1.0004")).quantize(D("0.1"), rounding=ROUND_UP)
    simulator.set_price(BTC, near)

    await wait_for(lambda: bool(calls), 10)
    (call,) = calls
    (held,) = call.positions
    assert held.symbol == BTC and held.quantity == D("0.010")
    assert held.margin_type is MarginType.ISOLATED and held.position_side is PositionSide.BOTH
    assert held.mark_price == near and isinstance(held.maintenance_margin, Decimal)
    assert held.maintenance_margin > 0 and held.unrealized_pnl < 0
    assert call.cross_wallet_balance is None  # "only pushed with crossed position margin call"
    assert [p for p in await exchange.get_positions(BTC) if p.quantity]  # not liquidated


async def test_a_leverage_change_is_known_to_the_manager_and_told(
    manager: OrderManager, exchange: AsterDEXExchange, wait_for: Waiter,
) -> None:
    told: list[AccountConfigUpdate] = []
    manager.on("account_config_updated", told.append)
    await exchange.set_leverage(BTC, 7)
    await wait_for(lambda: bool(told))
    (update,) = told
    assert (update.symbol, update.leverage, update.multi_assets) == (BTC, 7, None)
    assert manager.account.leverage[BTC] == 7

    entry = await manager.place_market_order(BTC, OrderSide.BUY, D("0.010"))
    await wait_for(lambda: entry.status is OrderStatus.FILLED and BTC in manager.positions)
    assert manager.positions[BTC].leverage == 7
    await exchange.set_leverage(BTC, 9)  # a held position follows the change
    await wait_for(lambda: manager.positions[BTC].leverage == 9)


async def test_the_multi_assets_mode_change_is_told(
    manager: OrderManager, exchange: AsterDEXExchange, wait_for: Waiter,
) -> None:
    told: list[AccountConfigUpdate] = []
    manager.on("account_config_updated", told.append)
    await exchange.margin.set_multi_assets(True)
    await wait_for(lambda: bool(told))
    assert told[0].multi_assets is True and told[0].symbol is None
    assert told[0].dual_side is False and manager.account.multi_assets is True


async def test_the_leverage_check_holds_after_a_fill_changed_the_position(
    manager_factory: ManagerFactory, exchange: AsterDEXExchange, wait_for: Waiter,
) -> None:
    # ACCOUNT_UPDATE carries no leverage: a position it brought used to read 1x, and
    # the max_leverage limit passed an order adding to a 20x position.
    await exchange.set_leverage(BTC, 20)
    manager = await manager_factory(risk=RiskLimits(max_leverage=10))
    entry = await manager.place_market_order(BTC, OrderSide.BUY, D("0.010"))
    await wait_for(lambda: entry.status is OrderStatus.FILLED and BTC in manager.positions)
    await wait_for(lambda: manager.positions[BTC].leverage == 20)
    with pytest.raises(RiskDeniedError) as denied:
        await manager.place_market_order(BTC, OrderSide.BUY, D("0.010"))
    assert denied.value.reason is DenialReason.LEVERAGE


def _adl_update(sim: SimulatedExchange, status: str, execution: str, filled: str) -> dict:
    now = sim.server_time_ms()
    return {
        "e": "ORDER_TRADE_UPDATE", "E": now, "T": now,
        "o": {
            "s": BTC, "c": "adl_autoclose", "S": "SELL", "o": "LIMIT", "f": "IOC",
            "q": "0.004", "p": "50000", "ap": "50000" if filled != "0" else "0", "sp": "0",
            "x": execution, "X": status, "i": 987654321, "l": filled, "z": filled,
            "L": "50000" if filled != "0" else "0", "T": now, "t": 0, "R": False,
            "ps": "BOTH", "rp": "0",
        },
    }


async def test_an_auto_deleverage_order_is_tagged_and_told_like_a_liquidation(
    manager: OrderManager, exchange: AsterDEXExchange, simulator: SimulatedExchange,
    wait_for: Waiter,
) -> None:
    liquidated: list[ManagedOrder] = []
    manager.on("position_liquidated", liquidated.append)
    entry = await manager.place_market_order(BTC, OrderSide.BUY, D("0.010"))
    await wait_for(lambda: entry.status is OrderStatus.FILLED)
    # The simulator has no ADL of its own: its stream carries the docs' ADL order.
    account_id = simulator.account.account_id
    simulator.hub.on_event(account_id, _adl_update(simulator, "NEW_ADL", "NEW", "0"))
    await wait_for(lambda: bool(liquidated))
    (adl,) = liquidated
    assert adl.client_order_id == "adl_autoclose" and adl.adopted
    assert adl.tags == ("adopted", "liquidation", "adl")
    assert adl.status is OrderStatus.NEW  # NEW_ADL: a new (open) liquidation order
    simulator.hub.on_event(account_id, _adl_update(simulator, "FILLED", "TRADE", "0.004"))
    await wait_for(lambda: adl.status is OrderStatus.FILLED)
    assert adl.filled_quantity == D("0.004") and len(liquidated) == 1


async def test_an_auto_deleverage_leaves_the_brackets_of_the_position_working(
    manager: OrderManager, simulator: SimulatedExchange, wait_for: Waiter,
) -> None:
    # An ADL may take part of the position only: unlike a liquidation it does not end
    # the symbol's brackets (their exits still protect what is left).
    liquidated: list[ManagedOrder] = []
    manager.on("position_liquidated", liquidated.append)
    bracket = await manager.place_bracket_order(
        BTC, OrderSide.BUY, D("0.010"), entry_price=None, stop_loss_price=D("45000"),
        take_profit_price=D("55000"),
    )
    await wait_for(lambda: bracket.stop_loss is not None and bracket.take_profit is not None)
    account_id = simulator.account.account_id
    simulator.hub.on_event(account_id, _adl_update(simulator, "NEW_ADL", "NEW", "0"))
    simulator.hub.on_event(account_id, _adl_update(simulator, "FILLED", "TRADE", "0.004"))
    await wait_for(lambda: bool(liquidated) and liquidated[0].status is OrderStatus.FILLED)
    await manager.flush()
    assert bracket.status is BracketStatus.ACTIVE and not bracket.is_done
    assert bracket.stop_loss is not None and bracket.stop_loss.is_open
    assert bracket.take_profit is not None and bracket.take_profit.is_open


async def test_a_stop_beyond_liquidation_is_refused_after_a_fill_changed_the_position(
    manager_factory: ManagerFactory, exchange: AsterDEXExchange, wait_for: Waiter,
) -> None:
    # ACCOUNT_UPDATE carries no liquidation price either: the risk layer reads it when a
    # stop needs it, instead of taking 0 ("unknown") and letting any stop through.
    await exchange.set_margin_type(BTC, MarginType.ISOLATED)
    manager = await manager_factory(risk=RiskLimits())
    await exchange.set_leverage(BTC, 20)  # told by the stream: no position read follows
    await wait_for(lambda: manager.account.leverage.get(BTC) == 20)
    entry = await manager.place_market_order(BTC, OrderSide.BUY, D("0.010"))
    await wait_for(lambda: entry.status is OrderStatus.FILLED and BTC in manager.positions)
    (position,) = [p for p in await exchange.get_positions(BTC) if p.quantity]
    assert position.liquidation_price > 0
    below = (position.liquidation_price - 500).quantize(D("0.1"))
    with pytest.raises(RiskDeniedError) as denied:
        await manager.place_stop_loss_order(BTC, OrderSide.SELL, D("0.010"), below,
                                            reduce_only=True)
    assert denied.value.reason is DenialReason.STOP_BEYOND_LIQUIDATION
    above = (position.liquidation_price + 500).quantize(D("0.1"))
    stop = await manager.place_stop_loss_order(BTC, OrderSide.SELL, D("0.010"), above,
                                               reduce_only=True)
    assert stop.status is OrderStatus.NEW
