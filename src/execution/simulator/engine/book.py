"""One symbol's order book: synthetic liquidity around the price that takers consume.

The book has `book_levels` levels a side, `level_spacing_ticks` apart, one tick either side
of the price (the feed's last price, which moves with the random walk). A level's size is
`level_qty` plus `level_qty_step` per level further out. A taker's fills take quantity out
of the levels it walks; what was taken comes back over time (`refill_ms` for a level's
whole base size, on the engine's clock), not on the next request. With `refill_ms` 0 the
book is whole again on every request (the legacy book).

Every change of a visible level gets an update id when the book is synchronised (`sync`),
the way an exchange's book does: a REST snapshot reports the last id (`lastUpdateId`), the
diff stream reports the changes with their ids (`U`, `u`, `pu`), so a local book kept with
the docs' recipe equals a later snapshot.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal

from execution.simulator.engine.config import SymbolSpec

_ZERO = Decimal(0)
CHANGE_LOG = 50_000  # level changes kept for the diff streams


@dataclass(frozen=True, slots=True)
class Level:
    price: Decimal
    quantity: Decimal


@dataclass(frozen=True, slots=True)
class Change:
    """One visible level's new quantity (0: removed) under update id `update_id`; a change
    without a side (`ask` None) only marks an id (a snapshot was served)."""

    update_id: int
    ask: bool | None
    price: Decimal
    quantity: Decimal


def best_prices(spec: SymbolSpec, price: Decimal) -> tuple[Decimal, Decimal]:
    """(bid, ask) of the full book: one tick either side of the price rounded down."""
    tick = spec.tick_size
    mid = (price / tick).to_integral_value(rounding=ROUND_FLOOR) * tick
    bid = mid - tick
    return (bid if bid > 0 else tick), mid + tick


class OrderBook:
    """The levels of one symbol, what takers took from them, and their update ids."""

    def __init__(
        self, spec: SymbolSpec, price: Callable[[], Decimal], clock: Callable[[], int],
        refill_ms: int,
    ) -> None:
        self.spec = spec
        self._price = price
        self._clock = clock
        self.refill_ms = refill_ms
        self._taken: dict[tuple[bool, Decimal], Decimal] = {}  # (ask?, price) -> taken
        self._refilled_at = clock()
        self.update_id = 1
        self.changes: deque[Change] = deque(maxlen=CHANGE_LOG)
        # the visible sides (bids, asks) as computed last; None: to compute again
        self._cache: list[list[Level] | None] = [None, None]
        self._full_diff = False  # the sides changed in more than one known level
        self._shown: tuple[dict[Decimal, Decimal], dict[Decimal, Decimal]] = self._visible()
        # called after a taker took liquidity (the engine pushes the book ticker)
        self.on_take: Callable[[], None] | None = None

    # -- reading ------------------------------------------------------------------------------

    def _base(self, index: int) -> Decimal:
        return self.spec.level_qty + self.spec.level_qty_step * index

    def _side(self, ask: bool, count: int | None = None) -> list[Level]:
        """The visible levels of one side, best first (empty levels left out)."""
        self._refill()
        cached = self._cache[ask]
        if cached is None:
            cached = self._cache[ask] = self._compute(ask)
        return cached if count is None or count >= len(cached) else cached[:count]

    def _compute(self, ask: bool) -> list[Level]:
        spec = self.spec
        bid, best_ask = best_prices(spec, self._price())
        spacing = spec.tick_size * spec.level_spacing_ticks
        result: list[Level] = []
        taken = self._taken
        for index in range(spec.book_levels):
            price = best_ask + spacing * index if ask else bid - spacing * index
            if price <= 0:
                break
            quantity = self._base(index)
            if taken:
                quantity -= taken.get((ask, price), _ZERO)
            if quantity > 0:
                result.append(Level(price, quantity))
        return result

    def levels(self, side: str, count: int | None = None) -> list[Level]:
        """The side a taker on `side` trades against: asks for BUY, bids for SELL."""
        return self._side(side == "BUY", count)

    def bids(self, count: int | None = None) -> list[Level]:
        return self._side(False, count)

    def asks(self, count: int | None = None) -> list[Level]:
        return self._side(True, count)

    def best(self) -> tuple[Level | None, Level | None]:
        """The best bid and ask levels (None for an empty side)."""
        bids, asks = self._side(False, 1), self._side(True, 1)
        return (bids[0] if bids else None), (asks[0] if asks else None)

    def best_prices(self) -> tuple[Decimal, Decimal]:
        """(best bid, best ask) prices; an emptied side shows its full book's best price."""
        bid, ask = self.best()
        full_bid, full_ask = best_prices(self.spec, self._price())
        return (bid.price if bid else full_bid), (ask.price if ask else full_ask)

    def walk(self, side: str, quantity: Decimal, limit: Decimal | None = None) -> list[Level]:
        """The fills a taker `side` order of `quantity` would get, best level first, not
        beyond `limit` (nothing is taken: `take` does that)."""
        fills: list[Level] = []
        remaining = quantity
        buying = side == "BUY"
        for level in self.levels(side):
            if remaining <= 0:
                break
            if limit is not None and (level.price > limit if buying else level.price < limit):
                break
            take = min(remaining, level.quantity)
            fills.append(Level(level.price, take))
            remaining -= take
        return fills

    def available(self, side: str, limit: Decimal | None = None) -> Decimal:
        """Total quantity a taker `side` order could get, not beyond `limit`."""
        return sum((lv.quantity for lv in self.walk(side, Decimal("Infinity"), limit)), _ZERO)

    # -- changing -----------------------------------------------------------------------------

    def take(self, side: str, price: Decimal, quantity: Decimal) -> None:
        """A taker on `side` took `quantity` at `price` (the level refills over time)."""
        if self.refill_ms <= 0:
            return
        ask = side == "BUY"
        key = (ask, price)
        self._taken[key] = self._taken.get(key, _ZERO) + quantity
        cached = self._cache[ask]
        if cached is None or self._full_diff:
            self._invalidate()
        else:  # one level changed: the cached side and the change log follow it
            for index, level in enumerate(cached):
                if level.price == price:
                    left = level.quantity - quantity
                    if left > 0:
                        cached[index] = Level(price, left)
                        self._shown[ask][price] = left
                    else:
                        del cached[index]
                        self._shown[ask].pop(price, None)
                    self._record(ask, price, max(left, _ZERO))
                    break
            else:
                self._invalidate()
        if self.on_take is not None:
            self.on_take()

    def _invalidate(self) -> None:
        self._cache = [None, None]
        self._full_diff = True

    def moved(self) -> None:
        """The price moved: the levels follow it; what was taken off-side is forgotten."""
        self._invalidate()
        if not self._taken:
            return
        bid, ask = best_prices(self.spec, self._price())
        for key in [k for k in self._taken if (k[1] < ask if k[0] else k[1] > bid)]:
            del self._taken[key]

    def _refill(self) -> None:
        if not self._taken:
            self._refilled_at = self._clock()
            return
        now = self._clock()
        elapsed = now - self._refilled_at
        if elapsed <= 0:
            return
        back = (self.spec.level_qty * elapsed / self.refill_ms).quantize(
            self.spec.step_size, ROUND_FLOOR)
        if back <= 0:
            return  # too little yet: it adds up
        self._refilled_at = now
        for key, taken in list(self._taken.items()):
            if taken <= back:
                del self._taken[key]
            else:
                self._taken[key] = taken - back
        self._invalidate()

    # -- update ids ---------------------------------------------------------------------------

    def _visible(self) -> tuple[dict[Decimal, Decimal], dict[Decimal, Decimal]]:
        return ({lv.price: lv.quantity for lv in self._side(False)},
                {lv.price: lv.quantity for lv in self._side(True)})

    def sync(self) -> int:
        """Give every level changed since the last call an update id; the last id."""
        self._refill()
        if not self._full_diff:
            return self.update_id
        self._full_diff = False
        shown = self._visible()
        for ask, (before, after) in ((False, (self._shown[0], shown[0])),
                                     (True, (self._shown[1], shown[1]))):
            for price, quantity in after.items():
                if before.get(price) != quantity:
                    self._record(ask, price, quantity)
            for price in before.keys() - after.keys():
                self._record(ask, price, _ZERO)
        self._shown = shown
        return self.update_id

    def _record(self, ask: bool | None, price: Decimal, quantity: Decimal) -> None:
        self.update_id += 1
        self.changes.append(Change(self.update_id, ask, price, quantity))

    def snapshot_id(self) -> int:
        """The id a REST snapshot reports: a fresh one, so the next diff event starts at or
        before it (the docs' recipe wants `U` <= lastUpdateId <= `u` of the first event)."""
        self.sync()
        self._record(None, _ZERO, _ZERO)
        return self.update_id

    def changes_after(self, update_id: int) -> list[Change]:
        """The changes with ids above `update_id`, oldest first."""
        changes = self.changes
        if not changes or changes[-1].update_id <= update_id:
            return []
        result: list[Change] = []
        for change in reversed(changes):
            if change.update_id <= update_id:
                break
            result.append(change)
        result.reverse()
        return result
