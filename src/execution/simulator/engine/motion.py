"""The market moving: books on the engine's clock, synthetic trades, and what a new price
sets off (book tickers, resting limits filled, stops triggered, funding, liquidations)."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from execution.simulator.engine import wire
from execution.simulator.engine.book import OrderBook
from execution.simulator.engine.market import Market, PublicTrade
from execution.simulator.engine.orders import Status
from execution.simulator.engine.stream_payloads import book_ticker_payload
from execution.simulator.engine.trading import TradingCore


def tradepro_event(event: dict[str, Any]) -> dict[str, Any] | None:
    """The `tradepro` event of an `aggTrade` event (the docs' trade with its transaction
    hash and hidden participants); None for any other event."""
    stream = event.get("stream")
    if not isinstance(stream, str) or not stream.endswith("@aggTrade"):
        return None
    trade = event["data"]
    return {"stream": stream.removesuffix("@aggTrade") + "@tradepro", "data": {
        "e": "tradepro", "E": trade["E"], "T": trade["T"], "s": trade["s"], "t": trade["a"],
        "p": trade["p"], "q": trade["q"], "h": f"0X{trade['a']:064X}",
        "m": ["hidden", "hidden"],
    }}


class MarketMotion:
    """Moves markets; `after_move` runs the engine's periodic duties after each move."""

    def __init__(self, core: TradingCore, refill_ms: int,
                 after_move: Callable[[Market], None]) -> None:
        self.core = core
        self.refill_ms = refill_ms
        self.after_move = after_move

    def attach_book(self, market: Market) -> None:
        """The market's book on the engine's clock; a taker's fills push the book ticker."""
        feed = market.feed
        book = OrderBook(market.spec, lambda: feed.last_price, self.core.now, self.refill_ms)
        book.on_take = lambda: self._book_ticker(market)
        market.book = book

    def _book_ticker(self, market: Market) -> None:
        self.core.listener(None, {"stream": f"{market.spec.symbol.lower()}@bookTicker",
                                  "data": book_ticker_payload(market, self.core.now())})

    def market_trade(self, market: Market, price: Decimal, quantity: Decimal) -> None:
        """A trade between synthetic counterparties (the random walk's volume)."""
        if quantity <= 0:
            return
        now = self.core.now()
        trade = PublicTrade(self.core.next_trade_id(), price, quantity, now,
                            buyer_is_maker=market.update_id % 2 == 0)
        market.record_trade(trade)
        self.core.listener(None, wire.agg_trade_event(market, trade, now))

    def moved(self, market: Market, volume: Decimal) -> None:
        """The price moved: the book follows, resting limits at the new price share the
        `volume` traded there, those it went through fill, stops trigger."""
        market.update_id += 1
        market.book.moved()
        self._book_ticker(market)
        self._touch(market, volume)
        self.core.on_price_change(market)
        self.after_move(market)

    def _touch(self, market: Market, volume: Decimal) -> None:
        """Resting limits at exactly the last price fill from `volume`, oldest first; one
        that may only reduce a position that is gone expires (as when crossed)."""
        core = self.core
        for order in market.touched(market.feed.last_price):
            account = core.accounts[order.account_id]
            fillable = core._fillable(account, order)
            if fillable <= 0:
                core._finish(account, order, Status.EXPIRED)
                continue
            quantity = min(fillable, volume)
            if quantity > 0:
                core.counterparty_fill(order, quantity)
                volume -= quantity
