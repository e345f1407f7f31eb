"""The public endpoints: exchange rules, book, trades, klines, tickers and mark price."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from execution.simulator.api import ApiError
from execution.simulator.engine import params as p
from execution.simulator.engine import rejections as r
from execution.simulator.engine.config import RATE_LIMITS, SymbolSpec
from execution.simulator.engine.market import Market
from execution.simulator.engine.trading import TradingCore
from execution.simulator.engine.wire import fmt
from execution.simulator.json_number import JsonNumber

_EIGHT_HOURS = 8 * 3_600_000
_FUNDING_FEE_CAP = Decimal("0.02")
_DEPTH_LIMITS = (5, 10, 20, 50, 100, 500, 1000)
INTERVALS: dict[str, int] = {
    "1m": 60_000, "3m": 180_000, "5m": 300_000, "15m": 900_000, "30m": 1_800_000,
    "1h": 3_600_000, "2h": 7_200_000, "4h": 14_400_000, "6h": 21_600_000,
    "8h": 28_800_000, "12h": 43_200_000, "1d": 86_400_000, "3d": 259_200_000,
    "1w": 604_800_000, "1M": 2_592_000_000,  # 1M: 30-day bars (the history is shorter)
}


_ORDER_TYPES = ("LIMIT", "MARKET", "STOP", "STOP_MARKET", "TAKE_PROFIT", "TAKE_PROFIT_MARKET",
                "TRAILING_STOP_MARKET")


def _symbol_info(spec: SymbolSpec) -> dict[str, Any]:
    return {
        "symbol": spec.symbol,
        "pair": spec.symbol,
        "contractType": "PERPETUAL",
        "deliveryDate": 4133404800000,
        "onboardDate": 1569398400000,
        "status": "TRADING",
        "maintMarginPercent": "2.5000",
        "requiredMarginPercent": "5.0000",
        "baseAsset": spec.base_asset,
        "quoteAsset": spec.quote_asset,
        "marginAsset": spec.quote_asset,
        "pricePrecision": spec.price_precision,
        "quantityPrecision": spec.quantity_precision,
        "baseAssetPrecision": 8,
        "quotePrecision": 8,
        "underlyingType": "COIN",
        "underlyingSubType": [],
        "settlePlan": 0,
        "triggerProtect": "0.0500",
        "liquidationFee": "0.015000",
        "marketTakeBound": "0.05",
        "filters": [
            {"filterType": "PRICE_FILTER", "minPrice": fmt(spec.min_price),
             "maxPrice": fmt(spec.max_price), "tickSize": fmt(spec.tick_size)},
            {"filterType": "LOT_SIZE", "minQty": fmt(spec.min_qty),
             "maxQty": fmt(spec.max_qty), "stepSize": fmt(spec.step_size)},
            {"filterType": "MARKET_LOT_SIZE", "minQty": fmt(spec.min_qty),
             "maxQty": fmt(spec.market_max_qty), "stepSize": fmt(spec.step_size)},
            {"filterType": "MAX_NUM_ORDERS", "limit": spec.max_num_orders},
            {"filterType": "MAX_NUM_ALGO_ORDERS", "limit": spec.max_num_algo_orders},
            {"filterType": "MIN_NOTIONAL", "notional": fmt(spec.min_notional)},
            {"filterType": "PERCENT_PRICE", "multiplierUp": f"{spec.multiplier_up:.4f}",
             "multiplierDown": f"{spec.multiplier_down:.4f}", "multiplierDecimal": 4},
        ],
        # the docs' example names this list `OrderType`; Binance's clients read `orderTypes`
        "OrderType": list(_ORDER_TYPES),
        "orderTypes": list(_ORDER_TYPES),
        "timeInForce": ["GTC", "IOC", "FOK", "GTX", "HIDDEN"],
    }


class MarketData:
    """Answers the public endpoints from the core's markets."""

    def __init__(self, core: TradingCore) -> None:
        self.core = core
        self.handlers: dict[str, Callable[[p.Params], Any]] = {
            "exchangeInfo": self.exchange_info,
            "depth": self.depth,
            "trades": self.trades,
            "historicalTrades": self.trades,
            "aggTrades": self.agg_trades,
            "klines": self.klines,
            "markPriceKlines": self.klines,
            "indexPriceKlines": self.index_klines,
            "ticker/price": self.ticker_price,
            "ticker/bookTicker": self.book_ticker,
            "ticker/24hr": self.ticker_24hr,
            "premiumIndex": self.premium_index,
            "fundingRate": self.funding_rate,
            "fundingInfo": self.funding_info,
            "openInterest": self.open_interest,
            "ping": lambda _params: {},
            "time": lambda _params: {"serverTime": self.core.now()},
        }

    def _market(self, params: p.Params) -> Market:
        return self.core.market(p.required(params, "symbol"))

    def _markets(self, params: p.Params) -> tuple[list[Market], bool]:
        """The one symbol asked for, or all of them (and whether one was asked for)."""
        if p.text(params, "symbol") is None:
            return list(self.core.markets.values()), False
        return [self._market(params)], True

    def exchange_info(self, params: p.Params) -> dict[str, Any]:
        assets = sorted({spec.quote_asset for spec in self.core.specs.values()})
        return {
            "timezone": "UTC",
            "serverTime": self.core.now(),
            "futuresType": "U_MARGINED",
            "rateLimits": [dict(limit) for limit in RATE_LIMITS],
            "exchangeFilters": [],
            "assets": [
                {"asset": asset, "marginAvailable": True, "autoAssetExchange": 0}
                for asset in assets
            ],
            "symbols": [_symbol_info(spec) for spec in self.core.specs.values()],
        }

    def depth(self, params: p.Params) -> dict[str, Any]:
        market = self._market(params)
        wanted = p.integer(params, "limit") or 500
        if wanted not in _DEPTH_LIMITS:
            raise ApiError(-4021, f"'{wanted}' is not valid depth limit.")
        book = market.book
        now = self.core.now()
        return {
            "lastUpdateId": book.snapshot_id(),
            "E": now,
            "T": now,
            "bids": [[fmt(lv.price), fmt(lv.quantity)] for lv in book.bids(wanted)],
            "asks": [[fmt(lv.price), fmt(lv.quantity)] for lv in book.asks(wanted)],
        }

    def trades(self, params: p.Params) -> list[dict[str, Any]]:
        market = self._market(params)
        recent = list(market.trades)[-p.limit(params, 500, 1000):]
        return [
            {"id": t.trade_id, "price": fmt(t.price), "qty": fmt(t.quantity),
             "quoteQty": fmt(t.price * t.quantity), "time": t.time,
             "isBuyerMaker": t.buyer_is_maker}
            for t in recent
        ]

    def agg_trades(self, params: p.Params) -> list[dict[str, Any]]:
        market = self._market(params)
        recent = list(market.trades)[-p.limit(params, 500, 1000):]
        return [
            {"a": t.trade_id, "p": fmt(t.price), "q": fmt(t.quantity), "f": t.trade_id,
             "l": t.trade_id, "T": t.time, "m": t.buyer_is_maker}
            for t in recent
        ]

    def index_klines(self, params: p.Params) -> list[list[Any]]:
        """`indexPriceKlines` names its market `pair` (the docs), not `symbol`."""
        pair = p.required(params, "pair")
        return self.klines({**{k: v for k, v in params.items() if k != "pair"}, "symbol": pair})

    def klines(self, params: p.Params) -> list[list[Any]]:
        market = self._market(params)
        interval = INTERVALS.get(p.required(params, "interval"))
        if interval is None:
            raise ApiError(*r.INVALID_INTERVAL)
        start = p.integer(params, "startTime")
        end = p.integer(params, "endTime")
        if start is not None and end is not None and start > end:
            raise ApiError(*r.START_AFTER_END)
        wanted = p.limit(params, 500, 1500)
        bars: dict[int, list[Any]] = {}
        for point in market.feed.history:
            if (start is not None and point.time < start) or (end is not None and point.time > end):
                continue
            open_time = point.time - point.time % interval
            bar = bars.get(open_time)
            if bar is None:
                bars[open_time] = [open_time, point.price, point.price, point.price, point.price,
                                   point.volume, point.price * point.volume, 1]
            else:
                bar[2] = max(bar[2], point.price)
                bar[3] = min(bar[3], point.price)
                bar[4] = point.price
                bar[5] += point.volume
                bar[6] += point.price * point.volume
                bar[7] += 1
        ordered = sorted(bars.values(), key=lambda bar: bar[0])
        ordered = ordered[:wanted] if start is not None else ordered[-wanted:]
        return [
            [bar[0], fmt(bar[1]), fmt(bar[2]), fmt(bar[3]), fmt(bar[4]), fmt(bar[5]),
             bar[0] + interval - 1, fmt(bar[6]), bar[7], fmt(bar[5] / 2), fmt(bar[6] / 2), "0"]
            for bar in ordered
        ]

    def _one_or_all(self, params: p.Params, render: Callable[[Market], dict[str, Any]]) -> Any:
        markets, single = self._markets(params)
        rendered = [render(market) for market in markets]
        return rendered[0] if single else rendered

    def ticker_price(self, params: p.Params) -> Any:
        now = self.core.now()
        return self._one_or_all(params, lambda m: {
            "symbol": m.spec.symbol, "price": fmt(m.feed.last_price), "time": now})

    def book_ticker(self, params: p.Params) -> Any:
        now = self.core.now()

        def render(m: Market) -> dict[str, Any]:
            bid, ask = m.book.best()
            bid_price, ask_price = m.book.best_prices()
            return {"symbol": m.spec.symbol, "bidPrice": fmt(bid_price),
                    "bidQty": fmt(bid.quantity) if bid else "0", "askPrice": fmt(ask_price),
                    "askQty": fmt(ask.quantity) if ask else "0", "time": now,
                    "lastUpdateId": m.book.sync()}

        return self._one_or_all(params, render)

    def ticker_24hr(self, params: p.Params) -> Any:
        now = self.core.now()

        return self._one_or_all(params, lambda m: ticker_stats(m, now))

    def premium_index(self, params: p.Params) -> Any:
        now = self.core.now()
        rate = self.core.config.funding_rate
        return self._one_or_all(params, lambda m: {
            "symbol": m.spec.symbol,
            "markPrice": fmt(m.feed.mark_price),
            "indexPrice": fmt(m.feed.mark_price),
            "estimatedSettlePrice": fmt(m.feed.mark_price),
            "lastFundingRate": f"{rate:.8f}",
            "interestRate": "0.00010000",
            "nextFundingTime": next_funding_time(now),
            "time": now,
        })

    def funding_rate(self, params: p.Params) -> list[dict[str, Any]]:
        markets, _single = self._markets(params)
        now = self.core.now()
        last = next_funding_time(now) - _EIGHT_HOURS
        return [
            {"symbol": m.spec.symbol, "fundingRate": f"{self.core.config.funding_rate:.8f}",
             "fundingTime": last, "markPrice": fmt(m.feed.mark_price)}
            for m in markets
        ]

    def funding_info(self, params: p.Params) -> list[dict[str, Any]]:
        """Each symbol's funding interval and fee bounds, with the docs' field names."""
        markets, _single = self._markets(params)
        now = self.core.now()
        return [
            {"symbol": m.spec.symbol, "interestRate": "0.00010000", "time": now,
             "fundingIntervalHours": _EIGHT_HOURS // 3_600_000,
             "fundingFeeCap": JsonNumber(_FUNDING_FEE_CAP),
             "fundingFeeFloor": JsonNumber(-_FUNDING_FEE_CAP)}
            for m in markets
        ]

    def open_interest(self, params: p.Params) -> dict[str, Any]:
        """Open contracts of a symbol: the long side of every account's positions (the
        synthetic counterparties hold the other side)."""
        market = self._market(params)
        symbol = market.spec.symbol
        total = sum(
            (abs(position.amount) for account in self.core.accounts.values()
             for position in account.positions.values() if position.symbol == symbol),
            Decimal(0),
        )
        return {"openInterest": fmt(total), "symbol": symbol, "time": self.core.now()}


def next_funding_time(now: int) -> int:
    """Funding is every 8 hours on the hour (00:00, 08:00, 16:00 UTC)."""
    return now - now % _EIGHT_HOURS + _EIGHT_HOURS


def ticker_stats(market: Market, now: int) -> dict[str, Any]:
    """The 24-hour rolling statistics of `market` at `now` (REST `ticker/24hr` fields)."""
    series = list(market.feed.points_since(now - 86_400_000)) or [market.feed.history[-1]]
    first, last = series[0], series[-1]
    volume = sum((pt.volume for pt in series), Decimal(0))
    quote = sum((pt.volume * pt.price for pt in series), Decimal(0))
    change = last.price - first.price
    trades = list(market.trades)
    return {
        "symbol": market.spec.symbol,
        "priceChange": fmt(change),
        "priceChangePercent": f"{(change / first.price * 100):.3f}",
        "weightedAvgPrice": fmt((quote / volume).quantize(market.spec.tick_size))
        if volume else fmt(last.price),
        "lastPrice": fmt(last.price),
        "lastQty": fmt(trades[-1].quantity) if trades else "0",
        "prevClosePrice": fmt(first.price),  # the close before the window: its first price
        "openPrice": fmt(first.price),
        "highPrice": fmt(max(pt.price for pt in series)),
        "lowPrice": fmt(min(pt.price for pt in series)),
        "volume": fmt(volume),
        "quoteVolume": fmt(quote),
        "openTime": first.time,
        "closeTime": now,
        "firstId": trades[0].trade_id if trades else 0,
        "lastId": trades[-1].trade_id if trades else 0,
        "count": len(series),
    }
