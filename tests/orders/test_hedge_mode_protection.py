"""Hedge mode and the protection of positions, against the simulator: one verdict per leg
(a LONG leg without a stop is unprotected even when the SHORT leg has one), re-armed and
flattened per leg, the dead man's switch re-arming each leg, and panic flattening both."""

from __future__ import annotations

import asyncio
from decimal import Decimal as D
from pathlib import Path

from execution.exchange.asterdex import AsterDEXExchange
from execution.intent import OrderIntent
from execution.models import MarginType, OrderSide, OrderStatus, OrderType, PositionSide
from execution.orders.bracket import BracketStatus
from execution.orders.deadman import DeadmanConfig
from execution.orders.managed import LIQUIDATION_TAG
from execution.orders.manager import OrderManager
from execution.orders.protection import REARM_TAG, ProtectionConfig
from execution.simulator import SimulatedExchange
from execution.timekeeping import ManualClock

from .conftest import Waiter
from .test_hedge_mode_manager import hedge, wire_of

BTC = "BTCUSDT"
LONG, SHORT = PositionSide.LONG, PositionSide.SHORT
NO_PERIODIC = ProtectionConfig(interval=None)


async def open_legs(exchange: AsterDEXExchange) -> None:
    """Both legs opened outside the manager (as another system would)."""
    await exchange.create_order(BTC, OrderSide.BUY, OrderType.MARKET, D("0.02"),
                                position_side=LONG)
    await exchange.create_order(BTC, OrderSide.SELL, OrderType.MARKET, D("0.01"),
                                position_side=SHORT)


async def test_one_verdict_per_leg(
    exchange: AsterDEXExchange, simulator: SimulatedExchange, tmp_path: Path,
) -> None:
    await hedge(exchange, simulator)
    await open_legs(exchange)
    # The SHORT leg has a stop; a SELL stop on the LONG side of another quantity does not
    # count for the SHORT leg, nor the SHORT leg's stop for the LONG leg.
    await exchange.create_order(BTC, OrderSide.BUY, OrderType.STOP_LOSS, D("0.01"),
                                stop_price=D("55000"), position_side=SHORT)
    async with OrderManager(exchange, tmp_path / "o.sqlite", protection=NO_PERIODIC) as manager:
        report = await manager.audit_protection()
        verdicts = {p.position_side: p.protected for p in report.positions}
        assert verdicts == {LONG: False, SHORT: True}
        (naked,) = report.unprotected
        assert naked.position_side is LONG and naked.closing_side is OrderSide.SELL
        assert manager.last_reconciliation is not None
        assert manager.last_reconciliation.unprotected == [BTC]
        assert manager.last_reconciliation.unprotected_legs == [(BTC, LONG)]


async def test_rearm_places_a_stop_on_each_naked_leg(
    exchange: AsterDEXExchange, simulator: SimulatedExchange, tmp_path: Path,
) -> None:
    await hedge(exchange, simulator)
    await open_legs(exchange)
    config = ProtectionConfig(policy="rearm", interval=None, rearm_distance_percent="5",
                              rearm_prices={BTC: "47000"})  # a stop below: the LONG leg's
    async with OrderManager(exchange, tmp_path / "o.sqlite", protection=config) as manager:
        report = manager.last_protection
        assert report is not None and len(report.unprotected) == 2
        assert all(f.action.startswith("rearmed ") for f in report.unprotected), report
        stops = {f.position_side: manager.get_order(f.action.split()[1])
                 for f in report.unprotected}
        long_stop, short_stop = stops[LONG], stops[SHORT]
        assert long_stop is not None and short_stop is not None
        assert (long_stop.order.side, long_stop.order.stop_price) == (OrderSide.SELL, D("47000"))
        assert short_stop.order.side is OrderSide.BUY
        assert D("52000") < (short_stop.order.stop_price or 0) < D("53000")  # 5% above
        assert long_stop.order.quantity == D("0.02") and short_stop.order.quantity == D("0.01")
        for stop, leg in ((long_stop, LONG), (short_stop, SHORT)):
            assert REARM_TAG in stop.tags and stop.status is OrderStatus.NEW
            wire = wire_of(simulator, stop.client_order_id)
            assert wire["positionSide"] == leg.value and "reduceOnly" not in wire
        assert (await manager.audit_protection()).is_protected


async def test_flatten_closes_the_naked_leg_only(
    exchange: AsterDEXExchange, simulator: SimulatedExchange, tmp_path: Path,
) -> None:
    await hedge(exchange, simulator)
    await open_legs(exchange)
    await exchange.create_order(BTC, OrderSide.SELL, OrderType.STOP_LOSS, D("0.02"),
                                stop_price=D("45000"), position_side=LONG)
    config = ProtectionConfig(policy="flatten", interval=None)
    async with OrderManager(exchange, tmp_path / "o.sqlite", protection=config) as manager:
        report = manager.last_protection
        assert report is not None
        (finding,) = report.unprotected
        assert finding.position_side is SHORT and finding.action.startswith("flattened ")
        legs = {p.position_side: p.quantity for p in await exchange.get_positions(BTC)}
        assert legs == {LONG: D("0.02")}
        assert len(await exchange.get_open_orders(BTC)) == 1  # the LONG leg's stop stays
        assert (await manager.audit_protection()).is_protected


async def test_panic_flattens_both_legs(
    exchange: AsterDEXExchange, simulator: SimulatedExchange, tmp_path: Path,
) -> None:
    await hedge(exchange, simulator)
    async with OrderManager(exchange, tmp_path / "o.sqlite", protection=NO_PERIODIC) as manager:
        for side, leg in ((OrderSide.BUY, LONG), (OrderSide.SELL, SHORT)):
            await manager.place_order(OrderIntent(BTC, side, OrderType.MARKET, D("0.01"),
                                                  position_side=leg))
        await manager.place_order(OrderIntent(
            BTC, OrderSide.BUY, OrderType.LIMIT, D("0.01"), price=D("45000"),
            time_in_force="GTC", position_side=LONG))
        report = await manager.panic()
        assert report.flat, report.errors
        assert {m.order.position_side for m in report.closing} == {LONG, SHORT}
        assert await exchange.get_positions(BTC) == []
        assert await exchange.get_open_orders(BTC) == []


async def test_the_dead_mans_switch_rearms_each_leg(
    exchange: AsterDEXExchange, simulator: SimulatedExchange, tmp_path: Path,
    wait_for: Waiter,
) -> None:
    await hedge(exchange, simulator)
    clock = ManualClock()
    switch = DeadmanConfig(countdown=2.0, heartbeat=1.0, on_fired="rearm")
    async with OrderManager(exchange, tmp_path / "o.sqlite", clock=clock, deadman=switch,
                            protection=NO_PERIODIC) as manager:
        deadman = manager._session.deadman
        assert deadman is not None
        stops = []
        for side, leg, price in ((OrderSide.BUY, LONG, "45000"), (OrderSide.SELL, SHORT, "55000")):
            await manager.place_order(OrderIntent(BTC, side, OrderType.MARKET, D("0.01"),
                                                  position_side=leg))
            stops.append(await manager.place_order(OrderIntent(
                BTC, side.opposite, OrderType.STOP_LOSS, D("0.01"), stop_price=D(price),
                reduce_only=True, position_side=leg)))
        await manager.refresh_positions()
        await clock.advance(1.0)
        await wait_for(lambda: deadman.armed == [BTC])
        await asyncio.sleep(2.5)  # quiet for longer than the countdown
        simulator.set_price(BTC, D("50010"))  # the exchange checks its countdowns
        await wait_for(lambda: all(s.status is OrderStatus.CANCELED for s in stops), 10.0)
        clock.hang(3.0)
        await clock.advance(0.0)
        await wait_for(lambda: deadman.fired == [BTC], 10.0)
        await wait_for(lambda: len([m for m in manager.open_orders(BTC)
                                    if REARM_TAG in m.tags]) == 2, 10.0)
        rearmed = {m.order.position_side: m.order.side for m in manager.open_orders(BTC)
                   if REARM_TAG in m.tags}
        assert rearmed == {LONG: OrderSide.SELL, SHORT: OrderSide.BUY}
        assert (await manager.audit_protection()).is_protected


async def test_a_liquidated_leg_ends_its_own_bracket_only(
    exchange: AsterDEXExchange, simulator: SimulatedExchange, tmp_path: Path,
    wait_for: Waiter,
) -> None:
    await hedge(exchange, simulator)
    await exchange.set_margin_type(BTC, MarginType.ISOLATED)
    await exchange.set_leverage(BTC, 20)
    async with OrderManager(exchange, tmp_path / "o.sqlite", protection=NO_PERIODIC) as manager:
        long = await manager.place_bracket_order(
            BTC, OrderSide.BUY, D("0.01"), stop_loss_price=D("40000"),
            take_profit_price=D("60000"), position_side=LONG)
        short = await manager.place_bracket_order(
            BTC, OrderSide.SELL, D("0.01"), stop_loss_price=D("60000"),
            take_profit_price=D("40000"), position_side=SHORT)
        await wait_for(lambda: long.status is short.status is BracketStatus.ACTIVE
                       and short.stop_loss is not None and short.stop_loss.is_open, 15.0)
        held = {p.position_side: p for p in await exchange.get_positions(BTC)}
        below = (held[LONG].liquidation_price * D("0.999")).quantize(D("0.1"))
        assert below > D("40000")  # the long leg's stop is beyond its liquidation
        simulator.set_price(BTC, below)
        await wait_for(lambda: long.status is BracketStatus.CLOSED, 15.0)
        assert long.closed_elsewhere and long.exit_reason == LIQUIDATION_TAG
        assert short.status is BracketStatus.ACTIVE and not short.closed_elsewhere
        assert {p.position_side for p in await exchange.get_positions(BTC)} == {SHORT}
