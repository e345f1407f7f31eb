"""The local order book against the simulator's book over loopback: many updates, diff
messages lost on purpose, the socket dropped; the book must find each gap by `pu`, say it,
resync from a snapshot and end equal to a fresh REST snapshot."""

from __future__ import annotations

import logging
from decimal import Decimal
from typing import Any

import pytest

from execution.exchange.asterdex import AsterDEXExchange
from execution.market import streams
from execution.market.book_keeper import OrderBookKeeper
from execution.market.client import MarketStream
from execution.market.events import MarketState, MarketStatus, MarkPriceUpdate
from execution.market.rest import MarketRest
from execution.models import OrderSide, OrderType
from execution.simulator import SimulatedExchange

from .conftest import poll


class Dropper:
    """A message filter that loses diff-depth messages on purpose: every `every`-th one
    while the book is in sync, `budget` in all."""

    def __init__(self, every: int, budget: int) -> None:
        self.every = every
        self.budget = budget
        self.seen = 0
        self.dropped = 0
        self.keeper: OrderBookKeeper | None = None

    def __call__(self, stream: str, data: Any) -> bool:
        if "@depth" not in stream:
            return True
        self.seen += 1
        synced = self.keeper is not None and self.keeper.synced
        if synced and self.dropped < self.budget and self.seen % self.every == 0:
            self.dropped += 1
            return False
        return True


async def converge(keeper: OrderBookKeeper, rest: MarketRest) -> Any:
    """A fresh snapshot the local book has caught up with exactly (its `u` is the
    snapshot's id), taken again while the stream carried later changes."""
    for _attempt in range(20):
        fresh = await rest.depth(keeper.symbol, 1000)
        wanted = fresh.last_update_id
        assert await poll(lambda wanted=wanted: keeper.synced  # type: ignore[misc]
                          and (keeper.book.last_update_id or 0) >= wanted)
        if keeper.book.last_update_id == fresh.last_update_id:
            return fresh
    raise AssertionError("the local book never met a snapshot's update id")


def assert_same_book(keeper: OrderBookKeeper, fresh: Any) -> None:
    assert keeper.book.bids == dict(fresh.bids)
    assert keeper.book.asks == dict(fresh.asks)
    best_bid, best_ask = keeper.book.best_bid(), keeper.book.best_ask()
    assert best_bid is not None and best_ask is not None and best_ask[0] > best_bid[0]


async def trade(venue: AsterDEXExchange, side: OrderSide, quantity: str) -> None:
    await venue.create_order("BTCUSDT", side, OrderType.MARKET, Decimal(quantity))


async def test_book_equals_a_fresh_snapshot_after_many_updates_with_lost_messages(
    book_sim: SimulatedExchange, venue: AsterDEXExchange, market_rest: MarketRest,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING, logger="execution.market")
    dropper = Dropper(every=4, budget=5)
    statuses: list[MarketStatus] = []
    stream = MarketStream(book_sim.ws_url, message_filter=dropper)
    await stream.start()
    keeper = OrderBookKeeper(stream, market_rest, "BTCUSDT", speed="100ms",
                             on_status=statuses.append)
    dropper.keeper = keeper
    try:
        await keeper.start()
        assert await keeper.wait_synced(20)
        price = book_sim.mark_price("BTCUSDT")
        round_ = 0
        while round_ < 24 or dropper.dropped < dropper.budget:
            assert round_ < 400, "the stream stopped carrying the book's changes"
            price += Decimal("7.5") if round_ % 3 else Decimal("-11.25")
            book_sim.set_price("BTCUSDT", price)
            side = OrderSide.BUY if round_ % 2 else OrderSide.SELL
            await trade(venue, side, "0.3")
            book_sim.step(2)
            seen = dropper.seen
            assert await poll(lambda seen=seen: dropper.seen > seen)  # type: ignore[misc]
            round_ += 1
        fresh = await converge(keeper, market_rest)
        assert_same_book(keeper, fresh)
        assert dropper.seen >= 24 and keeper.book.updates_applied >= dropper.seen // 3
        # a lost message is a gap seen by `pu` (or by a first event after the snapshot),
        # said, and resynced (one lost in flight behind a new snapshot needs none)
        gaps = [s for s in statuses if s.state is MarketState.BOOK_GAP]
        assert 1 <= len(gaps) <= dropper.dropped and keeper.gaps == len(gaps)
        assert all("pu=" in s.detail or "U=" in s.detail for s in gaps)
        assert keeper.resyncs >= 1 + len(gaps)
        assert "out of sync" in caplog.text
    finally:
        await keeper.stop()
        await stream.stop()


async def test_reconnects_after_the_simulator_drops_the_socket_and_resyncs_the_book(
    book_sim: SimulatedExchange, venue: AsterDEXExchange, market_rest: MarketRest,
) -> None:
    statuses: list[MarketStatus] = []
    marks: list[MarkPriceUpdate] = []

    def listen(stream: str, event: Any) -> None:
        if isinstance(event, MarketStatus):
            statuses.append(event)
        elif isinstance(event, MarkPriceUpdate):
            marks.append(event)

    stream = MarketStream(book_sim.ws_url, [streams.mark_price("BTCUSDT", every_second=True)],
                          backoff_base=0.05, backoff_cap=0.5)
    stream.add_listener(listen)
    await stream.start()
    keeper = OrderBookKeeper(stream, market_rest, "BTCUSDT", speed="100ms",
                             on_status=statuses.append)
    try:
        await keeper.start()
        assert await keeper.wait_synced(20)
        for drop in range(3):
            book_sim.faults.drop_websockets()
            await trade(venue, OrderSide.BUY if drop % 2 else OrderSide.SELL, "0.5")
            assert await poll(lambda drop=drop: stream.connections >= drop + 2)  # type: ignore[misc]
            assert await keeper.wait_synced(20)
        assert await poll(lambda: keeper.synced)
        fresh = await converge(keeper, market_rest)
        assert_same_book(keeper, fresh)
        states = [s.state for s in statuses]
        assert states.count(MarketState.DISCONNECTED) >= 3
        assert states.count(MarketState.BOOK_GAP) >= 3  # a lost socket is said as a gap too
        # the subscriptions came back: the mark stream flows on the new connection
        book_sim.set_price("BTCUSDT", Decimal("51234.5"))
        assert await poll(lambda: any(m.mark_price == Decimal("51234.5") for m in marks))
        assert set(stream.streams) == {"btcusdt@markPrice@1s", "btcusdt@depth@100ms"}
        assert sorted(await stream.list_subscriptions()) == sorted(stream.streams)
    finally:
        await keeper.stop()
        await stream.stop()


async def test_a_failing_snapshot_is_tried_again_until_the_book_is_in_sync(
    book_sim: SimulatedExchange, venue: AsterDEXExchange, market_rest: MarketRest,
) -> None:
    book_sim.faults.fail_requests(count=6, status=503, path="depth")
    stream = MarketStream(book_sim.ws_url)
    await stream.start()
    keeper = OrderBookKeeper(stream, market_rest, "BTCUSDT", retry_base=0.05)
    try:
        await keeper.start()
        await trade(venue, OrderSide.BUY, "0.4")
        assert await keeper.wait_synced(30)
        assert_same_book(keeper, await converge(keeper, market_rest))
    finally:
        await keeper.stop()
        await stream.stop()
