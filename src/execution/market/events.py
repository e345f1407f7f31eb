"""Typed market-data events and REST answers: every price, quantity and rate a `Decimal`.

They are what the trader sees: the mark, index and funding rate, the best bid and ask, the
trades, the candles, the book's changes, and the market client's own word on its state (a
gap found in the book, a resync done, a reconnect).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from decimal import Decimal

Level = tuple[Decimal, Decimal]
"""One price level: (price, quantity); a quantity of 0 removes the level."""


@dataclass(frozen=True, slots=True)
class MarkPriceUpdate:
    """`<symbol>@markPrice[@1s]`: mark, index, estimated settle price and funding."""

    symbol: str
    event_time: int
    mark_price: Decimal
    index_price: Decimal
    settle_price: Decimal
    funding_rate: Decimal
    next_funding_time: int


@dataclass(frozen=True, slots=True)
class BookTicker:
    """`<symbol>@bookTicker`: the best bid and ask with their quantities."""

    symbol: str
    update_id: int
    event_time: int
    transaction_time: int
    bid_price: Decimal
    bid_qty: Decimal
    ask_price: Decimal
    ask_qty: Decimal


@dataclass(frozen=True, slots=True)
class AggTrade:
    """`<symbol>@aggTrade`: the trades of one taker order at one price."""

    symbol: str
    event_time: int
    agg_id: int
    price: Decimal
    quantity: Decimal
    first_trade_id: int
    last_trade_id: int
    trade_time: int
    buyer_is_maker: bool


@dataclass(frozen=True, slots=True)
class Kline:
    """One candle: from `<symbol>@kline_<interval>` or REST `klines`."""

    symbol: str
    interval: str
    open_time: int
    close_time: int
    open: Decimal
    high: Decimal
    low: Decimal
    close: Decimal
    volume: Decimal
    quote_volume: Decimal
    trades: int
    taker_buy_volume: Decimal
    taker_buy_quote_volume: Decimal
    closed: bool


@dataclass(frozen=True, slots=True)
class DepthUpdate:
    """`<symbol>@depth[@100ms|@500ms]`: absolute quantities of the levels changed between
    update ids `first_id` (`U`) and `final_id` (`u`); `previous_id` (`pu`) is the previous
    event's `u`, which is how a gap is seen."""

    symbol: str
    event_time: int
    transaction_time: int
    first_id: int
    final_id: int
    previous_id: int
    bids: tuple[Level, ...]
    asks: tuple[Level, ...]


@dataclass(frozen=True, slots=True)
class DepthSnapshot:
    """REST `depth`: the book up to a limit as of update id `last_update_id`."""

    symbol: str
    last_update_id: int
    bids: tuple[Level, ...]
    asks: tuple[Level, ...]


@dataclass(frozen=True, slots=True)
class PremiumIndex:
    """REST `premiumIndex`: mark, index, the last funding rate and the next funding time."""

    symbol: str
    mark_price: Decimal
    index_price: Decimal
    settle_price: Decimal
    funding_rate: Decimal
    interest_rate: Decimal
    next_funding_time: int
    time: int


@dataclass(frozen=True, slots=True)
class Ticker24h:
    """REST `ticker/24hr`: the rolling day's statistics of one symbol."""

    symbol: str
    last_price: Decimal
    last_qty: Decimal
    open_price: Decimal
    high_price: Decimal
    low_price: Decimal
    price_change: Decimal
    price_change_percent: Decimal
    weighted_avg_price: Decimal
    volume: Decimal
    quote_volume: Decimal
    open_time: int
    close_time: int
    count: int


class MarketState(enum.Enum):
    """What the market client says about itself."""

    CONNECTED = "CONNECTED"
    DISCONNECTED = "DISCONNECTED"
    BOOK_GAP = "BOOK_GAP"  # a diff event did not follow the previous one: out of sync
    BOOK_SYNCED = "BOOK_SYNCED"  # the local book follows the stream again (from a snapshot)


@dataclass(frozen=True, slots=True)
class MarketStatus:
    """A change of state, with the symbol (book events) and the reason in words."""

    state: MarketState
    symbol: str = ""
    detail: str = ""


MarketEvent = MarkPriceUpdate | BookTicker | AggTrade | Kline | DepthUpdate
