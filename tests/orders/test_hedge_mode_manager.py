"""Hedge mode through the whole manager, against the simulator: positions kept per leg
(symbol, position side), brackets on each leg with exits on the leg's position side and
one-cancels-other within the leg only, `close_position` per leg, and the risk layer's
symbol exposure counting both legs (gross)."""

from __future__ import annotations

import json
from decimal import Decimal as D
from pathlib import Path

import pytest

from execution.errors import ValidationError
from execution.exchange.asterdex import AsterDEXExchange
from execution.intent import OrderIntent
from execution.models import OrderSide, OrderStatus, OrderType, PositionSide
from execution.orders.bracket import Bracket, BracketBackend, BracketStatus
from execution.orders.closing import AmbiguousLegError
from execution.orders.manager import OrderManager
from execution.risk.limits import RiskDeniedError, RiskLimits
from execution.simulator import SimulatedExchange

from .conftest import Waiter, client_for

BTC = "BTCUSDT"
LONG, SHORT = PositionSide.LONG, PositionSide.SHORT


def posts(sim: SimulatedExchange) -> list[dict[str, str]]:
    return [r.params for r in sim.request_log if r.method == "POST" and r.path.endswith("/order")]


def wire_of(sim: SimulatedExchange, client_order_id: str) -> dict[str, str]:
    """The single-order request of `client_order_id`, or its sub-order in a strategy."""
    for params in posts(sim):
        if params.get("newClientOrderId") == client_order_id:
            return params
    for request in sim.request_log:
        if request.path.endswith("placeStrategyOrder"):
            for leg in json.loads(request.params["subOrderList"]):
                if leg.get("clientOrderId") == client_order_id:
                    return {k: str(v) for k, v in leg.items()}
    raise AssertionError(f"{client_order_id} was not sent")


async def hedge(exchange: AsterDEXExchange, simulator: SimulatedExchange) -> None:
    simulator.set_price(BTC, D("50000"))
    await exchange.margin.set_position_mode("hedge")


async def open_both_legs(manager: OrderManager) -> None:
    for side, leg, quantity in ((OrderSide.BUY, LONG, "0.02"), (OrderSide.SELL, SHORT, "0.01")):
        placed = await manager.place_order(OrderIntent(BTC, side, OrderType.MARKET, D(quantity),
                                                       position_side=leg))
        assert placed.status is OrderStatus.FILLED


async def test_both_legs_are_kept_from_the_stream_and_from_rest(
    exchange: AsterDEXExchange, simulator: SimulatedExchange, tmp_path: Path, wait_for: Waiter,
) -> None:
    await hedge(exchange, simulator)
    async with OrderManager(exchange, tmp_path / "orders.sqlite") as manager:
        await open_both_legs(manager)
        # ACCOUNT_UPDATE names each leg (`ps`): one never overwrites the other.
        await wait_for(lambda: manager.position(BTC, "LONG") is not None
                       and manager.position(BTC, SHORT) is not None)
        assert manager.position(BTC, LONG).quantity == D("0.02")  # type: ignore[union-attr]
        assert manager.position(BTC, SHORT).quantity == D("-0.01")  # type: ignore[union-attr]
        assert manager.position(BTC) is None  # no BOTH leg in hedge mode
        manager.positions.clear()
        await manager.refresh_positions()  # positionRisk: both legs again
        assert [(p.position_side, p.quantity) for p in manager.position_legs(BTC)] == [
            (LONG, D("0.02")), (SHORT, D("-0.01"))]
        # The one-way reading: the symbol's net position.
        assert BTC in manager.positions and manager.positions[BTC].quantity == D("0.01")
        # Closing the short leg drops that leg only.
        await manager.close_position(BTC, position_side="SHORT")
        await wait_for(lambda: manager.position(BTC, SHORT) is None)
        assert manager.position(BTC, LONG) is not None
        assert {s: p.quantity for s, p in manager.positions.items()} == {BTC: D("0.02")}


async def test_close_position_closes_one_leg_and_leaves_the_others_orders(
    exchange: AsterDEXExchange, simulator: SimulatedExchange, tmp_path: Path,
) -> None:
    await hedge(exchange, simulator)
    async with OrderManager(exchange, tmp_path / "orders.sqlite") as manager:
        await open_both_legs(manager)
        short_stop = await manager.place_order(OrderIntent(
            BTC, OrderSide.BUY, OrderType.STOP_LOSS, D("0.01"), stop_price=D("55000"),
            reduce_only=True, position_side=SHORT))
        long_stop = await manager.place_order(OrderIntent(
            BTC, OrderSide.SELL, OrderType.STOP_LOSS, D("0.02"), stop_price=D("45000"),
            reduce_only=True, position_side=LONG))
        sent_before = len(posts(simulator))
        with pytest.raises(AmbiguousLegError):  # both legs open: the leg must be named
            await manager.close_position(BTC)
        with pytest.raises(ValidationError):  # no BOTH position in hedge mode
            await manager.close_position(BTC, position_side="BOTH")
        assert len(posts(simulator)) == sent_before and long_stop.is_open
        (closing,) = await manager.close_position(BTC, position_side=LONG)
        assert closing.status is OrderStatus.FILLED and closing.filled_quantity == D("0.02")
        wire = wire_of(simulator, closing.client_order_id)
        assert (wire["side"], wire["positionSide"]) == ("SELL", "LONG")
        assert "reduceOnly" not in wire
        legs = {p.position_side: p.quantity for p in await exchange.get_positions(BTC)}
        assert legs == {SHORT: D("-0.01")}
        assert long_stop.status is OrderStatus.CANCELED  # the leg's own orders go
        assert short_stop.is_open  # the other leg keeps its stop
        # One leg left: it may be closed without naming it.
        (last,) = await manager.close_position(BTC)
        wire = wire_of(simulator, last.client_order_id)
        assert (wire["side"], wire["positionSide"]) == ("BUY", "SHORT")
        assert await exchange.get_positions(BTC) == []
        assert await manager.close_position(BTC, position_side=SHORT) == []


async def test_close_position_in_one_way_mode_refuses_a_leg(
    exchange: AsterDEXExchange, simulator: SimulatedExchange, manager: OrderManager,
) -> None:
    simulator.set_price(BTC, D("50000"))
    await manager.place_market_order(BTC, OrderSide.BUY, D("0.01"))
    with pytest.raises(ValidationError, match="one-way"):
        await manager.close_position(BTC, position_side="LONG")
    (closing,) = await manager.close_position(BTC)
    assert closing.order.position_side is PositionSide.BOTH
    assert wire_of(simulator, closing.client_order_id)["reduceOnly"] == "true"


async def place_leg_brackets(manager: OrderManager) -> tuple[Bracket, Bracket]:
    long = await manager.place_bracket_order(
        BTC, OrderSide.BUY, D("0.02"), stop_loss_price=D("48000"),
        take_profit_price=D("51000"), position_side="LONG")
    short = await manager.place_bracket_order(
        BTC, OrderSide.SELL, D("0.01"), stop_loss_price=D("53000"),
        take_profit_price=D("47000"), position_side=SHORT)
    return long, short


def exits_live(bracket: Bracket) -> bool:
    return all(x is not None and x.is_open and x.order.order_id
               for x in (bracket.stop_loss, bracket.take_profit))


def check_exit_wires(sim: SimulatedExchange, bracket: Bracket, leg: PositionSide) -> None:
    side = "SELL" if leg is LONG else "BUY"
    for exit_order in (bracket.stop_loss, bracket.take_profit):
        assert exit_order is not None and exit_order.order.position_side is leg
        wire = wire_of(sim, exit_order.client_order_id)
        assert (wire["side"], wire["positionSide"]) == (side, leg.value), wire
        assert wire.get("reduceOnly") in (None, "false"), wire  # never sent in hedge mode


async def oco_within_each_leg(
    manager: OrderManager, simulator: SimulatedExchange, exchange: AsterDEXExchange,
    long: Bracket, short: Bracket, wait_for: Waiter,
) -> None:
    """The long leg's take-profit (51000) fills: its stop goes, the short leg's exits
    (stop 53000, take-profit 47000) stay."""
    assert long.take_profit is not None and long.stop_loss is not None
    simulator.set_price(BTC, D("51500"))
    stop = long.stop_loss
    await wait_for(lambda: long.status is BracketStatus.CLOSED and not stop.is_open, 15.0)
    assert short.status is BracketStatus.ACTIVE and exits_live(short)
    open_ids = {o.client_order_id for o in await exchange.get_open_orders(BTC)}
    assert open_ids == {short.stop_loss.client_order_id,  # type: ignore[union-attr]
                        short.take_profit.client_order_id}  # type: ignore[union-attr]
    legs = {p.position_side: p.quantity for p in await exchange.get_positions(BTC)}
    assert legs == {SHORT: D("-0.01")}
    report = await manager.audit_protection()
    assert report.is_protected and [p.position_side for p in report.positions] == [SHORT]


async def test_emulated_brackets_on_both_legs(
    exchange: AsterDEXExchange, simulator: SimulatedExchange, tmp_path: Path, wait_for: Waiter,
) -> None:
    await hedge(exchange, simulator)
    async with OrderManager(exchange, tmp_path / "orders.sqlite") as manager:
        long, short = await place_leg_brackets(manager)
        assert long.backend is short.backend is BracketBackend.EMULATED
        await wait_for(lambda: exits_live(long) and exits_live(short), 15.0)
        check_exit_wires(simulator, long, LONG)
        check_exit_wires(simulator, short, SHORT)
        assert long.stop_loss.order.quantity == D("0.02")  # type: ignore[union-attr]
        assert short.stop_loss.order.quantity == D("0.01")  # type: ignore[union-attr]
        await oco_within_each_leg(manager, simulator, exchange, long, short, wait_for)


async def test_native_brackets_on_both_legs(
    simulator: SimulatedExchange, tmp_path: Path, wait_for: Waiter,
) -> None:
    from execution.simulator.testing import credentials_for

    v3 = AsterDEXExchange(credentials_for(simulator, "eip712"), rest_urls=simulator.rest_urls,
                          ws_url=simulator.ws_url, dotenv_path=None)
    async with v3:
        await hedge(v3, simulator)
        async with OrderManager(v3, tmp_path / "orders.sqlite") as manager:
            long, short = await place_leg_brackets(manager)
            assert long.backend is short.backend is BracketBackend.NATIVE
            await wait_for(lambda: exits_live(long) and exits_live(short), 15.0)
            check_exit_wires(simulator, long, LONG)
            check_exit_wires(simulator, short, SHORT)
            entry = wire_of(simulator, long.entry.client_order_id)
            assert (entry["side"], entry["positionSide"]) == ("BUY", "LONG")
            await oco_within_each_leg(manager, simulator, v3, long, short, wait_for)


async def test_a_bracket_entry_must_open_its_leg(
    exchange: AsterDEXExchange, simulator: SimulatedExchange, manager: OrderManager,
) -> None:
    await hedge(exchange, simulator)
    before = len(posts(simulator))
    with pytest.raises(ValidationError, match="LONG leg"):
        await manager.place_bracket_order(
            BTC, OrderSide.SELL, D("0.01"), stop_loss_price=D("53000"),
            take_profit_price=D("47000"), position_side="LONG")
    assert len(posts(simulator)) == before


async def test_the_symbol_exposure_counts_both_legs(
    exchange: AsterDEXExchange, simulator: SimulatedExchange, tmp_path: Path, wait_for: Waiter,
) -> None:
    await hedge(exchange, simulator)
    limits = RiskLimits(max_symbol_notional=D("1510"))
    async with OrderManager(exchange, tmp_path / "orders.sqlite", risk=limits) as manager:
        await manager.place_order(OrderIntent(BTC, OrderSide.BUY, OrderType.MARKET, D("0.02"),
                                              position_side=LONG))  # 1000 at 50000
        await wait_for(lambda: manager.position(BTC, LONG) is not None)
        # 0.015 short is 750: netted it would be 250, gross it is 1750, above 1500.
        with pytest.raises(RiskDeniedError):
            await manager.place_order(OrderIntent(
                BTC, OrderSide.SELL, OrderType.MARKET, D("0.015"), position_side=SHORT))
        # An open order that adds to the long leg counts as filled: 1000 + 200 + 500.
        resting = await manager.place_order(OrderIntent(
            BTC, OrderSide.BUY, OrderType.LIMIT, D("0.004"), price=D("45000"),
            time_in_force="GTC", position_side=LONG))
        short = OrderIntent(BTC, OrderSide.SELL, OrderType.MARKET, D("0.01"), position_side=SHORT)
        with pytest.raises(RiskDeniedError):
            await manager.place_order(short)
        await manager.cancel_order(resting.client_order_id)
        small = await manager.place_order(short)
        assert small.status is OrderStatus.FILLED  # 1000 + 500 = 1500: within 1510
        # Reducing a leg is never held up by the exposure limit.
        reduce = await manager.place_order(OrderIntent(
            BTC, OrderSide.SELL, OrderType.MARKET, D("0.005"), reduce_only=True,
            position_side=LONG))
        assert reduce.status is OrderStatus.FILLED


async def test_a_restarted_manager_keeps_each_orders_leg(
    exchange: AsterDEXExchange, simulator: SimulatedExchange, tmp_path: Path,
) -> None:
    await hedge(exchange, simulator)
    store = tmp_path / "orders.sqlite"
    # An order placed elsewhere, adopted: its leg comes from the exchange's answer.
    elsewhere = await exchange.create_order(
        BTC, OrderSide.BUY, OrderType.LIMIT, D("0.01"), price=D("44000"), time_in_force="GTC",
        position_side=LONG)
    async with OrderManager(exchange, store, adopt="all") as manager:
        resting = await manager.place_order(OrderIntent(
            BTC, OrderSide.SELL, OrderType.LIMIT, D("0.01"), price=D("56000"),
            time_in_force="GTC", position_side=SHORT))
        adopted = manager.get_order(elsewhere.client_order_id)
        assert adopted is not None and adopted.adopted
    async with client_for(simulator) as again, OrderManager(again, store) as restarted:
        restored = restarted.get_order(resting.client_order_id)
        assert restored is not None and restored.order.position_side is SHORT
        adopted = restarted.get_order(elsewhere.client_order_id)
        assert adopted is not None and adopted.order.position_side is LONG


@pytest.mark.parametrize("auth", ["hmac", "eip712"])
async def test_closing_a_bracketed_leg_leaves_the_other_bracket_working(
    simulator: SimulatedExchange, tmp_path: Path, wait_for: Waiter, auth: str,
) -> None:
    from execution.simulator.testing import credentials_for

    client = AsterDEXExchange(credentials_for(simulator, auth), rest_urls=simulator.rest_urls,
                              ws_url=simulator.ws_url, dotenv_path=None)
    async with client:
        await hedge(client, simulator)
        async with OrderManager(client, tmp_path / "orders.sqlite") as manager:
            long, short = await place_leg_brackets(manager)
            await wait_for(lambda: exits_live(long) and exits_live(short), 15.0)
            (closing,) = await manager.close_position(BTC, position_side="LONG")
            assert closing.status is OrderStatus.FILLED
            await wait_for(lambda: not any(x.is_open for x in long.exits), 15.0)
            assert short.status is BracketStatus.ACTIVE and exits_live(short)
            open_ids = {o.client_order_id for o in await client.get_open_orders(BTC)}
            assert open_ids == {short.stop_loss.client_order_id,  # type: ignore[union-attr]
                                short.take_profit.client_order_id}  # type: ignore[union-attr]
            assert (await manager.audit_protection()).is_protected


@pytest.mark.parametrize("auth", ["hmac", "eip712"])
async def test_moving_a_legs_stop_keeps_it_on_its_leg(
    simulator: SimulatedExchange, tmp_path: Path, wait_for: Waiter, auth: str,
) -> None:
    from execution.simulator.testing import credentials_for

    client = AsterDEXExchange(credentials_for(simulator, auth), rest_urls=simulator.rest_urls,
                              ws_url=simulator.ws_url, dotenv_path=None)
    async with client:
        await hedge(client, simulator)
        async with OrderManager(client, tmp_path / "orders.sqlite") as manager:
            long, short = await place_leg_brackets(manager)
            await wait_for(lambda: exits_live(long) and exits_live(short), 15.0)
            short_exits = {x.client_order_id for x in (short.stop_loss, short.take_profit) if x}
            assert long.stop_loss is not None
            moved = await manager.modify_order(long.stop_loss.client_order_id,
                                               new_price=D("48500"))
            assert moved.order.position_side is LONG and moved.order.stop_price == D("48500")
            if auth == "hmac":  # cancel and replace: the replacement is on the leg
                assert long.stop_loss is moved
                check_exit_wires(simulator, long, LONG)
            else:  # updateStrategyOrder: the same leg, its sub-order names the leg
                (update,) = [r for r in simulator.request_log
                             if r.path.endswith("updateStrategyOrder")]
                (leg,) = json.loads(update.params["subOrderList"])
                assert (leg["side"], leg["positionSide"]) == ("SELL", "LONG")
                assert "reduceOnly" not in leg
            stops = {o.client_order_id: o for o in await client.get_open_orders(BTC)}
            assert stops[long.stop_loss.client_order_id].stop_price == D("48500")
            assert short_exits <= set(stops) and exits_live(short)
            assert (await manager.audit_protection()).is_protected
