"""`MarketRest`: the public market reads over the exchange client's `RestClient`: the depth
snapshot, the 24-hour ticker, the premium index (mark, index, funding), klines and the
symbols' rules. Public endpoints: no credentials are needed."""

from __future__ import annotations

from typing import Any

from execution.errors import ValidationError
from execution.exchange import endpoints as ep
from execution.exchange.base import BaseExchange
from execution.exchange.markets import read_exchange_info
from execution.exchange.parsing import MalformedResponseError
from execution.exchange.rest import RestClient, rest_client_of
from execution.market.events import DepthSnapshot, Kline, PremiumIndex, Ticker24h
from execution.market.parsing import (
    parse_depth_snapshot,
    parse_kline_row,
    parse_premium_index,
    parse_ticker_24h,
)
from execution.market.streams import KLINE_INTERVALS
from execution.rules import SymbolRules, normalize_symbol
from execution.timekeeping import now_ms

DEPTH_LIMITS = (5, 10, 20, 50, 100, 500, 1000)


def _one(data: Any, symbol: str, what: str) -> dict[str, Any]:
    """The object of `symbol` in an answer that may be one object or a list."""
    if isinstance(data, list):
        data = next((d for d in data if isinstance(d, dict) and d.get("symbol") == symbol),
                    None)
    if not isinstance(data, dict):
        raise MalformedResponseError(f"{what}: nothing for {symbol}")
    return data


class MarketRest:
    """Market reads for one venue (the `rest` of an `AsterDEXExchange`)."""

    def __init__(self, rest: RestClient) -> None:
        self.rest = rest

    async def depth(self, symbol: str, limit: int = 1000) -> DepthSnapshot:
        """The book to `limit` levels a side (one of `DEPTH_LIMITS`)."""
        if limit not in DEPTH_LIMITS:
            raise ValidationError("limit", limit, f"one of {DEPTH_LIMITS}")
        symbol = normalize_symbol(symbol)
        data = await self.rest.request(ep.DEPTH, [("symbol", symbol), ("limit", str(limit))])
        return parse_depth_snapshot(data, symbol)

    async def premium_index(self, symbol: str) -> PremiumIndex:
        symbol = normalize_symbol(symbol)
        data = await self.rest.request(ep.PREMIUM_INDEX, [("symbol", symbol)])
        return parse_premium_index(_one(data, symbol, "premiumIndex"))

    async def ticker_24h(self, symbol: str) -> Ticker24h:
        symbol = normalize_symbol(symbol)
        data = await self.rest.request(ep.TICKER_24HR, [("symbol", symbol)])
        return parse_ticker_24h(_one(data, symbol, "ticker/24hr"))

    async def klines(self, symbol: str, interval: str = "1m", limit: int = 500) -> list[Kline]:
        """The last `limit` (1..1500) candles, oldest first."""
        if interval not in KLINE_INTERVALS:
            raise ValidationError("interval", interval, f"one of {', '.join(KLINE_INTERVALS)}")
        if not 1 <= limit <= 1500:
            raise ValidationError("limit", limit, "between 1 and 1500")
        symbol = normalize_symbol(symbol)
        data = await self.rest.request(ep.KLINES, [
            ("symbol", symbol), ("interval", interval), ("limit", str(limit))])
        if not isinstance(data, list):
            raise MalformedResponseError("klines: the answer is not a list")
        now = now_ms()
        return [parse_kline_row(row, symbol, interval, now) for row in data]

    async def symbol_rules(self) -> dict[str, SymbolRules]:
        """Every symbol's filters from `exchangeInfo`."""
        rules, _budgets = read_exchange_info(await self.rest.request(ep.EXCHANGE_INFO))
        return rules


def market_rest_of(exchange: BaseExchange) -> MarketRest:
    """The market reads of an exchange client that has a `RestClient` (AsterDEX, Binance
    and the simulator through the same client); `ConfigurationError` otherwise."""
    return MarketRest(rest_client_of(exchange, "market-data REST reads"))
