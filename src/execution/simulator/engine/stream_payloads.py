"""The payloads of the market streams pushed at an interval, rendered when they are due.

The server asks for a stream when its interval has passed (`MarketStreams.render`); what is
rendered follows the docs: the mark price every 3 s or 1 s; the kline of the current
interval every 250 ms when it changed (a kline that ended is sent once more, closed); the
tickers every 500 ms when the symbol changed (the all-market arrays every second, with
only the symbols that changed); the latest liquidation of each symbol within the second;
partial depth (top 5, 10 or 20) at each interval; diff depth with the changes since the
stream's previous event (`pu` is that event's `u`), only when there are some.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from execution.simulator.engine.book import Change
from execution.simulator.engine.market import Market
from execution.simulator.engine.market_data import INTERVALS, next_funding_time, ticker_stats
from execution.simulator.engine.stream_names import StreamName
from execution.simulator.engine.trading import TradingCore
from execution.simulator.engine.wire import fmt

_DAY_MS = 86_400_000


def mark_price_payload(market: Market, now: int, funding_rate: Decimal) -> dict[str, Any]:
    feed = market.feed
    return {
        "e": "markPriceUpdate", "E": now, "s": market.spec.symbol,
        "p": fmt(feed.mark_price), "i": fmt(feed.mark_price), "P": fmt(feed.mark_price),
        "r": f"{funding_rate:.8f}", "T": next_funding_time(now),
    }


def book_ticker_payload(market: Market, now: int) -> dict[str, Any]:
    bid, ask = market.book.best()
    bid_price, ask_price = market.book.best_prices()
    return {
        "e": "bookTicker", "u": market.book.sync(), "E": now, "T": now,
        "s": market.spec.symbol,
        "b": fmt(bid_price), "B": fmt(bid.quantity) if bid else "0",
        "a": fmt(ask_price), "A": fmt(ask.quantity) if ask else "0",
    }


def _levels(changes: list[Change], ask: bool) -> list[list[str]]:
    latest: dict[Decimal, Decimal] = {}
    for change in changes:
        if change.ask is ask:
            latest[change.price] = change.quantity
    ordered = sorted(latest.items(), reverse=not ask)
    return [[fmt(price), fmt(quantity)] for price, quantity in ordered]


class MarketStreams:
    """Renders the interval streams; remembers per stream what it sent last."""

    def __init__(self, core: TradingCore, funding_rate: Decimal) -> None:
        self.core = core
        self.funding_rate = funding_rate
        self._sent: dict[str, Any] = {}  # stream name -> what the last push covered

    def render(self, stream: StreamName) -> list[Any]:
        """The payloads due on `stream` now (none when nothing changed)."""
        now = self.core.now()
        markets = self.core.markets
        kind = stream.kind
        if kind == "allMarkPrice":
            return [[mark_price_payload(m, now, self.funding_rate) for m in markets.values()]]
        if kind in ("allMiniTicker", "allTicker", "allForceOrder"):
            return self._all(stream, now)
        market = markets.get(stream.symbol or "")
        if market is None:
            return []
        if kind == "markPrice":
            return [mark_price_payload(market, now, self.funding_rate)]
        if kind in ("miniTicker", "ticker"):
            if self._sent.get(stream.name) == market.update_id:
                return []
            self._sent[stream.name] = market.update_id
            return [self._ticker(market, now, mini=kind == "miniTicker")]
        if kind == "forceOrder":
            return self._force_orders(stream.name, [market], now)
        if kind == "kline":
            return self._kline(stream, market, now)
        if kind == "partialDepth":
            return [self._partial_depth(stream, market, now)]
        if kind == "diffDepth":
            return self._diff_depth(stream, market, now)
        return []

    # -- tickers and liquidations -------------------------------------------------------------

    def _all(self, stream: StreamName, now: int) -> list[Any]:
        markets = list(self.core.markets.values())
        if stream.kind == "allForceOrder":
            return self._force_orders(stream.name, markets, now)
        seen: dict[str, int] = self._sent.setdefault(stream.name, {})
        changed = [m for m in markets if seen.get(m.spec.symbol) != m.update_id]
        for market in changed:
            seen[market.spec.symbol] = market.update_id
        if not changed:
            return []
        mini = stream.kind == "allMiniTicker"
        return [[self._ticker(m, now, mini=mini) for m in changed]]

    def _ticker(self, market: Market, now: int, *, mini: bool) -> dict[str, Any]:
        stats = ticker_stats(market, now)
        payload: dict[str, Any] = {
            "e": "24hrMiniTicker" if mini else "24hrTicker", "E": now, "s": market.spec.symbol,
        }
        if not mini:
            payload.update({"p": stats["priceChange"], "P": stats["priceChangePercent"],
                            "w": stats["weightedAvgPrice"]})
        payload["c"] = stats["lastPrice"]
        if not mini:
            payload["Q"] = stats["lastQty"]
        payload.update({"o": stats["openPrice"], "h": stats["highPrice"],
                        "l": stats["lowPrice"], "v": stats["volume"], "q": stats["quoteVolume"]})
        if not mini:
            payload.update({"O": stats["openTime"], "C": stats["closeTime"],
                            "F": stats["firstId"], "L": stats["lastId"], "n": stats["count"]})
        return payload

    def _force_orders(self, name: str, markets: list[Market], now: int) -> list[Any]:
        seen: dict[str, int] = self._sent.setdefault(name, {})
        result: list[Any] = []
        for market in markets:
            symbol = market.spec.symbol
            if market.force_order is None or seen.get(symbol, 0) >= market.force_orders:
                continue
            seen[symbol] = market.force_orders
            result.append({"e": "forceOrder", "E": now, "o": dict(market.force_order)})
        return result

    # -- klines -------------------------------------------------------------------------------

    def _kline(self, stream: StreamName, market: Market, now: int) -> list[Any]:
        interval = INTERVALS[stream.kline_interval or "1m"]
        start = now - now % interval
        last = self._sent.get(stream.name)
        result: list[Any] = []
        if last is not None and last[0] < start:  # the bar sent last has ended: once more
            result.append(self._kline_payload(stream, market, last[0], interval, now, True))
        marker = (start, market.update_id)
        if marker != last:
            result.append(self._kline_payload(stream, market, start, interval, now, False))
        self._sent[stream.name] = marker
        return result

    def _kline_payload(self, stream: StreamName, market: Market, start: int, interval: int,
                       now: int, closed: bool) -> dict[str, Any]:
        end = start + interval
        points = [pt for pt in market.feed.points_since(start) if pt.time < end]
        trades = [t for t in market.trades if start <= t.time < end]
        if points:
            prices = [pt.price for pt in points]
            open_price, close = prices[0], prices[-1]
            high, low = max(prices), min(prices)
        else:  # no tick yet in this bar: it opens at the last price
            open_price = close = high = low = market.feed.last_price
        volume = sum((pt.volume for pt in points), Decimal(0))
        quote = sum((pt.volume * pt.price for pt in points), Decimal(0))
        taker_buys = [t for t in trades if not t.buyer_is_maker]
        return {
            "e": "kline", "E": now, "s": market.spec.symbol,
            "k": {
                "t": start, "T": end - 1, "s": market.spec.symbol, "i": stream.kline_interval,
                "f": trades[0].trade_id if trades else -1,
                "L": trades[-1].trade_id if trades else -1,
                "o": fmt(open_price), "c": fmt(close), "h": fmt(high), "l": fmt(low),
                "v": fmt(volume), "n": len(trades), "x": closed, "q": fmt(quote),
                "V": fmt(sum((t.quantity for t in taker_buys), Decimal(0))),
                "Q": fmt(sum((t.quantity * t.price for t in taker_buys), Decimal(0))),
                "B": "0",
            },
        }

    # -- depth --------------------------------------------------------------------------------

    def _partial_depth(self, stream: StreamName, market: Market, now: int) -> dict[str, Any]:
        book = market.book
        last_id = book.sync()
        previous = self._sent.get(stream.name, last_id)
        self._sent[stream.name] = last_id
        count = stream.levels or 20
        return {
            "e": "depthUpdate", "E": now, "T": now, "s": market.spec.symbol,
            "U": min(previous + 1, last_id), "u": last_id, "pu": previous,
            "b": [[fmt(lv.price), fmt(lv.quantity)] for lv in book.bids(count)],
            "a": [[fmt(lv.price), fmt(lv.quantity)] for lv in book.asks(count)],
        }

    def _diff_depth(self, stream: StreamName, market: Market, now: int) -> list[Any]:
        book = market.book
        last_id = book.sync()
        previous = self._sent.get(stream.name)
        if previous is None:  # the stream starts here: the next event follows this id
            self._sent[stream.name] = last_id
            return []
        changes = book.changes_after(previous)
        if not changes:
            return []
        self._sent[stream.name] = changes[-1].update_id
        return [{
            "e": "depthUpdate", "E": now, "T": now, "s": market.spec.symbol,
            "U": changes[0].update_id, "u": changes[-1].update_id, "pu": previous,
            "b": _levels(changes, False), "a": _levels(changes, True),
        }]
