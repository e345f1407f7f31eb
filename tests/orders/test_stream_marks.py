"""The manager's mark-based checks read the market stream's mark (`markPrice@1s`) instead
of polling REST, and fall back to REST when the stream's mark is stale; the symbols it
trades are the ones streamed. Against the simulator's market stream over loopback."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from decimal import Decimal

import pytest_asyncio

from execution.market.client import MarketStream
from execution.market.marks import StreamMarks
from execution.models import OrderSide, OrderStatus
from execution.orders.marks import STREAM_MARK_MAX_AGE
from execution.orders.protection import ProtectionConfig, ProtectionPolicy
from execution.risk.limits import RiskLimits
from execution.simulator import SimulatedExchange
from execution.timekeeping import ManualClock

from .conftest import ManagerFactory

D = Decimal
BTC = "BTCUSDT"
Waiter = Callable[..., Awaitable[None]]


def mark_reads(sim: SimulatedExchange) -> int:
    return sum(1 for record in sim.request_log if record.path.endswith("/premiumIndex"))


@pytest_asyncio.fixture
async def stream(simulator: SimulatedExchange) -> AsyncIterator[MarketStream]:
    market = MarketStream(simulator.ws_url)
    await market.start()
    yield market
    await market.stop()


async def streamed(marks: StreamMarks, sim: SimulatedExchange, wait_for: Waiter,
                   symbol: str = BTC) -> None:
    """Follow `symbol` and wait for a mark equal to the simulator's."""
    await marks.follow_now(symbol)
    await wait_for(lambda: marks.mark(symbol, STREAM_MARK_MAX_AGE) == sim.mark_price(symbol),
                   10)


async def test_orders_read_the_streamed_mark_and_rest_only_when_it_is_stale(
    manager_factory: ManagerFactory, stream: MarketStream, simulator: SimulatedExchange,
    wait_for: Waiter,
) -> None:
    clock = ManualClock()  # the marks' age: moved by hand
    marks = StreamMarks(stream, clock=clock)
    # every risk check that values the mark is on: the risk layer reads it too
    manager = await manager_factory(marks=marks, risk=RiskLimits(
        max_symbol_notional=D(100_000), price_band_percent=D(10)))
    await streamed(marks, simulator, wait_for)
    before = mark_reads(simulator)
    entry = await manager.place_market_order(BTC, OrderSide.BUY, D("0.010"))
    await wait_for(lambda: entry.status is OrderStatus.FILLED)
    mark = simulator.mark_price(BTC)
    limit = await manager.place_limit_order(BTC, OrderSide.BUY, D("0.010"), mark - 500)
    stop = await manager.place_stop_loss_order(BTC, OrderSide.SELL, D("0.010"), mark - 1000)
    assert limit.status is OrderStatus.NEW and stop.status is OrderStatus.NEW
    assert mark_reads(simulator) == before  # no REST mark for any of them

    await clock.advance(STREAM_MARK_MAX_AGE + 1)  # the stream's mark is stale now
    await manager.place_market_order(BTC, OrderSide.SELL, D("0.010"))
    assert mark_reads(simulator) == before + 1  # read over REST instead


async def test_without_a_stream_every_mark_is_a_rest_read(
    manager_factory: ManagerFactory, simulator: SimulatedExchange, wait_for: Waiter,
) -> None:
    manager = await manager_factory()
    before = mark_reads(simulator)
    entry = await manager.place_market_order(BTC, OrderSide.BUY, D("0.010"))
    await wait_for(lambda: entry.status is OrderStatus.FILLED)
    assert mark_reads(simulator) == before + 1


async def test_the_traded_symbols_are_followed(
    manager_factory: ManagerFactory, stream: MarketStream, simulator: SimulatedExchange,
    wait_for: Waiter,
) -> None:
    marks = StreamMarks(stream)
    manager = await manager_factory(marks=marks)
    assert marks.followed == frozenset()
    entry = await manager.place_market_order(BTC, OrderSide.BUY, D("0.010"))
    await wait_for(lambda: entry.status is OrderStatus.FILLED)
    assert BTC in marks.followed
    await wait_for(lambda: "btcusdt@markPrice@1s" in stream.streams)
    await wait_for(lambda: marks.mark(BTC, STREAM_MARK_MAX_AGE) is not None, 10)
    await marks.stop()


async def test_a_protection_rearm_prices_its_stop_from_the_streamed_mark(
    manager_factory: ManagerFactory, stream: MarketStream, simulator: SimulatedExchange,
    wait_for: Waiter,
) -> None:
    clock = ManualClock()
    marks = StreamMarks(stream, clock=clock)
    manager = await manager_factory(
        marks=marks, protection=ProtectionConfig(policy=ProtectionPolicy.REARM))
    await streamed(marks, simulator, wait_for)
    entry = await manager.place_market_order(BTC, OrderSide.BUY, D("0.010"))
    await wait_for(lambda: entry.status is OrderStatus.FILLED)
    before = mark_reads(simulator)
    report = await manager.audit_protection()
    (finding,) = report.positions
    assert finding.action.startswith("rearmed")
    assert mark_reads(simulator) == before
