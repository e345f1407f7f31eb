"""Answers about another order are never applied (issue 11, finding 8).

Before: a restarted simulator handed out its order ids again from the same number, so an
id kept from before the restart named a different, live order; a cancel by that stale id
cancelled it, and the answer was applied to the order asked about without a look.

Now the simulator's ids start from the clock (a restart never reuses one), requests name
an order by its client id when known (ours are never reused), and every cancel, query and
modify answer, and every update applied to a `ManagedOrder`, must describe the order asked
about (symbol, client order id, order id once known): otherwise `MismatchedAnswerError`
and nothing is applied. The class is covered with ids made to repeat on purpose (an
engine with a fixed `first_order_id`), as a venue reset or a faulty proxy could.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from execution.errors import MismatchedAnswerError, OrderNotFoundError
from execution.exchange.asterdex import AsterDEXExchange
from execution.exchange.order_request import check_answer
from execution.models import Order, OrderSide, OrderStatus, OrderType, OrderUpdate
from execution.orders.managed import ManagedOrder
from execution.orders.manager import OrderManager
from execution.orders.missing import NOT_ON_EXCHANGE
from execution.orders.protection import ProtectionConfig
from execution.orders.state import OrderAccepted, OrderCanceled, Outcome
from execution.simulator import SimulatedExchange
from execution.simulator.engine import Engine, EngineConfig

D = Decimal
BTC = "BTCUSDT"
FIXED_FIRST_ID = 4_000_000_001


def _port(sim: SimulatedExchange) -> int:
    return int(sim.rest_url.rsplit(":", 1)[1])


class Venue:
    """A simulator that can be restarted on the same port with the same accounts (and,
    with `repeat_ids`, an engine that hands out the same order ids again)."""

    def __init__(self, repeat_ids: bool) -> None:
        self.repeat_ids = repeat_ids
        self.sim = self._new(port=0, accounts=None)

    def _new(self, port: int, accounts: Any) -> SimulatedExchange:
        engine = Engine(EngineConfig(seed=7, first_order_id=FIXED_FIRST_ID)) \
            if self.repeat_ids else None
        return SimulatedExchange(seed=7, port=port, accounts=accounts, engine=engine)

    async def restart(self) -> SimulatedExchange:
        old = self.sim
        port = _port(old)
        await old.stop()
        self.sim = self._new(port=port, accounts=old.accounts)
        await self.sim.start()
        return self.sim


@pytest_asyncio.fixture
async def venue(request: pytest.FixtureRequest) -> AsyncIterator[Venue]:
    venue = Venue(repeat_ids=getattr(request, "param", False))
    await venue.sim.start()
    yield venue
    await venue.sim.stop()


def _client(venue: Venue, helpers: Any) -> AsterDEXExchange:
    return helpers.hmac_client(venue.sim)  # type: ignore[no-any-return]


async def _resting(client: AsterDEXExchange, client_order_id: str | None = None) -> Order:
    return await client.create_order(BTC, OrderSide.BUY, OrderType.LIMIT, D("0.01"),
                                     price=D("30000"), client_order_id=client_order_id)


async def test_a_restarted_simulator_never_reuses_an_order_id(venue: Venue, helpers: Any) -> None:
    async with _client(venue, helpers) as client:
        before = {int((await _resting(client)).order_id) for _ in range(3)}
        await venue.restart()
        after = {int((await _resting(client)).order_id) for _ in range(3)}
        assert not before & after
        assert min(after) > max(before)
        stale = str(max(before))
        with pytest.raises(OrderNotFoundError):
            await client.cancel_order(stale, BTC)
        assert len(await client.get_open_orders(BTC)) == 3  # nothing else touched


@pytest.mark.parametrize("venue", [True], indirect=True)
async def test_a_stale_id_naming_another_order_touches_nothing(
    venue: Venue, helpers: Any
) -> None:
    async with _client(venue, helpers) as client:
        mine = await _resting(client)
        await venue.restart()
        theirs = await _resting(client)
        assert theirs.order_id == mine.order_id  # the same id names another order now
        with pytest.raises(OrderNotFoundError):
            await client.cancel_order(mine.order_id, BTC, client_order_id=mine.client_order_id)
        with pytest.raises(OrderNotFoundError):
            await client.fetch_order(BTC, order_id=mine.order_id,
                                     client_order_id=mine.client_order_id)
        (still,) = await client.get_open_orders(BTC)
        assert still.client_order_id == theirs.client_order_id and still.status is OrderStatus.NEW


@pytest.mark.parametrize("venue", [True], indirect=True)
async def test_an_answer_with_another_order_id_is_refused(venue: Venue, helpers: Any) -> None:
    async with _client(venue, helpers) as client:
        mine = await _resting(client)
        await venue.restart()
        await _resting(client)  # takes mine's order id
        reused = await _resting(client, client_order_id=mine.client_order_id)  # and its client id
        assert reused.order_id != mine.order_id
        with pytest.raises(MismatchedAnswerError) as info:
            await client.fetch_order(BTC, order_id=mine.order_id,
                                     client_order_id=mine.client_order_id)
        assert info.value.expected["order_id"] == mine.order_id
        assert info.value.answered["order_id"] == reused.order_id
    # PUT order is a v3 endpoint only (the v1 doc has none): checked there.
    async with helpers.eip712_client(venue.sim) as v3_client:
        with pytest.raises(MismatchedAnswerError):
            await v3_client.modify_order(BTC, OrderSide.BUY, D("0.01"), D("30100"),
                                         order_id=mine.order_id,
                                         client_order_id=mine.client_order_id)


@pytest.mark.parametrize("venue", [True], indirect=True)
async def test_the_manager_cancels_nothing_of_another_order_after_a_restart(
    venue: Venue, helpers: Any, tmp_path: Path
) -> None:
    async with _client(venue, helpers) as client, OrderManager(
        client, tmp_path / "o.sqlite", adopt_unknown=False,
        protection=ProtectionConfig(interval=None),
    ) as manager:
        mine = await manager.place_limit_order(BTC, OrderSide.BUY, "0.01", "30000")
        await venue.restart()
        async with helpers.hmac_client(venue.sim) as other:
            theirs = await _resting(other)
        assert theirs.order_id == mine.order_id
        with pytest.raises(OrderNotFoundError):
            await manager.cancel_order(mine.client_order_id)
        assert mine.status is OrderStatus.EXPIRED  # the exchange does not have it: settled
        assert mine.attributes[NOT_ON_EXCHANGE]
        (still,) = await client.get_open_orders(BTC)
        assert still.client_order_id == theirs.client_order_id and still.status is OrderStatus.NEW


def _order(**changes: Any) -> Order:
    fields: dict[str, Any] = {"symbol": BTC, "side": OrderSide.BUY,
                              "order_type": OrderType.LIMIT, "quantity": D("0.01"),
                              "client_order_id": "om-mine", "order_id": "11",
                              "price": D("30000"), "status": OrderStatus.NEW}
    fields.update(changes)
    return Order(**fields)


@pytest.mark.parametrize("changes", [{"client_order_id": "om-other"}, {"order_id": "12"},
                                     {"symbol": "ETHUSDT"}])
def test_check_answer_and_check_describes_refuse_another_order(changes: dict[str, Any]) -> None:
    with pytest.raises(MismatchedAnswerError):
        check_answer(_order(**changes), BTC, "11", "om-mine")
    with pytest.raises(MismatchedAnswerError):
        ManagedOrder(_order()).check_describes(_order(**changes))
    check_answer(_order(), BTC, "11", "om-mine")
    check_answer(_order(order_id=""), BTC, "11", "om-mine")  # nothing to compare: taken
    ManagedOrder(_order(order_id="")).check_describes(_order(**{"order_id": "12"}))


def test_events_about_another_order_are_not_applied() -> None:
    managed = ManagedOrder(_order())
    assert managed.apply(OrderCanceled("om-other", 1)).outcome is Outcome.ILLEGAL
    assert managed.apply(OrderAccepted("om-mine", "12", 1)).outcome is Outcome.ILLEGAL
    assert managed.status is OrderStatus.NEW and managed.order_id == "11"
    assert managed.apply(OrderCanceled("om-mine", 2)).outcome is Outcome.APPLIED


async def test_the_manager_applies_no_snapshot_or_update_of_another_order(
    manager_on_sim: OrderManager,
) -> None:
    manager = manager_on_sim
    mine = await manager.place_limit_order(BTC, OrderSide.BUY, "0.01", "30000")
    other = _order(client_order_id=mine.client_order_id, order_id="1",
                   status=OrderStatus.CANCELED)
    with pytest.raises(MismatchedAnswerError):
        manager._parts.lifecycle.apply_snapshot(mine, other)
    manager.handle_event(OrderUpdate(other, "CANCELED", 1, 1))
    assert mine.status is OrderStatus.NEW


@pytest_asyncio.fixture
async def manager_on_sim(
    roomy_simulator: SimulatedExchange, client: AsterDEXExchange, tmp_path: Path
) -> AsyncIterator[OrderManager]:
    async with OrderManager(client, tmp_path / "o.sqlite",
                            protection=ProtectionConfig(interval=None)) as manager:
        yield manager
