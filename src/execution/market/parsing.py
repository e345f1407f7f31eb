"""Wire JSON to market events: every figure through `execution.money.to_decimal`.

A message is read with `loads` (JSON numbers become `Decimal`, never float), and a figure
that is missing or not a plain decimal raises `MalformedResponseError` naming the field.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

from execution.errors import ValidationError
from execution.exchange.parsing import MalformedResponseError
from execution.market.events import (
    AggTrade,
    BookTicker,
    DepthSnapshot,
    DepthUpdate,
    Kline,
    Level,
    MarketEvent,
    MarkPriceUpdate,
    PremiumIndex,
    Ticker24h,
)
from execution.money import to_decimal


def loads(text: str | bytes) -> Any:
    """JSON with every number that has a point or exponent as a `Decimal`."""
    return json.loads(text, parse_float=Decimal)


def _field(data: Mapping[str, Any], key: str, what: str) -> Any:
    try:
        return data[key]
    except (KeyError, TypeError):
        raise MalformedResponseError(f"{what}: missing field {key!r}") from None


_FIGURE_TYPES = (str, int, Decimal, float)
_MEMO_SIZE = 1 << 16
_memo: dict[str, Decimal] = {}  # text -> to_decimal(text): a book's prices come back often


def figure(value: Any, key: str, what: str) -> Decimal:
    """`value` as a Decimal (a JSON number read by `loads` is one already; a float from
    another reader goes through `str`, as `to_decimal` does). Texts already read are
    remembered (a Decimal is immutable), so a level seen again costs a dict lookup."""
    if type(value) is str:
        known = _memo.get(value)
        if known is not None:
            return known
        result = _checked(value, key, what)
        if len(_memo) >= _MEMO_SIZE:
            _memo.clear()
        _memo[value] = result
        return result
    if isinstance(value, bool) or not isinstance(value, _FIGURE_TYPES):
        raise MalformedResponseError(f"{what}: {key!r} is not a decimal ({value!r})")
    return _checked(value, key, what)


def clear_memo() -> None:
    """Forget the texts read so far (the next sight of each costs `to_decimal` again)."""
    _memo.clear()


def _checked(value: str | int | Decimal | float, key: str, what: str) -> Decimal:
    try:
        return to_decimal(value, key)
    except ValidationError as exc:
        raise MalformedResponseError(f"{what}: {exc}") from None


def dec(data: Mapping[str, Any], key: str, what: str) -> Decimal:
    """Field `key` of `data` as a Decimal (`figure`)."""
    return figure(_field(data, key, what), key, what)


def num(data: Mapping[str, Any], key: str, what: str) -> int:
    """Field `key` of `data` as an int (ids and times)."""
    value = _field(data, key, what)
    if isinstance(value, bool) or not isinstance(value, int):
        raise MalformedResponseError(f"{what}: {key!r} is not an integer ({value!r})")
    return value


def levels(raw: Any, what: str) -> tuple[Level, ...]:
    """`[["price", "qty"], ...]` as (Decimal, Decimal) pairs."""
    if not isinstance(raw, list):
        raise MalformedResponseError(f"{what}: levels are not a list")
    result = []
    for level in raw:
        if not isinstance(level, list) or len(level) < 2:
            raise MalformedResponseError(f"{what}: a level is not [price, quantity]")
        result.append((figure(level[0], "price", what), figure(level[1], "quantity", what)))
    return tuple(result)


def parse_mark_price(data: Mapping[str, Any]) -> MarkPriceUpdate:
    w = "markPriceUpdate"
    return MarkPriceUpdate(
        symbol=str(_field(data, "s", w)), event_time=num(data, "E", w),
        mark_price=dec(data, "p", w), index_price=dec(data, "i", w),
        settle_price=dec(data, "P", w), funding_rate=dec(data, "r", w),
        next_funding_time=num(data, "T", w),
    )


def parse_book_ticker(data: Mapping[str, Any]) -> BookTicker:
    w = "bookTicker"
    return BookTicker(
        symbol=str(_field(data, "s", w)), update_id=num(data, "u", w),
        event_time=num(data, "E", w), transaction_time=num(data, "T", w),
        bid_price=dec(data, "b", w), bid_qty=dec(data, "B", w),
        ask_price=dec(data, "a", w), ask_qty=dec(data, "A", w),
    )


def parse_agg_trade(data: Mapping[str, Any]) -> AggTrade:
    w = "aggTrade"
    maker = _field(data, "m", w)
    if not isinstance(maker, bool):
        raise MalformedResponseError(f"{w}: 'm' is not a boolean ({maker!r})")
    return AggTrade(
        symbol=str(_field(data, "s", w)), event_time=num(data, "E", w),
        agg_id=num(data, "a", w), price=dec(data, "p", w), quantity=dec(data, "q", w),
        first_trade_id=num(data, "f", w), last_trade_id=num(data, "l", w),
        trade_time=num(data, "T", w), buyer_is_maker=maker,
    )


def parse_kline_event(data: Mapping[str, Any]) -> Kline:
    w = "kline"
    k = _field(data, "k", w)
    if not isinstance(k, Mapping):
        raise MalformedResponseError(f"{w}: 'k' is not an object")
    closed = _field(k, "x", w)
    if not isinstance(closed, bool):
        raise MalformedResponseError(f"{w}: 'x' is not a boolean ({closed!r})")
    return Kline(
        symbol=str(_field(k, "s", w)), interval=str(_field(k, "i", w)),
        open_time=num(k, "t", w), close_time=num(k, "T", w),
        open=dec(k, "o", w), high=dec(k, "h", w), low=dec(k, "l", w), close=dec(k, "c", w),
        volume=dec(k, "v", w), quote_volume=dec(k, "q", w), trades=num(k, "n", w),
        taker_buy_volume=dec(k, "V", w), taker_buy_quote_volume=dec(k, "Q", w), closed=closed,
    )


_KLINE_ROW = ("t", "o", "h", "l", "c", "v", "T", "q", "n", "V", "Q")


def parse_kline_row(row: Any, symbol: str, interval: str, now_ms: int) -> Kline:
    """One row of REST `klines` (`[openTime, open, high, low, close, volume, closeTime,
    quoteVolume, trades, takerBuyVolume, takerBuyQuoteVolume, ignore]`)."""
    w = "klines"
    if not isinstance(row, list) or len(row) < len(_KLINE_ROW):
        raise MalformedResponseError(f"{w}: a row is not a kline array")
    named = dict(zip(_KLINE_ROW, row, strict=False))
    close_time = num(named, "T", w)
    return Kline(
        symbol=symbol, interval=interval, open_time=num(named, "t", w), close_time=close_time,
        open=dec(named, "o", w), high=dec(named, "h", w), low=dec(named, "l", w),
        close=dec(named, "c", w), volume=dec(named, "v", w), quote_volume=dec(named, "q", w),
        trades=num(named, "n", w), taker_buy_volume=dec(named, "V", w),
        taker_buy_quote_volume=dec(named, "Q", w), closed=close_time < now_ms,
    )


def parse_depth_update(data: Mapping[str, Any]) -> DepthUpdate:
    w = "depthUpdate"
    return DepthUpdate(
        symbol=str(_field(data, "s", w)), event_time=num(data, "E", w),
        transaction_time=num(data, "T", w), first_id=num(data, "U", w),
        final_id=num(data, "u", w), previous_id=num(data, "pu", w),
        bids=levels(_field(data, "b", w), w), asks=levels(_field(data, "a", w), w),
    )


def parse_depth_snapshot(data: Mapping[str, Any], symbol: str) -> DepthSnapshot:
    w = "depth"
    return DepthSnapshot(
        symbol=symbol, last_update_id=num(data, "lastUpdateId", w),
        bids=levels(_field(data, "bids", w), w), asks=levels(_field(data, "asks", w), w),
    )


def parse_premium_index(data: Mapping[str, Any]) -> PremiumIndex:
    w = "premiumIndex"
    return PremiumIndex(
        symbol=str(_field(data, "symbol", w)), mark_price=dec(data, "markPrice", w),
        index_price=dec(data, "indexPrice", w),
        settle_price=dec(data, "estimatedSettlePrice", w),
        funding_rate=dec(data, "lastFundingRate", w),
        interest_rate=dec(data, "interestRate", w),
        next_funding_time=num(data, "nextFundingTime", w), time=num(data, "time", w),
    )


def parse_ticker_24h(data: Mapping[str, Any]) -> Ticker24h:
    w = "ticker/24hr"
    return Ticker24h(
        symbol=str(_field(data, "symbol", w)), last_price=dec(data, "lastPrice", w),
        last_qty=dec(data, "lastQty", w), open_price=dec(data, "openPrice", w),
        high_price=dec(data, "highPrice", w), low_price=dec(data, "lowPrice", w),
        price_change=dec(data, "priceChange", w),
        price_change_percent=dec(data, "priceChangePercent", w),
        weighted_avg_price=dec(data, "weightedAvgPrice", w), volume=dec(data, "volume", w),
        quote_volume=dec(data, "quoteVolume", w), open_time=num(data, "openTime", w),
        close_time=num(data, "closeTime", w), count=num(data, "count", w),
    )


_EVENT_PARSERS: dict[str, Callable[[Mapping[str, Any]], MarketEvent]] = {
    "markPriceUpdate": parse_mark_price,
    "bookTicker": parse_book_ticker,
    "aggTrade": parse_agg_trade,
    "kline": parse_kline_event,
    "depthUpdate": parse_depth_update,
}


def parse_event(data: Any) -> MarketEvent | None:
    """A stream payload as its event; None for a kind this client does not read."""
    if not isinstance(data, Mapping):
        return None
    parser = _EVENT_PARSERS.get(str(data.get("e")))
    return parser(data) if parser is not None else None
