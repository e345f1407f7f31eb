"""`OrderBookKeeper`: a `LocalOrderBook` kept in step with the venue over a `MarketStream`.

It subscribes the symbol's diff-depth stream, buffers while it fetches the REST snapshot
(`MarketRest.depth`), and loads it by the recipe (`book`). A gap (`pu` not the previous
`u`, a first event after the snapshot, or the socket lost) is said twice, a warning in the
log and a `MarketStatus(BOOK_GAP)` to `on_status`, and a resync from a new snapshot starts at
once (after a lost socket: once the stream is back); `MarketStatus(BOOK_SYNCED)` says when
the book follows the stream again.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import logging
import random
from collections.abc import Awaitable, Callable

from execution.errors import ExecutionError
from execution.market.book import Applied, LocalOrderBook
from execution.market.client import MarketStream
from execution.market.events import DepthUpdate, MarketEvent, MarketState, MarketStatus
from execution.market.rest import MarketRest
from execution.market.streams import diff_depth
from execution.rules import normalize_symbol
from execution.tasks import cancel_and_wait
from execution.timekeeping import SYSTEM_CLOCK, Clock

logger = logging.getLogger(__name__)

StatusCallback = Callable[[MarketStatus], Awaitable[None] | None]


class OrderBookKeeper:
    """One symbol's local book, resynced by itself whenever it falls out of step."""

    def __init__(
        self,
        stream: MarketStream,
        rest: MarketRest,
        symbol: str,
        *,
        speed: str = "250ms",
        limit: int = 1000,
        on_status: StatusCallback | None = None,
        retry_base: float = 0.2,
        clock: Clock = SYSTEM_CLOCK,
    ) -> None:
        self.symbol = normalize_symbol(symbol)
        self.stream_name = diff_depth(self.symbol, speed)
        self.book = LocalOrderBook(self.symbol)
        self.limit = limit
        self.gaps = 0  # times the book fell out of sync (after its first snapshot)
        self.resyncs = 0  # snapshots loaded
        self.retry_base = retry_base
        self.clock = clock
        self._stream = stream
        self._rest = rest
        self._on_status = on_status
        self._task: asyncio.Task[None] | None = None
        self._synced = asyncio.Event()

    async def start(self) -> None:
        """Subscribe the diff stream (events buffer from now) and fetch the snapshot."""
        self._stream.add_listener(self._on_event)
        await self._stream.subscribe(self.stream_name)
        self._ensure_resync()

    async def stop(self) -> None:
        self._stream.remove_listener(self._on_event)
        await cancel_and_wait(self._task)
        self._task = None
        with contextlib.suppress(ExecutionError, OSError, TimeoutError):
            await self._stream.unsubscribe(self.stream_name)

    @property
    def synced(self) -> bool:
        return self.book.synced and not self.book.waiting

    async def wait_synced(self, wait: float) -> bool:
        """Whether the book is in sync (waiting up to `wait` seconds for it)."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._synced.wait(), wait)
        return self.synced

    async def _say(self, status: MarketStatus) -> None:
        if self._on_status is None:
            return
        try:
            result = self._on_status(status)
            if inspect.isawaitable(result):
                await result
        except Exception:
            logger.exception("order-book status callback failed")

    async def _out_of_sync(self, reason: str, *, resync: bool = True) -> None:
        self._synced.clear()
        self.gaps += 1
        logger.warning("%s local order book out of sync (%s): resyncing from a snapshot",
                       self.symbol, reason)
        await self._say(MarketStatus(MarketState.BOOK_GAP, self.symbol, reason))
        if resync:
            self._ensure_resync()

    def _ensure_resync(self) -> None:
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._resync(), name=f"book-resync-{self.symbol}")

    async def _on_event(self, stream: str, event: MarketEvent | MarketStatus) -> None:
        if isinstance(event, DepthUpdate):
            if stream not in ("", self.stream_name) or event.symbol != self.symbol:
                return
            if self.book.apply(event) is Applied.GAP:
                await self._out_of_sync(self.book.gap_reason)
        elif isinstance(event, MarketStatus):
            if event.state is MarketState.DISCONNECTED and not self.book.waiting:
                # what changes while the socket is down is lost: a snapshot taken before
                # the stream is back could not be followed, so the resync waits for it
                self.book.reset("the stream was disconnected")
                await self._out_of_sync(self.book.gap_reason, resync=False)
            elif event.state is MarketState.CONNECTED and self.book.waiting:
                self._ensure_resync()

    async def _resync(self) -> None:
        attempt = 0
        while self.book.waiting:
            try:
                snapshot = await self._rest.depth(self.symbol, self.limit)
            except (ExecutionError, OSError, TimeoutError) as exc:
                attempt += 1
                logger.warning("%s depth snapshot failed (%s): retrying", self.symbol, exc)
                await self.clock.sleep(min(5.0, self.retry_base * 2 ** attempt)
                                       * (0.5 + random.random() / 2))
                continue
            self.resyncs += 1
            if self.book.load(snapshot) is Applied.GAP:
                attempt += 1
                logger.warning("%s buffered depth does not fit the snapshot (%s): again",
                               self.symbol, self.book.gap_reason)
                continue
            logger.info("%s local order book in sync from snapshot %d", self.symbol,
                        snapshot.last_update_id)
            self._synced.set()
            await self._say(MarketStatus(MarketState.BOOK_SYNCED, self.symbol,
                                         f"snapshot {snapshot.last_update_id}"))
