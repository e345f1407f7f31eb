"""`LocalOrderBook`: one symbol's book kept from a REST snapshot and the diff stream,
exactly by the venue's recipe ("How to manage a local order book correctly"):

1. buffer the diff events while the snapshot is fetched;
2. load the snapshot (`lastUpdateId`);
3. drop every event with `u` < `lastUpdateId`;
4. the first event applied must have `U` <= `lastUpdateId` AND `u` >= `lastUpdateId`;
5. from then on each event's `pu` must equal the previous event's `u`;
6. quantities are absolute; 0 removes the level (removing an unknown level is normal).

Any break of 4 or 5 is a gap: the book is out of sync (`synced` False) and must be loaded
again from a new snapshot. This class is pure (no I/O); `book_keeper` drives it.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from decimal import Decimal

from execution.market.events import DepthSnapshot, DepthUpdate, Level

_ZERO = Decimal(0)
MAX_BUFFERED = 10_000  # diff events kept while a snapshot is awaited


class Applied(enum.Enum):
    """What `LocalOrderBook.apply` did with an event."""

    APPLIED = "APPLIED"
    STALE = "STALE"  # older than the snapshot: dropped (step 3)
    BUFFERED = "BUFFERED"  # no snapshot yet: kept for when it comes
    GAP = "GAP"  # does not follow: out of sync, a new snapshot is needed


def _set_levels(side: dict[Decimal, Decimal], levels: Iterable[Level]) -> None:
    for price, quantity in levels:
        if quantity:
            side[price] = quantity
        else:
            side.pop(price, None)


class LocalOrderBook:
    """Bids and asks by price, the last applied update id, and whether it is in sync."""

    __slots__ = (
        "_buffer",
        "_snapshot_id",
        "asks",
        "bids",
        "gap_reason",
        "last_update_id",
        "symbol",
        "synced",
        "updates_applied",
    )

    def __init__(self, symbol: str) -> None:
        self.symbol = symbol
        self.bids: dict[Decimal, Decimal] = {}
        self.asks: dict[Decimal, Decimal] = {}
        self.last_update_id: int | None = None  # `u` of the last event applied
        self.synced = False
        self.gap_reason = "no snapshot yet"
        self.updates_applied = 0
        self._snapshot_id: int | None = None
        self._buffer: list[DepthUpdate] = []

    def reset(self, reason: str) -> None:
        """Out of sync: forget the snapshot, buffer events until the next one is loaded."""
        self.synced = False
        self.gap_reason = reason
        self._snapshot_id = None
        self.last_update_id = None
        self._buffer.clear()

    def load(self, snapshot: DepthSnapshot) -> Applied:
        """Load a snapshot, then replay the buffered events on it. GAP when a buffered event
        does not fit (another snapshot is needed); else APPLIED."""
        self.bids = {}
        self.asks = {}
        _set_levels(self.bids, snapshot.bids)
        _set_levels(self.asks, snapshot.asks)
        self._snapshot_id = snapshot.last_update_id
        self.last_update_id = None
        self.synced = True
        self.gap_reason = ""
        buffered, self._buffer = self._buffer, []
        for index, event in enumerate(buffered):
            if self.apply(event) is Applied.GAP:
                self._buffer.extend(buffered[index + 1:])
                return Applied.GAP
        return Applied.APPLIED

    def apply(self, event: DepthUpdate) -> Applied:
        """Apply one diff event by the recipe (module docstring)."""
        last = self.last_update_id
        if last is None:
            snapshot_id = self._snapshot_id
            if snapshot_id is None:
                if len(self._buffer) >= MAX_BUFFERED:  # the oldest go: a gap, seen later
                    del self._buffer[: len(self._buffer) - MAX_BUFFERED + 1]
                self._buffer.append(event)
                return Applied.BUFFERED
            if event.final_id < snapshot_id:
                return Applied.STALE
            if event.first_id > snapshot_id:
                self.reset(f"first event U={event.first_id} is after the snapshot's "
                           f"lastUpdateId={snapshot_id}: events are missing")
                self._buffer.append(event)
                return Applied.GAP
        elif event.previous_id != last:
            self.reset(f"pu={event.previous_id} is not the previous event's u={last}")
            self._buffer.append(event)  # the next snapshot may come before it
            return Applied.GAP
        _set_levels(self.bids, event.bids)
        _set_levels(self.asks, event.asks)
        self.last_update_id = event.final_id
        self.updates_applied += 1
        return Applied.APPLIED

    @property
    def waiting(self) -> bool:
        """Whether events are buffered for a snapshot not loaded yet."""
        return self._snapshot_id is None

    def top(self, depth: int = 10) -> tuple[list[Level], list[Level]]:
        """The best `depth` bids (highest first) and asks (lowest first)."""
        bids = sorted(self.bids.items(), reverse=True)[:depth]
        asks = sorted(self.asks.items())[:depth]
        return bids, asks

    def best_bid(self) -> Level | None:
        return max(self.bids.items()) if self.bids else None

    def best_ask(self) -> Level | None:
        return min(self.asks.items()) if self.asks else None

    def spread(self) -> Decimal | None:
        bid, ask = self.best_bid(), self.best_ask()
        return None if bid is None or ask is None else ask[0] - bid[0]

    def quantity_at(self, price: Decimal, ask: bool) -> Decimal:
        return (self.asks if ask else self.bids).get(price, _ZERO)
