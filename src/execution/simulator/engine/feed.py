"""A symbol's price: a seeded random walk in whole ticks, or a replay of given prices.

Every move is an integer number of ticks drawn from `random.Random` seeded with the engine
seed and the symbol, so the same seed gives the same prices on every machine. No float
ever touches a price.
"""

from __future__ import annotations

import csv
import random
from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal
from pathlib import Path

from execution.simulator.engine.config import SymbolSpec


@dataclass(frozen=True, slots=True)
class PricePoint:
    """One observation of the contract price, with the volume traded at it."""

    time: int
    price: Decimal
    volume: Decimal


def round_to_tick(price: Decimal, tick: Decimal) -> Decimal:
    return (price / tick).to_integral_value(rounding=ROUND_FLOOR) * tick


def load_klines_csv(path: str | Path) -> list[Decimal]:
    """Close prices of a klines CSV (exchange column order: open time, open, high, low,
    close, ...); a header row is skipped."""
    closes: list[Decimal] = []
    with open(path, newline="") as handle:
        for row in csv.reader(handle):
            if len(row) < 5 or not row[4].strip():
                continue
            try:
                close = Decimal(row[4].strip())
            except ArithmeticError:
                continue  # the header
            if not close.is_finite() or close <= 0:
                raise ValueError(f"{path}: close price {row[4].strip()!r} is not a positive number")
            closes.append(close)
    if not closes:
        raise ValueError(f"{path}: no kline rows (open time, open, high, low, close, ...)")
    return closes


class PriceFeed:
    """The last (contract) price and the mark price of one symbol, with their history."""

    def __init__(
        self,
        spec: SymbolSpec,
        seed: int,
        now: int,
        history_points: int = 1000,
        replay: Sequence[Decimal] | None = None,
    ) -> None:
        self.spec = spec
        self._rng = random.Random(f"{seed}:{spec.symbol}:feed")
        self._replay = list(replay) if replay else None
        self._replay_index = 0
        self.history: deque[PricePoint] = deque(maxlen=max(history_points, 1) + 10_000)
        start = spec.start_price if not self._replay else self._replay[0]
        self.last_price = round_to_tick(start, spec.tick_size)
        self.mark_price = self.last_price
        # a past to build klines from: one point a minute, ending just before `now`
        minute = 60_000
        past: list[Decimal] = []
        price = self.last_price
        for _ in range(history_points if not self._replay else 0):
            price = self._walk(price)
            past.append(price)
        past.reverse()  # walked backwards from the start price
        first = now - minute * len(past)
        for index, value in enumerate(past):
            self.history.append(PricePoint(first + index * minute, value, self._volume()))
        self.history.append(PricePoint(now, self.last_price, Decimal(0)))

    def _volume(self) -> Decimal:
        # a few lots at the book's quantity scale, for klines and public trades
        lots = self._rng.randint(1, 50)
        return (self.spec.level_qty * lots / 100).quantize(self.spec.step_size, ROUND_FLOOR)

    def _walk(self, price: Decimal) -> Decimal:
        tick = self.spec.tick_size
        span = int((price * self.spec.step_volatility / tick).to_integral_value())
        span = max(span, 1)
        moved = price + tick * self._rng.randint(-span, span)
        floor = tick * 10
        return moved if moved > floor else floor + tick * self._rng.randint(0, span)

    def step(self, now: int) -> PricePoint:
        """Advance one tick of the walk (or the replay); mark follows the last price."""
        if self._replay:
            self._replay_index = min(self._replay_index + 1, len(self._replay) - 1)
            price = round_to_tick(self._replay[self._replay_index], self.spec.tick_size)
        else:
            price = self._walk(self.last_price)
        return self.set(now, price, price)

    def set(self, now: int, price: Decimal, mark_price: Decimal | None = None) -> PricePoint:
        """Move the last price (and the mark price, to `mark_price` or the same price)."""
        self.last_price = price
        self.mark_price = price if mark_price is None else mark_price
        point = PricePoint(now, price, self._volume())
        self.history.append(point)
        return point

    def set_mark(self, mark_price: Decimal) -> None:
        self.mark_price = mark_price

    def points_since(self, start: int) -> Iterable[PricePoint]:
        """History points at or after `start` (newest last)."""
        return (point for point in self.history if point.time >= start)
