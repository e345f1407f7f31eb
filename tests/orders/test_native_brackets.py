"""Native brackets: on AsterDEX v3 a bracket is one OTOCO strategy order held by the
exchange. The exits exist there before the entry fills, are placed by the entry's fill
and cancel each other without this process; a manager that dies in between leaves the
position protected, and the next one takes the bracket over from its store."""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal as D
from pathlib import Path

import pytest
import pytest_asyncio

from execution.errors import ValidationError
from execution.exchange.asterdex import AsterDEXExchange
from execution.models import OrderSide, OrderStatus
from execution.orders.bracket import BracketBackend, BracketStatus
from execution.orders.manager import OrderManager
from execution.simulator import SimulatedExchange
from execution.simulator.testing import credentials_for

from .conftest import Waiter

BTC = "BTCUSDT"


def v3_client(simulator: SimulatedExchange) -> AsterDEXExchange:
    return AsterDEXExchange(credentials_for(simulator, "eip712"), rest_urls=simulator.rest_urls,
                            ws_url=simulator.ws_url, dotenv_path=None)


@pytest_asyncio.fixture
async def v3(simulator: SimulatedExchange) -> AsyncIterator[AsterDEXExchange]:
    simulator.set_price(BTC, D("50000"))
    async with v3_client(simulator) as client:
        yield client


def strategy_requests(sim: SimulatedExchange) -> int:
    return sum(1 for r in sim.request_log if r.path.endswith("placeStrategyOrder"))


async def test_the_exits_are_held_by_the_exchange_before_the_entry_fills(
    v3: AsterDEXExchange, simulator: SimulatedExchange, tmp_path: Path, wait_for: Waiter,
) -> None:
    async with OrderManager(v3, tmp_path / "orders.sqlite") as manager:
        bracket = await manager.place_bracket_order(
            BTC, OrderSide.BUY, D("0.01"), entry_price=D("49000"),
            stop_loss_price=D("47000"), take_profit_price=D("53000"))
        assert bracket.backend is BracketBackend.NATIVE and strategy_requests(simulator) == 1
        assert bracket.entry.status is OrderStatus.NEW and bracket.entry.order_id
        stop, take = bracket.stop_loss, bracket.take_profit
        assert stop is not None and take is not None
        assert stop.status is OrderStatus.PENDING_NEW and not stop.order_id  # waiting there
        assert manager.unknown_outcomes() == []  # a waiting leg is no unknown outcome
        simulator.fill_order(BTC, client_order_id=bracket.entry.client_order_id)
        await wait_for(lambda: stop.status is OrderStatus.NEW and take.status is OrderStatus.NEW)
        assert bracket.status is BracketStatus.ACTIVE
        # The exchange's one-cancels-other: the take-profit fills, the stop goes.
        simulator.set_price(BTC, D("53500"))
        await wait_for(lambda: take.status is OrderStatus.FILLED
                       and stop.status is OrderStatus.CANCELED, 10.0)
        await wait_for(lambda: bracket.status is BracketStatus.CLOSED)
        assert [o for o in await v3.get_open_orders(BTC)] == []
        assert strategy_requests(simulator) == 1


async def test_a_manager_that_dies_leaves_the_position_protected_and_is_taken_over(
    v3: AsterDEXExchange, simulator: SimulatedExchange, tmp_path: Path, wait_for: Waiter,
) -> None:
    store = tmp_path / "orders.sqlite"
    first = OrderManager(v3, store)
    await first.start()
    bracket = await first.place_bracket_order(
        BTC, OrderSide.BUY, D("0.01"), entry_price=D("49000"),
        stop_loss_price=D("47000"), take_profit_price=D("53000"))
    entry_id = bracket.entry.client_order_id
    await first.flush()
    # The process is gone (no stop: nothing of it runs any more) and the entry fills.
    await v3.stop_user_stream()
    simulator.fill_order(BTC, client_order_id=entry_id)
    open_now = {o.client_order_id for o in await v3.get_open_orders(BTC)}
    assert open_now == {bracket.stop_loss.client_order_id,  # type: ignore[union-attr]
                        bracket.take_profit.client_order_id}  # type: ignore[union-attr]
    async with v3_client(simulator) as client, OrderManager(client, tmp_path / "copy.sqlite"
                                                            ) as _unused:
        pass  # (another manager on another file changes nothing of this bracket)
    first.store.release(first)  # type: ignore[union-attr]
    await first.store.close()  # type: ignore[union-attr]
    async with v3_client(simulator) as client, OrderManager(client, store) as second:
        again = second.brackets[entry_id]
        assert again.backend is BracketBackend.NATIVE
        await wait_for(lambda: again.status is BracketStatus.ACTIVE
                       and again.stop_loss is not None and again.stop_loss.is_open
                       and again.stop_loss.order_id != "")
        assert second.last_protection is not None and not second.last_protection.unprotected
        assert strategy_requests(simulator) == 1


async def test_a_cancelled_entry_ends_its_waiting_exits(
    v3: AsterDEXExchange, tmp_path: Path, wait_for: Waiter,
) -> None:
    async with OrderManager(v3, tmp_path / "orders.sqlite") as manager:
        bracket = await manager.place_bracket_order(
            BTC, OrderSide.BUY, D("0.01"), entry_price=D("49000"),
            stop_loss_price=D("47000"), take_profit_price=D("53000"))
        await manager.cancel_order(bracket.entry.client_order_id)
        await wait_for(lambda: bracket.status is BracketStatus.CANCELED and all(
            not leg.is_open for leg in bracket.exits))
        assert manager.open_orders(BTC) == []


async def test_emulated_on_request_and_native_refused_where_there_is_none(
    v3: AsterDEXExchange, simulator: SimulatedExchange, manager: OrderManager,
    tmp_path: Path,
) -> None:
    async with OrderManager(v3, tmp_path / "v3.sqlite") as on_v3:
        emulated = await on_v3.place_bracket_order(
            BTC, OrderSide.BUY, D("0.01"), entry_price=D("49000"),
            stop_loss_price=D("47000"), take_profit_price=D("53000"), backend="emulated")
        assert emulated.backend is BracketBackend.EMULATED and strategy_requests(simulator) == 0
    with pytest.raises(ValidationError, match="no strategy orders"):  # HMAC: v1 has none
        await manager.place_bracket_order(
            BTC, OrderSide.BUY, D("0.01"), entry_price=D("49000"),
            stop_loss_price=D("47000"), take_profit_price=D("53000"), backend="native")
    assert strategy_requests(simulator) == 0


async def test_a_native_stop_moves_with_the_strategy_not_by_cancel_and_replace(
    v3: AsterDEXExchange, simulator: SimulatedExchange, tmp_path: Path, wait_for: Waiter,
) -> None:
    async with OrderManager(v3, tmp_path / "orders.sqlite") as manager:
        bracket = await manager.place_bracket_order(
            BTC, OrderSide.BUY, D("0.01"), entry_price=D("49000"),
            stop_loss_price=D("47000"), take_profit_price=D("53000"))
        stop = bracket.stop_loss
        assert stop is not None
        moved = await manager.modify_order(stop.client_order_id, new_price=D("47500.05"))
        # waiting: amended there; a SELL trigger rounds up (it fires no later than asked)
        assert moved is stop and stop.order.stop_price == D("47500.1")
        simulator.fill_order(BTC, client_order_id=bracket.entry.client_order_id)
        await wait_for(lambda: stop.status is OrderStatus.NEW)
        (live,) = [o for o in await v3.get_open_orders(BTC)
                   if o.client_order_id == stop.client_order_id]
        assert live.stop_price == D("47500.1")  # placed with the moved trigger
        await manager.modify_order(stop.client_order_id, new_price=D("48200"))  # trail it up
        (live,) = [o for o in await v3.get_open_orders(BTC)
                   if o.client_order_id == stop.client_order_id]
        assert live.stop_price == D("48200") and live.order_id == stop.order_id
        assert bracket.stop_loss_price == D("48200") and simulator.orders_created(
            stop.client_order_id) == 1
        with pytest.raises(ValidationError):  # above the market: would trigger at once
            await manager.modify_order(stop.client_order_id, new_price=D("60000"))


async def test_an_ioc_entry_never_goes_out_as_a_strategy_order(
    v3: AsterDEXExchange, simulator: SimulatedExchange, tmp_path: Path,
) -> None:
    # The docs' sub-order table: "IOC and FOK are not supported".
    async with OrderManager(v3, tmp_path / "orders.sqlite") as manager:
        with pytest.raises(ValidationError, match="IOC and FOK"):
            await manager.place_bracket_order(
                BTC, OrderSide.BUY, D("0.01"), entry_price=D("49000"), time_in_force="IOC",
                stop_loss_price=D("47000"), take_profit_price=D("53000"), backend="native")
        assert strategy_requests(simulator) == 0
        auto = await manager.place_bracket_order(
            BTC, OrderSide.BUY, D("0.01"), entry_price=D("49000"), time_in_force="IOC",
            stop_loss_price=D("47000"), take_profit_price=D("53000"))
        assert auto.backend is BracketBackend.EMULATED and strategy_requests(simulator) == 0


async def test_a_stop_moves_even_when_the_strategy_id_was_never_recorded(
    v3: AsterDEXExchange, tmp_path: Path,
) -> None:
    async with OrderManager(v3, tmp_path / "orders.sqlite") as manager:
        bracket = await manager.place_bracket_order(
            BTC, OrderSide.BUY, D("0.01"), entry_price=D("49000"),
            stop_loss_price=D("47000"), take_profit_price=D("53000"))
        del bracket.entry.attributes["strategy_id"]  # as if the process died before writing it
        stop = bracket.stop_loss
        assert stop is not None
        await manager.modify_order(stop.client_order_id, new_price=D("46000"))
        assert stop.order.stop_price == D("46000")
