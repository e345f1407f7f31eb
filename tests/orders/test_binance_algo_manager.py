"""The order manager on the `binance` venue, against the simulator's Binance dialect:
stops and take-profits as algo orders followed to their fill (the actual order's id taken
over at the trigger), an emulated bracket end to end (Binance has no OTOCO), and a new
manager on the same store reattaching to an open algo order, or to one that triggered
while no manager ran."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from execution.auth import HmacCredentials
from execution.errors import OrderStatusUnknownError
from execution.exchange.asterdex import AsterDEXExchange
from execution.exchange.venues import BINANCE, Capability
from execution.models import OrderSide, OrderStatus, OrderType
from execution.orders.bracket import BracketBackend
from execution.orders.brackets import BracketStatus
from execution.orders.manager import OrderManager
from execution.simulator import SimulatedExchange

D = Decimal
BTC = "BTCUSDT"
Waiter = Callable[..., Awaitable[None]]


def _client(sim: SimulatedExchange) -> AsterDEXExchange:
    credentials = HmacCredentials(sim.account.api_key, sim.account.api_secret)
    return AsterDEXExchange(credentials, rest_urls=[sim.rest_url], ws_url=sim.ws_url,
                            dotenv_path=None, venue="binance")


@pytest_asyncio.fixture
async def binance_sim(simulator_factory: Any) -> SimulatedExchange:
    sim: SimulatedExchange = await simulator_factory(dialect="binance")
    return sim


@pytest_asyncio.fixture
async def client(binance_sim: SimulatedExchange) -> AsyncIterator[AsterDEXExchange]:
    async with _client(binance_sim) as connected:
        yield connected


async def _open_kinds(client: AsterDEXExchange) -> list[str]:
    return sorted(order.order_type.value for order in await client.get_open_orders(BTC))


async def test_a_stop_loss_is_an_algo_order_followed_to_its_fill(
    client: AsterDEXExchange, binance_sim: SimulatedExchange, tmp_path: Path, wait_for: Waiter
) -> None:
    async with OrderManager(client, tmp_path / "orders.sqlite", poll_interval=0.1) as manager:
        await manager.place_market_order(BTC, OrderSide.BUY, D("0.01"))
        stop = await manager.place_stop_loss_order(BTC, OrderSide.SELL, D("0.01"), D("49000"))
        algo_id = stop.order_id
        assert stop.status is OrderStatus.NEW and algo_id == stop.order.algo_id
        assert await _open_kinds(client) == ["STOP_MARKET"]
        binance_sim.set_price(BTC, D("48900"))
        await wait_for(lambda: stop.status is OrderStatus.FILLED, 10.0)
        assert stop.order_id != algo_id  # the actual order's id, taken over at the trigger
        assert stop.filled_quantity == D("0.01")
        assert await client.get_positions(BTC) == []
    assert manager.unknown_outcomes() == []


async def test_an_emulated_bracket_end_to_end_on_binance(
    client: AsterDEXExchange, binance_sim: SimulatedExchange, tmp_path: Path, wait_for: Waiter
) -> None:
    assert not BINANCE.supports(Capability.STRATEGY_ORDERS)
    assert "emulated" in BINANCE.missing[Capability.STRATEGY_ORDERS]
    async with OrderManager(client, tmp_path / "orders.sqlite", poll_interval=0.1) as manager:
        bracket = await manager.place_bracket_order(
            BTC, OrderSide.BUY, D("0.01"), stop_loss_price=D("49000"),
            take_profit_price=D("51000"),
        )
        assert bracket.backend is BracketBackend.EMULATED
        await wait_for(lambda: bracket.stop_loss is not None
                       and bracket.take_profit is not None
                       and bracket.stop_loss.status is OrderStatus.NEW
                       and bracket.take_profit.status is OrderStatus.NEW, 10.0)
        assert bracket.stop_loss is not None and bracket.take_profit is not None
        assert bracket.stop_loss.order.algo_id and bracket.take_profit.order.algo_id
        assert await _open_kinds(client) == ["STOP_MARKET", "TAKE_PROFIT_MARKET"]
        algo_posts = [r for r in binance_sim.request_log if r.path == "/fapi/v1/algoOrder"
                      and r.method == "POST"]
        assert len(algo_posts) == 2
        take_profit = bracket.take_profit
        binance_sim.set_price(BTC, D("48900"))
        await wait_for(lambda: take_profit.status is OrderStatus.CANCELED, 10.0)
        assert bracket.stop_loss.status is OrderStatus.FILLED
        await wait_for(lambda: bracket.status is BracketStatus.CLOSED, 10.0)
        assert await client.get_open_orders(BTC) == []
        assert await client.get_positions(BTC) == []


async def test_a_take_profit_exit_fills_and_the_stop_is_cancelled(
    client: AsterDEXExchange, binance_sim: SimulatedExchange, tmp_path: Path, wait_for: Waiter
) -> None:
    async with OrderManager(client, tmp_path / "orders.sqlite", poll_interval=0.1) as manager:
        bracket = await manager.place_bracket_order(
            BTC, OrderSide.SELL, D("0.01"), stop_loss_price=D("51000"),
            take_profit_price=D("49000"),
        )
        await wait_for(lambda: bracket.stop_loss is not None
                       and bracket.stop_loss.status is OrderStatus.NEW, 10.0)
        assert bracket.stop_loss is not None
        stop = bracket.stop_loss
        binance_sim.set_price(BTC, D("48900"))
        await wait_for(lambda: stop.status is OrderStatus.CANCELED, 10.0)
        assert bracket.take_profit is not None
        assert bracket.take_profit.status is OrderStatus.FILLED
        assert await client.get_open_orders(BTC) == []


async def test_a_new_manager_reattaches_to_an_open_algo_order(
    binance_sim: SimulatedExchange, tmp_path: Path, wait_for: Waiter
) -> None:
    store = tmp_path / "orders.sqlite"
    first_client = _client(binance_sim)
    async with first_client, OrderManager(first_client, store, poll_interval=0.1) as first:
        await first.place_market_order(BTC, OrderSide.BUY, D("0.02"))
        waiting = await first.place_stop_loss_order(BTC, OrderSide.SELL, D("0.01"), D("49000"))
        fires_while_down = await first.place_stop_loss_order(
            BTC, OrderSide.SELL, D("0.01"), D("49500"))
    binance_sim.set_price(BTC, D("49400"))  # no manager running: the second one fires
    second_client = _client(binance_sim)
    async with second_client, OrderManager(second_client, store, poll_interval=0.1) as second:
        report = second.last_reconciliation
        assert report is not None
        fired = second.get_order(fires_while_down.client_order_id)
        await wait_for(lambda: fired is not None and fired.status is OrderStatus.FILLED,
                       10.0)
        assert fired is not None and fired.order_id != fires_while_down.order_id
        reattached = second.get_order(waiting.client_order_id)
        assert reattached is not None and reattached.status is OrderStatus.NEW
        assert reattached.order_id == waiting.order_id  # still the algo id
        assert reattached.order.order_type is OrderType.STOP_LOSS
        binance_sim.set_price(BTC, D("48900"))
        await wait_for(lambda: reattached.status is OrderStatus.FILLED, 10.0)
        assert reattached.order_id != waiting.order_id
        assert await second_client.get_positions(BTC) == []
        assert second.unknown_outcomes() == []


async def test_an_algo_stop_protects_and_panic_clears_both_kinds(
    client: AsterDEXExchange, binance_sim: SimulatedExchange, tmp_path: Path, wait_for: Waiter
) -> None:
    """The protection audit sees a waiting algo stop as the position's live stop; panic
    cancels the algo orders with the regular ones and flattens."""
    async with OrderManager(client, tmp_path / "orders.sqlite", poll_interval=0.1) as manager:
        await manager.place_market_order(BTC, OrderSide.BUY, D("0.01"))
        assert not (await manager.audit_protection()).is_protected
        stop = await manager.place_stop_loss_order(BTC, OrderSide.SELL, D("0.01"), D("49000"))
        assert (await manager.audit_protection()).is_protected
        await manager.place_take_profit_order(BTC, OrderSide.SELL, D("0.01"), D("52000"))
        await manager.place_limit_order(BTC, OrderSide.BUY, D("0.01"), D("45000"))
        report = await manager.panic(BTC)
        assert report.flat, report.summary()
        assert len(report.cancelled) == 3
        await wait_for(lambda: stop.status is OrderStatus.CANCELED, 10.0)
        assert await client.get_open_orders(BTC) == []
        assert await client.get_positions(BTC) == []


async def test_a_stop_executed_late_after_an_unknown_outcome_is_one_algo_order(
    client: AsterDEXExchange, binance_sim: SimulatedExchange, tmp_path: Path, wait_for: Waiter
) -> None:
    """503 on `POST algoOrder`, carried out seconds later: the manager keeps the stop as an
    unknown outcome (never sent again) until the algo order shows up, then follows it."""
    async with OrderManager(client, tmp_path / "orders.sqlite", poll_interval=0.1,
                            pending_grace=30.0) as manager:
        await manager.place_market_order(BTC, OrderSide.BUY, D("0.01"))
        binance_sim.faults.fail_requests(count=1, status=503, code=-1007, execute=True,
                                         execute_after_ms=6000, path="algoOrder",
                                         method="POST")
        client_id = "x-late-stop-1"
        with pytest.raises(OrderStatusUnknownError):
            await manager.place_stop_loss_order(BTC, OrderSide.SELL, D("0.01"), D("49000"),
                                                client_order_id=client_id)
        stop = manager.get_order(client_id)
        assert stop is not None and stop.status is OrderStatus.PENDING_NEW
        await wait_for(lambda: stop.status is OrderStatus.NEW, 30.0)
        assert stop.order_id == stop.order.algo_id and manager.unknown_outcomes() == []
        assert binance_sim.orders_created(client_id) == 1
        posts = [r for r in binance_sim.request_log
                 if r.method == "POST" and r.path == "/fapi/v1/algoOrder"]
        assert len(posts) == 1
        binance_sim.set_price(BTC, D("48900"))
        await wait_for(lambda: stop.status is OrderStatus.FILLED, 10.0)


async def test_an_exit_the_algo_service_refuses_as_crossed_closes_at_market(
    client: AsterDEXExchange, binance_sim: SimulatedExchange, tmp_path: Path, wait_for: Waiter
) -> None:
    """`POST algoOrder` answers -2021 (would immediately trigger: the price moved between
    the check and the request): the emulated bracket closes the position at market."""
    async with OrderManager(client, tmp_path / "orders.sqlite", poll_interval=0.1) as manager:
        bracket = await manager.place_bracket_order(
            BTC, OrderSide.BUY, D("0.010"), entry_price=D("49900"),
            stop_loss_price=D("49000"), take_profit_price=D("51000"),
        )
        binance_sim.faults.fail_requests(count=1, status=400, code=-2021, path="algoOrder",
                                         method="POST")
        binance_sim.fill_order(BTC, client_order_id=bracket.entry.client_order_id)
        await wait_for(lambda: bracket.status is BracketStatus.CLOSED, 10.0)
        close = bracket.stop_loss
        assert close is not None
        await wait_for(lambda: close.status is OrderStatus.FILLED, 10.0)
        assert close.order.order_type is OrderType.MARKET and close.order.reduce_only
        assert bracket.exit_reason is not None and "-2021" in bracket.exit_reason
        assert await client.get_positions(BTC) == []
        assert await client.get_open_orders(BTC) == []
