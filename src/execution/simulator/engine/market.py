"""One symbol's market: its feed, its book, the resting limit orders and the conditionals.

A resting limit fills when the market trades through it: whole when the last price goes
beyond its price (`crossed`), partly when the price only reaches it (`touched`: the volume
traded at that price goes to the resting orders there in time priority).

Resting LIMIT orders sit in two heaps (best buy first, best sell first); conditional orders
sit in heaps by trigger price, one pair per working type. A price move pops only what it
crosses, so an update costs O(k log n) for k orders filled or triggered. Entries are removed
lazily: an entry whose order is no longer open, or was modified since, is skipped.
"""

from __future__ import annotations

import heapq
from collections import deque
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal
from itertools import count
from typing import Any

from execution.simulator.engine.book import OrderBook
from execution.simulator.engine.config import SymbolSpec
from execution.simulator.engine.feed import PriceFeed
from execution.simulator.engine.orders import Order, OrderType, Side, WorkingType

_HUNDRED = Decimal(100)

_Entry = tuple[Decimal, int, int, Order]  # (heap key, sequence, order version, order)


@dataclass(frozen=True, slots=True)
class PublicTrade:
    trade_id: int
    price: Decimal
    quantity: Decimal
    time: int
    buyer_is_maker: bool


def triggers_on_rise(order: Order) -> bool:
    """A BUY stop and a SELL take-profit fire when the price rises to the stop price."""
    return (order.orig_type.is_stop) == (order.side is Side.BUY)


def would_trigger(order: Order, price: Decimal) -> bool:
    """True when the stop price is already reached at `price`."""
    if triggers_on_rise(order):
        return price >= order.stop_price
    return price <= order.stop_price


class Market:
    """The state of one symbol shared by all accounts."""

    def __init__(self, spec: SymbolSpec, feed: PriceFeed) -> None:
        self.spec = spec
        self.feed = feed
        self.update_id = 1
        self.trades: deque[PublicTrade] = deque(maxlen=1000)
        self._sequence = count()
        self._bids: list[_Entry] = []
        self._asks: list[_Entry] = []
        self._rise: dict[WorkingType, list[_Entry]] = {w: [] for w in WorkingType}
        self._fall: dict[WorkingType, list[_Entry]] = {w: [] for w in WorkingType}
        self.trailing: dict[int, Order] = {}
        # a book that never runs out until the engine attaches one on its clock
        self.book = OrderBook(spec, lambda: feed.last_price, lambda: 0, 0)
        # the latest liquidation order (a `forceOrder` payload's `o`) and a counter of them
        self.force_order: dict[str, Any] | None = None
        self.force_orders = 0

    def reference_price(self, working_type: WorkingType) -> Decimal:
        if working_type is WorkingType.MARK_PRICE:
            return self.feed.mark_price
        return self.feed.last_price

    # -- resting limits ---------------------------------------------------------------------

    def rest(self, order: Order) -> None:
        entry_seq = next(self._sequence)
        if order.side is Side.BUY:
            heapq.heappush(self._bids, (-order.price, entry_seq, order.version, order))
        else:
            heapq.heappush(self._asks, (order.price, entry_seq, order.version, order))

    def crossed(self, price: Decimal) -> list[Order]:
        """Resting limits the price went through: buys above it, sells below it."""
        result: list[Order] = []
        bids, asks = self._bids, self._asks
        while bids and (-bids[0][0] > price or not _live(bids[0])):
            entry = heapq.heappop(bids)
            if _live(entry):
                result.append(entry[3])
        while asks and (asks[0][0] < price or not _live(asks[0])):
            entry = heapq.heappop(asks)
            if _live(entry):
                result.append(entry[3])
        return result

    def touched(self, price: Decimal) -> list[Order]:
        """Resting limits at exactly `price`, in time priority (they stay resting)."""
        found: list[_Entry] = []
        for heap, key in ((self._bids, -price), (self._asks, price)):
            held: list[_Entry] = []
            while heap and (heap[0][0] == key or not _live(heap[0])):
                entry = heapq.heappop(heap)
                if _live(entry):
                    held.append(entry)
            for entry in held:
                heapq.heappush(heap, entry)
            found.extend(held)
        found.sort(key=lambda entry: entry[1])
        return [entry[3] for entry in found]

    # -- conditionals -----------------------------------------------------------------------

    def wait(self, order: Order) -> None:
        """Hold a conditional order until its trigger."""
        if order.orig_type is OrderType.TRAILING_STOP_MARKET:
            self.trailing[order.order_id] = order
            return
        entry_seq = next(self._sequence)
        if triggers_on_rise(order):
            heap = self._rise[order.working_type]
            heapq.heappush(heap, (order.stop_price, entry_seq, order.version, order))
        else:
            heap = self._fall[order.working_type]
            heapq.heappush(heap, (-order.stop_price, entry_seq, order.version, order))

    def triggered(self) -> list[Order]:
        """Conditional orders whose trigger the current prices have reached, oldest first."""
        fired: list[Order] = []
        for working_type in WorkingType:
            price = self.reference_price(working_type)
            rise = self._rise[working_type]
            while rise and (rise[0][0] <= price or not _waiting(rise[0])):
                entry = heapq.heappop(rise)
                if _waiting(entry):
                    fired.append(entry[3])
            fall = self._fall[working_type]
            while fall and (-fall[0][0] >= price or not _waiting(fall[0])):
                entry = heapq.heappop(fall)
                if _waiting(entry):
                    fired.append(entry[3])
        for order_id, order in list(self.trailing.items()):
            if not order.is_open or order.triggered:
                del self.trailing[order_id]
            elif trailing_fires(order, self.reference_price(order.working_type)):
                del self.trailing[order_id]
                fired.append(order)
        fired.sort(key=lambda o: o.order_id)
        return fired

    def record_trade(self, trade: PublicTrade) -> None:
        self.trades.append(trade)
        self.update_id += 1


def _live(entry: _Entry) -> bool:
    order = entry[3]
    return order.is_open and order.version == entry[2] and order.type is OrderType.LIMIT


def _waiting(entry: _Entry) -> bool:
    order = entry[3]
    return order.is_open and not order.triggered and order.version == entry[2]


def trailing_fires(order: Order, price: Decimal) -> bool:
    """Advance a trailing stop by one price; True when it fires.

    A SELL trail activates once the price reaches the activation price, then follows the
    highest price and fires on a pull-back of `callbackRate` percent (a BUY mirrors it).
    """
    rate = (order.callback_rate or Decimal(1)) / _HUNDRED
    activation = order.activation_price
    if not order.trail_active:
        if activation is not None and (
            (order.side is Side.SELL and price < activation)
            or (order.side is Side.BUY and price > activation)
        ):
            return False
        order.trail_active = True
        order.trail_extreme = price
    if order.side is Side.SELL:
        order.trail_extreme = max(order.trail_extreme, price)
        return price <= order.trail_extreme * (1 - rate)
    order.trail_extreme = min(order.trail_extreme, price)
    return price >= order.trail_extreme * (1 + rate)


class MarksView(Mapping[str, Decimal]):
    """Mark prices by symbol, read live from the markets."""

    def __init__(self, markets: dict[str, Market]) -> None:
        self._markets = markets

    def __getitem__(self, symbol: str) -> Decimal:
        return self._markets[symbol].feed.mark_price

    def __iter__(self) -> Iterator[str]:
        return iter(self._markets)

    def __len__(self) -> int:
        return len(self._markets)
