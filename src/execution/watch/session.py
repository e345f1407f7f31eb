"""Putting a watch together over one exchange: the order manager, the market stream for
marks, and the feed the app draws.

The manager adopts every order it finds on the account ("all": orders placed by other
processes too, so they show and can be cancelled) and only reports unprotected positions
(policy REPORT: the view never acts on its own). Marks come from the venue's
`markPrice@1s` stream of the symbols held, REST when it is stale.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from execution.exchange.base import BaseExchange
from execution.market.client import MarketStream
from execution.market.marks import StreamMarks
from execution.orders.manager import OrderManager
from execution.orders.protection import ProtectionConfig, ProtectionPolicy
from execution.watch.feed import WatchFeed


@asynccontextmanager
async def watch_session(
    exchange: BaseExchange, store: Path | str | None = None, *, market_stream: bool = True,
) -> AsyncIterator[WatchFeed]:
    """A started manager (and market stream) on `exchange`, as a `WatchFeed`; all stopped
    at the end of the block. `market_stream` False (or a client without a WebSocket
    address): marks from REST only."""
    ws_url = getattr(exchange, "ws_url", None) if market_stream else None
    stream = MarketStream(ws_url) if isinstance(ws_url, str) and ws_url else None
    marks = StreamMarks(stream) if stream is not None else None
    manager = OrderManager(
        exchange, store, adopt="all", marks=marks,
        protection=ProtectionConfig(policy=ProtectionPolicy.REPORT, interval=None),
    )
    try:
        if stream is not None:
            await stream.start()
        await manager.start()
        yield WatchFeed(manager, marks=marks)
    finally:
        await manager.stop()
        if marks is not None:
            await marks.stop()
        if stream is not None:
            await stream.stop()
