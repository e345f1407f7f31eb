"""The must-show of the market-data layer: the local book equals the simulator's own book
after more than 10,000 level updates carried by the diff stream, with gaps injected on the
way (diff messages lost on purpose, and the socket dropped). Each gap must be found by the
docs' rule, resynced from a new snapshot, and the end state must be the simulator's book,
read both from its engine and from a REST snapshot."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from execution.exchange.asterdex import AsterDEXExchange
from execution.market.book_keeper import OrderBookKeeper
from execution.market.client import MarketStream
from execution.market.events import MarketState, MarketStatus
from execution.market.rest import MarketRest
from execution.models import OrderSide
from execution.simulator import SimulatedExchange

from .conftest import poll
from .test_local_book_sim import Dropper, assert_same_book, converge, trade

UPDATES = 10_000


class UpdateCounter:
    """Counts the level updates (`u - U + 1`) of every diff message the stream delivered,
    before the dropper decides (a lost message's updates count too: they were sent)."""

    def __init__(self, dropper: Dropper) -> None:
        self.dropper = dropper
        self.updates = 0
        self.messages = 0

    def __call__(self, stream: str, data: Any) -> bool:
        if "@depth" in stream and isinstance(data, dict):
            self.messages += 1
            self.updates += int(data["u"]) - int(data["U"]) + 1
        return self.dropper(stream, data)


def engine_book(sim: SimulatedExchange, symbol: str) -> tuple[dict[Decimal, Decimal],
                                                             dict[Decimal, Decimal]]:
    book = sim.engine.core.markets[symbol].book
    return ({lv.price: lv.quantity for lv in book.bids()},
            {lv.price: lv.quantity for lv in book.asks()})


async def test_the_local_book_equals_the_simulators_after_10000_updates_with_gaps(
    book_sim: SimulatedExchange, venue: AsterDEXExchange, market_rest: MarketRest,
) -> None:
    dropper = Dropper(every=9, budget=12)
    counter = UpdateCounter(dropper)
    statuses: list[MarketStatus] = []
    stream = MarketStream(book_sim.ws_url, message_filter=counter, backoff_base=0.05,
                          backoff_cap=0.5)
    await stream.start()
    keeper = OrderBookKeeper(stream, market_rest, "BTCUSDT", speed="100ms",
                             on_status=statuses.append)
    dropper.keeper = keeper
    try:
        await keeper.start()
        assert await keeper.wait_synced(20)
        price = book_sim.mark_price("BTCUSDT")
        round_, dropped_socket = 0, False
        while counter.updates < UPDATES or dropper.dropped < dropper.budget:
            assert round_ < 3_000, "the stream stopped carrying the book's changes"
            price += Decimal("13.7") if round_ % 3 else Decimal("-21.3")
            book_sim.set_price("BTCUSDT", price)
            if round_ % 5 == 0:
                await trade(venue, OrderSide.BUY if round_ % 2 else OrderSide.SELL, "0.4")
            if not dropped_socket and counter.updates >= UPDATES // 2:
                book_sim.faults.drop_websockets()  # a lost socket mid-way: a gap too
                dropped_socket = True
            book_sim.step(1)
            seen = counter.messages
            assert await poll(lambda seen=seen: counter.messages > seen)  # type: ignore[misc]
            round_ += 1
        assert await keeper.wait_synced(20)
        fresh = await converge(keeper, market_rest)
        assert_same_book(keeper, fresh)
        bids, asks = engine_book(book_sim, "BTCUSDT")
        assert keeper.book.bids == bids and keeper.book.asks == asks
        assert counter.updates >= UPDATES and dropped_socket
        gaps = [s for s in statuses if s.state is MarketState.BOOK_GAP]
        assert len(gaps) >= 2 and keeper.gaps == len(gaps)  # lost messages and the socket
        assert keeper.resyncs >= 1 + len(gaps)
    finally:
        await keeper.stop()
        await stream.stop()
