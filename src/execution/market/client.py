"""`MarketStream`: one WebSocket to the venue's combined market streams.

The connection is opened on `/stream?streams=...` with the streams wanted so far; streams
added or removed while it is open are sent as the docs' live `SUBSCRIBE` / `UNSUBSCRIBE`
requests (answered by id), and every reconnect opens with the current set. A dropped socket
is reopened after an exponential, jittered back-off capped at `backoff_cap` (a connection
that delivers nothing and does not last `stable_after` counts as a failure). Payloads are
read with Decimal numbers, parsed into typed events and handed to the listeners, each
isolated (one that raises is logged and changes nothing else).
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import itertools
import logging
import random
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

import aiohttp

from execution.errors import ExchangeError, ValidationError
from execution.exchange.parsing import MalformedResponseError
from execution.market.events import MarketEvent, MarketState, MarketStatus
from execution.market.parsing import loads, parse_event
from execution.market.streams import combined_url
from execution.tasks import cancel_and_wait
from execution.timekeeping import SYSTEM_CLOCK, Clock

logger = logging.getLogger(__name__)

Listener = Callable[[str, MarketEvent | MarketStatus], Awaitable[None] | None]
"""Called with the stream name ("" for a status) and the event."""

MessageFilter = Callable[[str, Any], bool]
"""Sees each stream payload (stream name, raw data) first; False drops it (tests use this
to lose messages on purpose)."""

_ERRORS = (aiohttp.ClientError, TimeoutError, OSError, ExchangeError)
MAX_STREAMS = 200  # the docs: "a single connection can listen to a maximum of 200 streams"


class MarketStream:
    """Market streams over one combined connection, kept open until `stop`."""

    def __init__(
        self,
        ws_url: str,
        streams: Iterable[str] = (),
        *,
        session: aiohttp.ClientSession | None = None,
        backoff_base: float = 0.25,
        backoff_cap: float = 30.0,
        stable_after: float = 10.0,
        request_timeout: float = 10.0,
        message_filter: MessageFilter | None = None,
        clock: Clock = SYSTEM_CLOCK,
    ) -> None:
        self.ws_url = ws_url.rstrip("/")
        self.backoff_base = backoff_base
        self.backoff_cap = backoff_cap
        self.stable_after = stable_after
        self.request_timeout = request_timeout
        self.message_filter = message_filter
        self.clock = clock
        self.connected = False
        self.connections = 0  # successful (re)connects
        self.attempts = 0
        self._streams: set[str] = set(streams)
        self._listeners: list[Listener] = []
        self._session = session
        self._own_session = session is None
        self._ws: aiohttp.ClientWebSocketResponse | None = None
        self._task: asyncio.Task[None] | None = None
        self._ids = itertools.count(1)
        self._pending: dict[int, asyncio.Future[Any]] = {}
        self._connected_event = asyncio.Event()

    @property
    def streams(self) -> frozenset[str]:
        """The streams wanted (subscribed now, or at the next connect)."""
        return frozenset(self._streams)

    def add_listener(self, listener: Listener) -> None:
        self._listeners.append(listener)

    def remove_listener(self, listener: Listener) -> None:
        with contextlib.suppress(ValueError):
            self._listeners.remove(listener)

    async def start(self, wait: float = 10.0) -> None:
        """Start the connection loop; wait up to `wait` seconds for the first connection."""
        if self._task is not None:
            return
        if self._session is None:
            self._session = aiohttp.ClientSession()
        self._task = asyncio.create_task(self._run(), name="market-stream")
        await self.wait_connected(wait)

    async def wait_connected(self, wait: float) -> bool:
        """Whether a connection is open (waiting up to `wait` seconds for one)."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._connected_event.wait(), wait)
        return self.connected

    async def stop(self) -> None:
        task, self._task = self._task, None
        await cancel_and_wait(task)
        self.connected = False
        self._connected_event.clear()
        if self._own_session and self._session is not None:
            session, self._session = self._session, None
            await session.close()

    async def subscribe(self, *streams: str) -> None:
        """Add streams (live `SUBSCRIBE` when connected, else at the next connect). The
        venue's refusal raises `ExchangeError` with its code and the set is left as it was;
        a connection lost meanwhile is no refusal: the next connect subscribes them."""
        new = [name for name in streams if name not in self._streams]
        if not new:
            return
        if len(self._streams) + len(new) > MAX_STREAMS:
            raise ValidationError("streams", len(self._streams) + len(new),
                                  f"a connection listens to at most {MAX_STREAMS} streams")
        self._streams.update(new)
        if not self.connected:
            return
        try:
            await self._request("SUBSCRIBE", new)
        except ExchangeError as exc:
            if exc.code is not None:  # the venue said no
                self._streams.difference_update(new)
                raise
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            logger.warning("market SUBSCRIBE unanswered (%s): sent again on reconnect",
                           type(exc).__name__)

    async def unsubscribe(self, *streams: str) -> None:
        """Remove streams (live `UNSUBSCRIBE` when connected)."""
        gone = [name for name in streams if name in self._streams]
        if not gone:
            return
        self._streams.difference_update(gone)
        if self.connected:
            with contextlib.suppress(*_ERRORS):  # the next connect has the new set anyway
                await self._request("UNSUBSCRIBE", gone)

    async def list_subscriptions(self) -> list[str]:
        """The venue's `LIST_SUBSCRIPTIONS` answer for this connection."""
        result = await self._request("LIST_SUBSCRIPTIONS", [])
        return [str(name) for name in result or []]

    async def _request(self, method: str, params: list[str]) -> Any:
        ws = self._ws
        if ws is None:
            raise ExchangeError(f"{method}: the market stream is not connected")
        request_id = next(self._ids)
        answer: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._pending[request_id] = answer
        try:
            await ws.send_json({"method": method, "params": params, "id": request_id})
            return await asyncio.wait_for(answer, self.request_timeout)
        finally:
            self._pending.pop(request_id, None)

    def _delay(self, failures: int) -> float:
        delay: float = min(self.backoff_cap, self.backoff_base * 2.0 ** min(failures, 16))
        return delay * (0.5 + random.random() / 2)

    async def _emit(self, stream: str, event: MarketEvent | MarketStatus) -> None:
        for listener in list(self._listeners):
            try:
                result = listener(stream, event)
                if inspect.isawaitable(result):
                    await result
            except Exception:  # a failing listener must not kill the stream
                logger.exception("market listener failed on %s", type(event).__name__)

    async def _run(self) -> None:
        failures = 0
        while True:
            stable = False
            try:
                stable = await self._connect_once()
            except asyncio.CancelledError:
                raise
            except _ERRORS as exc:
                logger.warning("market stream failed: %s", type(exc).__name__)
            failures = 0 if stable else failures + 1
            if self.connected:
                self.connected = False
                self._connected_event.clear()
                for waiting in self._pending.values():
                    if not waiting.done():
                        waiting.set_exception(ExchangeError("market stream disconnected"))
                logger.warning("market stream disconnected: reconnecting")
                await self._emit("", MarketStatus(MarketState.DISCONNECTED, detail="reconnecting"))
            await self.clock.sleep(self._delay(failures))

    async def _connect_once(self) -> bool:
        self.attempts += 1
        assert self._session is not None
        url = combined_url(self.ws_url, sorted(self._streams))
        async with self._session.ws_connect(url, heartbeat=30.0) as ws:
            opened = self.clock.monotonic()
            delivered = False
            self._ws = ws
            self.connected = True
            self.connections += 1
            self._connected_event.set()
            try:
                if self.connections > 1:
                    logger.info("market stream reconnected (%d streams)", len(self._streams))
                await self._emit("", MarketStatus(MarketState.CONNECTED,
                                                  detail=f"connection {self.connections}"))
                async for message in ws:
                    if message.type is aiohttp.WSMsgType.TEXT:
                        delivered = True
                        await self._dispatch(message.data)
                    elif message.type in (aiohttp.WSMsgType.ERROR, aiohttp.WSMsgType.CLOSED):
                        break
            finally:
                self._ws = None
            return delivered or self.clock.monotonic() - opened >= self.stable_after

    async def _dispatch(self, text: str) -> None:
        try:
            payload: Any = loads(text)
        except ValueError:
            logger.warning("market stream: unreadable message dropped")
            return
        if not isinstance(payload, dict):
            return
        if "id" in payload and ("result" in payload or "error" in payload):
            self._answer(payload)
            return
        stream = str(payload.get("stream", ""))
        data = payload.get("data", payload)
        if self.message_filter is not None and not self.message_filter(stream, data):
            return
        try:
            event = parse_event(data)
        except MalformedResponseError as exc:
            logger.warning("market stream: malformed %s dropped: %s", stream, exc)
            return
        if event is not None:
            await self._emit(stream, event)

    def _answer(self, payload: dict[str, Any]) -> None:
        waiting = self._pending.get(payload["id"]) if isinstance(payload["id"], int) else None
        if waiting is None or waiting.done():
            return
        error = payload.get("error")
        if isinstance(error, dict):
            waiting.set_exception(ExchangeError(str(error.get("msg", "")),
                                                code=error.get("code")))
        else:
            waiting.set_result(payload.get("result"))
