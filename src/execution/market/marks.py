"""`StreamMarks`: the latest mark price per symbol from a `MarketStream` (`markPrice@1s`).

A `orders.marks.MarkSource`: the order manager asks it for marks instead of polling REST,
and falls back to REST when its answer is stale (the stream down, a symbol just followed).
`follow(symbol)` subscribes the symbol's `markPrice@1s` stream on the shared connection;
the time of each mark is when it arrived (this process's monotonic clock), so a stream
that stopped delivering goes stale whatever the exchange's clock says.
"""

from __future__ import annotations

import asyncio
import logging
from decimal import Decimal

from execution.errors import ExecutionError
from execution.market import streams
from execution.market.client import MarketStream
from execution.market.events import MarketEvent, MarketStatus, MarkPriceUpdate
from execution.rules import normalize_symbol
from execution.timekeeping import SYSTEM_CLOCK, Clock

logger = logging.getLogger(__name__)


class StreamMarks:
    """Marks as the market stream delivers them; `stop` only detaches from the stream
    (the stream is the caller's)."""

    def __init__(self, stream: MarketStream, *, clock: Clock = SYSTEM_CLOCK) -> None:
        self.stream = stream
        self.clock = clock
        self._marks: dict[str, tuple[Decimal, float]] = {}
        self._followed: set[str] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        stream.add_listener(self._on_event)

    def _on_event(self, stream: str, event: MarketEvent | MarketStatus) -> None:
        if isinstance(event, MarkPriceUpdate):
            self._marks[event.symbol] = (event.mark_price, self.clock.monotonic())

    def mark(self, symbol: str, max_age: float) -> Decimal | None:
        """The latest mark of `symbol` if it arrived at most `max_age` seconds ago."""
        held = self._marks.get(normalize_symbol(symbol))
        if held is None or self.clock.monotonic() - held[1] > max_age:
            return None
        return held[0]

    def age(self, symbol: str) -> float | None:
        """Seconds since `symbol`'s last mark arrived (None: none yet)."""
        held = self._marks.get(normalize_symbol(symbol))
        return None if held is None else self.clock.monotonic() - held[1]

    @property
    def followed(self) -> frozenset[str]:
        return frozenset(self._followed)

    def follow(self, symbol: str) -> None:
        """Subscribe `symbol`'s `markPrice@1s` (in the background; needs a running loop)."""
        symbol = normalize_symbol(symbol)
        if symbol in self._followed:
            return
        self._followed.add(symbol)
        task = asyncio.ensure_future(self._subscribe(symbol))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def follow_now(self, *symbols: str) -> None:
        """Subscribe now (waiting for the venue's answer)."""
        for symbol in symbols:
            self._followed.add(normalize_symbol(symbol))
            await self._subscribe(normalize_symbol(symbol))

    async def _subscribe(self, symbol: str) -> None:
        try:
            await self.stream.subscribe(streams.mark_price(symbol, every_second=True))
        except ExecutionError as exc:  # refused: REST serves this symbol's marks
            self._followed.discard(symbol)
            logger.warning("mark stream of %s not subscribed: %s", symbol, exc)

    async def stop(self) -> None:
        self.stream.remove_listener(self._on_event)
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
