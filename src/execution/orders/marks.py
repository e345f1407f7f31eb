"""Where the manager's mark-based checks read the mark price: a live source first, REST after.

A `MarkSource` (e.g. `market.marks.StreamMarks`, fed by the venue's `markPrice@1s` stream)
answers with the latest mark it holds if it is fresh enough, else None: then the mark is
read over REST (or taken from the exchange client's recent REST read, where the caller
allows one). Asking a source for a symbol makes it follow that symbol from then on, so the
symbols the manager trades are the ones streamed. Without a source every mark is a REST read,
as before.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Protocol

from execution.exchange.base import BaseExchange

STREAM_MARK_MAX_AGE = 3.0  # s: `markPrice@1s` pushes every second; older is a stale stream


class MarkSource(Protocol):
    """A live mark price per symbol."""

    def mark(self, symbol: str, max_age: float) -> Decimal | None:
        """The latest mark of `symbol` if received at most `max_age` seconds ago."""

    def follow(self, symbol: str) -> None:
        """Start receiving `symbol`'s marks (no-op when already followed)."""


def streamed_mark(marks: MarkSource | None, symbol: str) -> Decimal | None:
    """The source's fresh mark of `symbol` (None: no source, or stale); the symbol is
    followed from now on."""
    if marks is None:
        return None
    marks.follow(symbol)
    return marks.mark(symbol, STREAM_MARK_MAX_AGE)


async def read_mark(
    exchange: BaseExchange, marks: MarkSource | None, symbol: str, rest_max_age: float = 0.0
) -> Decimal:
    """The mark: the stream's if fresh, else a recent REST read (`rest_max_age` > 0), else
    a REST read now."""
    mark = streamed_mark(marks, symbol)
    if mark is None and rest_max_age > 0:
        mark = exchange.recent_mark_price(symbol, rest_max_age)
    if mark is None:
        mark = await exchange.fetch_mark_price(symbol)
    return mark
