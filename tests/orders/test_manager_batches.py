"""Batches through the order manager (`place_batch`): up to 5 orders a request, a longer
list split; every leg checked before anything is sent, recorded before its batch leaves,
and settled as a single order is (a lost answer leg by leg by client id, never twice)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal as D
from pathlib import Path

import pytest
import pytest_asyncio

from execution.errors import ValidationError
from execution.exchange.asterdex import AsterDEXExchange
from execution.intent import OrderIntent
from execution.models import OrderSide, OrderStatus, OrderType, PositionSide
from execution.orders.batch import BatchOrder
from execution.orders.manager import OrderManager
from execution.orders.validation import OrderGuards
from execution.simulator import SimulatedExchange
from execution.simulator.testing import credentials_for

BTC = "BTCUSDT"


def batch_posts(sim: SimulatedExchange) -> list[dict[str, str]]:
    return [r.params for r in sim.request_log
            if r.method == "POST" and r.path.endswith("/batchOrders")]


def ladder(count: int, start: str = "45000") -> list[OrderIntent]:
    return [OrderIntent(BTC, OrderSide.BUY, OrderType.LIMIT, D("0.001"),
                        price=D(start) - 100 * i, time_in_force="GTC") for i in range(count)]


@pytest_asyncio.fixture(params=["hmac", "eip712"])
async def exchange(
    simulator: SimulatedExchange, request: pytest.FixtureRequest
) -> AsyncIterator[AsterDEXExchange]:
    simulator.set_price(BTC, D("50000"))
    async with AsterDEXExchange(credentials_for(simulator, request.param),
                                rest_urls=simulator.rest_urls, ws_url=simulator.ws_url,
                                dotenv_path=None) as client:
        yield client


async def test_a_ladder_of_seven_goes_in_two_batches_and_survives_a_restart(
    exchange: AsterDEXExchange, simulator: SimulatedExchange, tmp_path: Path,
) -> None:
    store = tmp_path / "orders.sqlite"
    async with OrderManager(exchange, store) as manager:
        placed = await manager.place_batch(ladder(7), strategy_name="ladder")
        assert [m.status for m in placed] == [OrderStatus.NEW] * 7
        assert len(batch_posts(simulator)) == 2  # 5 + 2
        ids = [m.client_order_id for m in placed]
        assert len(set(ids)) == 7 and all(m.strategy_name == "ladder" for m in placed)
    async with OrderManager(exchange, store) as restarted:
        assert all(restarted.get_order(cid) is not None for cid in ids)
        assert {o.client_order_id for o in await exchange.get_open_orders(BTC)} == set(ids)


async def test_one_bad_leg_sends_and_records_nothing(
    exchange: AsterDEXExchange, simulator: SimulatedExchange, tmp_path: Path,
) -> None:
    async with OrderManager(exchange, tmp_path / "orders.sqlite") as manager:
        legs = [*ladder(2), OrderIntent(BTC, OrderSide.BUY, OrderType.LIMIT, D("0.001"),
                                        price="45000", callback_rate="1")]
        with pytest.raises(ValidationError) as caught:
            await manager.place_batch(legs)
        assert caught.value.field == "orders[2].callback_rate"
        assert batch_posts(simulator) == [] and manager.orders == []


async def test_a_leg_the_venue_refuses_is_rejected_the_others_placed(
    exchange: AsterDEXExchange, simulator: SimulatedExchange, tmp_path: Path,
) -> None:
    async with OrderManager(exchange, tmp_path / "orders.sqlite") as manager:
        crossing = OrderIntent(BTC, OrderSide.BUY, OrderType.LIMIT, D("0.001"),
                               price="50010", time_in_force="GTX")  # post-only: would take
        placed = await manager.place_batch([ladder(1)[0], crossing, ladder(1, "44000")[0]])
        assert [m.status for m in placed] == [
            OrderStatus.NEW, OrderStatus.REJECTED, OrderStatus.NEW]


@pytest.mark.parametrize("executed", [True, False], ids=["executed", "not-executed"])
async def test_a_lost_batch_answer_is_settled_leg_by_leg_never_twice(
    exchange: AsterDEXExchange, simulator: SimulatedExchange, tmp_path: Path,
    executed: bool,
) -> None:
    simulator.faults.fail_requests(count=1, status=503, code=-1007, execute=executed,
                                   path="batchOrders", method="POST")
    store = tmp_path / "orders.sqlite"
    async with OrderManager(exchange, store, poll_interval=0.1) as manager:
        legs = [BatchOrder(intent, client_order_id=f"lost-{executed}-{i}")
                for i, intent in enumerate(ladder(3))]
        placed = await manager.place_batch(legs)
        ids = [m.client_order_id for m in placed]
        assert max(simulator.orders_created(cid) for cid in ids) <= 1
        for managed in placed:
            assert managed.status in (OrderStatus.NEW, OrderStatus.PENDING_NEW)
        if executed or exchange.scheme.value == "eip712":
            assert [m.status for m in placed] == [OrderStatus.NEW] * 3
        else:  # v1, not executed: no proof, never sent again; left to settle by client id
            assert [m.status for m in placed] == [OrderStatus.PENDING_NEW] * 3
            unknown = {m.client_order_id for m in manager.unknown_outcomes()}
            assert set(ids) <= unknown and len(batch_posts(simulator)) == 1
        assert max(simulator.orders_created(cid) for cid in ids) <= 1


async def test_hedge_legs_go_in_one_batch_without_reduce_only(
    exchange: AsterDEXExchange, simulator: SimulatedExchange, tmp_path: Path,
) -> None:
    await exchange.margin.set_position_mode("hedge")
    async with OrderManager(exchange, tmp_path / "orders.sqlite") as manager:
        opened = await manager.place_batch([
            OrderIntent(BTC, OrderSide.BUY, OrderType.MARKET, D("0.002"),
                        position_side=PositionSide.LONG),
            OrderIntent(BTC, OrderSide.SELL, OrderType.MARKET, D("0.001"),
                        position_side=PositionSide.SHORT),
        ])
        assert [m.status for m in opened] == [OrderStatus.FILLED] * 2
        closing = await manager.place_batch([OrderIntent(
            BTC, OrderSide.SELL, OrderType.MARKET, D("0.002"), reduce_only=True,
            position_side=PositionSide.LONG)])
        assert closing[0].status is OrderStatus.FILLED
        assert '"reduceOnly"' not in batch_posts(simulator)[-1]["batchOrders"]
        legs = {p.position_side: p.quantity for p in await exchange.get_positions(BTC)}
        assert legs == {PositionSide.SHORT: D("-0.001")}


async def test_the_checks_count_the_earlier_legs_of_the_same_batch(
    exchange: AsterDEXExchange, simulator: SimulatedExchange, tmp_path: Path,
) -> None:
    """A guard of 3 open orders a symbol refuses the 4th leg of a batch of 5 (the legs
    before it count), and then nothing is sent or kept."""
    guards = OrderGuards(max_open_orders_per_symbol=3)
    async with OrderManager(exchange, tmp_path / "orders.sqlite", guards=guards) as manager:
        with pytest.raises(ValidationError) as caught:
            await manager.place_batch(ladder(5))
        assert caught.value.field == "orders[3].open_orders"
        assert batch_posts(simulator) == [] and manager.orders == []
        assert len(await manager.place_batch(ladder(3))) == 3  # within the guard: placed
