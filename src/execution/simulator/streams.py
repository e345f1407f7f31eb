"""WebSocket streams: listenKeys, the user-data stream and market streams.

A listenKey belongs to one account and lives `ttl` seconds after its last keepalive; when it
expires, its sockets receive `listenKeyExpired` and are closed. A keepalive (PUT) or close
(DELETE) of a key the exchange does not know answers -1125 "This listenKey does not exist."
(the docs' error code). The docs do not say what `/ws/<unknown key>` does: here the socket
is accepted and closed at once (code 1008). User events from the engine
go to every socket of the account; market events (`{"stream", "data"}`) go to the sockets
subscribed to that stream: raw `data` on `/ws/...`, the `{"stream", "data"}` envelope on
`/stream?streams=...` (or after `SET_PROPERTY combined true`).

Real-time streams (trades, book tickers) are pushed as the engine reports them; the others
are rendered by the engine when their documented interval has passed (`engine.stream_names`
has the intervals), only while someone listens. A connection listens to at most 200
streams and may send 10 messages a second; beyond that it is closed (the docs' limits).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import secrets
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

from execution.simulator.api import ApiError
from execution.simulator.engine.stream_names import StreamName, normalize, parse
from execution.simulator.stream_requests import (
    StreamRequest,
    StreamRequestError,
    parse_request,
)

log = logging.getLogger(__name__)

_CLOSE = object()
_ABORT = object()


MAX_STREAMS = 200  # per connection
MAX_MESSAGES_PER_SECOND = 10  # incoming, per connection
PUBLISH_EVERY = 0.05  # seconds between checks of the interval streams
ALL_BOOK_TICKERS = "!bookTicker"

# renders an interval stream's payloads when it is due (the engine's `render_stream`)
StreamSource = Callable[[StreamName], list[Any]]


def _now_ms() -> int:
    return int(time.time() * 1000)


def normalize_stream(name: str) -> str:
    """Stream names are case-insensitive on the symbol (`BTCUSDT@aggTrade`)."""
    return normalize(name)


@dataclass(eq=False)
class Subscriber:
    """One WebSocket connection with its outgoing queue and writer task."""

    ws: web.WebSocketResponse
    request: web.Request
    endpoint_index: int
    combined: bool = False
    account_id: str | None = None
    listen_key: str | None = None
    streams: set[str] = field(default_factory=set)
    queue: asyncio.Queue[object] = field(default_factory=asyncio.Queue)
    received: deque[float] = field(default_factory=deque)  # when its last messages came

    def send(self, payload: object) -> None:
        self.queue.put_nowait(payload)

    def push(self, stream: str, data: Any) -> None:
        """A market payload, wrapped as the connection's `combined` property says."""
        self.send({"stream": stream, "data": data} if self.combined else data)

    def abort(self) -> None:
        self.queue.put_nowait(_ABORT)

    def close(self) -> None:
        self.queue.put_nowait(_CLOSE)

    def over_message_limit(self, now: float) -> bool:
        """Count one incoming message; True past the docs' 10 a second."""
        received = self.received
        received.append(now)
        while received and received[0] <= now - 1.0:
            received.popleft()
        return len(received) > MAX_MESSAGES_PER_SECOND


class ListenKeys:
    """listenKeys per account with expiry."""

    def __init__(self, ttl_seconds: float = 3600.0) -> None:
        self.ttl_seconds = ttl_seconds
        self._by_key: dict[str, tuple[str, float]] = {}  # key -> (account, expires at)
        self._by_account: dict[str, str] = {}

    def create(self, account_id: str) -> str:
        """The account's active key (extended), or a new one."""
        key = self._by_account.get(account_id)
        if key is None or self.account_of(key) is None:  # none, or expired: a new one
            key = secrets.token_urlsafe(48).replace("-", "x").replace("_", "y")[:64]
            self._by_account[account_id] = key
        self._by_key[key] = (account_id, time.monotonic() + self.ttl_seconds)
        return key

    def keepalive(self, account_id: str, key: str | None = None) -> str:
        active = self._by_account.get(account_id)
        if active is None or active not in self._by_key or (key and key != active):
            raise ApiError(-1125, "This listenKey does not exist.")
        self._by_key[active] = (account_id, time.monotonic() + self.ttl_seconds)
        return active

    def delete(self, account_id: str, key: str | None = None) -> str | None:
        active = self._by_account.get(account_id)
        if active is None or (key and key != active):
            raise ApiError(-1125, "This listenKey does not exist.")
        self._by_account.pop(account_id, None)
        self._by_key.pop(active, None)
        return active

    def clear(self) -> list[str]:
        """Forget every key (an exchange restart); returns the keys that were known."""
        known = list(self._by_key)
        self._by_key.clear()
        self._by_account.clear()
        return known

    def account_of(self, key: str) -> str | None:
        entry = self._by_key.get(key)
        if entry is None or entry[1] <= time.monotonic():
            return None
        return entry[0]

    def pop_expired(self) -> list[str]:
        now = time.monotonic()
        expired = [key for key, (_, until) in self._by_key.items() if until <= now]
        for key in expired:
            account_id, _ = self._by_key.pop(key)
            if self._by_account.get(account_id) == key:
                del self._by_account[account_id]
        return expired


class StreamHub:
    """Routes engine events to WebSocket subscribers and pushes the interval streams."""

    def __init__(self, listen_keys: ListenKeys) -> None:
        self.listen_keys = listen_keys
        self._subscribers: set[Subscriber] = set()
        self._by_account: dict[str, set[Subscriber]] = {}
        self._by_stream: dict[str, set[Subscriber]] = {}
        self._timed: dict[str, StreamName] = {}  # subscribed interval streams by name
        self._due: dict[str, float] = {}  # interval stream -> next push (monotonic s)
        self._source: StreamSource | None = None
        self._expiry_task: asyncio.Task[None] | None = None
        self._publish_task: asyncio.Task[None] | None = None

    def set_source(self, source: StreamSource | None) -> None:
        """Where interval streams are rendered (None: only real-time streams are pushed)."""
        self._source = source

    # lifecycle ----------------------------------------------------------------------------

    def start(self) -> None:
        self._expiry_task = asyncio.create_task(self._expire_loop())
        self._publish_task = asyncio.create_task(self._publish_loop())

    async def stop(self) -> None:
        for task in (self._expiry_task, self._publish_task):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        for subscriber in list(self._subscribers):
            subscriber.close()

    async def _expire_loop(self) -> None:
        while True:
            await asyncio.sleep(min(1.0, max(0.02, self.listen_keys.ttl_seconds / 10)))
            for key in self.listen_keys.pop_expired():
                self.expire(key)

    async def _publish_loop(self) -> None:
        while True:
            await asyncio.sleep(PUBLISH_EVERY)
            try:
                self.publish_due(time.monotonic())
            except Exception:  # one bad render must not stop every stream
                log.exception("simulator: rendering a market stream failed")

    def publish_due(self, now: float) -> None:
        """Push every subscribed interval stream whose interval has passed."""
        source = self._source
        if source is None:
            return
        for name, stream in list(self._timed.items()):
            if now < self._due.get(name, 0.0) or stream.interval_ms is None:
                continue
            self._due[name] = now + stream.interval_ms / 1000
            for data in source(stream):
                for subscriber in self._by_stream.get(name, ()):
                    subscriber.push(name, data)

    def expire(self, key: str) -> None:
        event = {"e": "listenKeyExpired", "E": _now_ms(), "listenKey": key}
        for subscriber in [s for s in self._subscribers if s.listen_key == key]:
            subscriber.send(event)
            subscriber.close()

    def expire_silently(self, key: str) -> None:
        """Close the sockets of a deleted listenKey."""
        for subscriber in [s for s in self._subscribers if s.listen_key == key]:
            subscriber.close()

    # events from the engine ---------------------------------------------------------------

    def on_event(self, account_id: str | None, event: dict[str, Any]) -> None:
        if account_id is not None:
            targets = self._by_account.get(account_id)
            if targets:
                for subscriber in targets:
                    subscriber.send(event)
            return
        stream = event.get("stream")
        if not isinstance(stream, str):
            return
        data = event.get("data")
        for subscriber in self._by_stream.get(stream, ()):
            subscriber.push(stream, data)
        if stream.endswith("@bookTicker"):
            for subscriber in self._by_stream.get(ALL_BOOK_TICKERS, ()):
                subscriber.push(ALL_BOOK_TICKERS, data)

    # faults -------------------------------------------------------------------------------

    def drop_all(self) -> None:
        for subscriber in list(self._subscribers):
            subscriber.abort()

    def drop_endpoint(self, index: int) -> None:
        for subscriber in list(self._subscribers):
            if subscriber.endpoint_index == index:
                subscriber.abort()

    # connections --------------------------------------------------------------------------

    def _subscribe(self, subscriber: Subscriber, streams: list[str]) -> None:
        for name in streams:
            key = normalize_stream(name)
            subscriber.streams.add(key)
            listeners = self._by_stream.setdefault(key, set())
            first = not listeners
            listeners.add(subscriber)
            stream = parse(key)
            if first and stream is not None and stream.interval_ms is not None:
                self._timed[key] = stream
                # its first push one interval from now, as the exchange's schedule would
                self._due[key] = time.monotonic() + stream.interval_ms / 1000
                if stream.kind == "diffDepth" and self._source is not None:
                    self._source(stream)  # its update ids count from now

    def _unsubscribe(self, subscriber: Subscriber, streams: list[str]) -> None:
        for name in streams:
            key = normalize_stream(name)
            subscriber.streams.discard(key)
            listeners = self._by_stream.get(key)
            if listeners is None:
                continue
            listeners.discard(subscriber)
            if not listeners:
                del self._by_stream[key]
                self._timed.pop(key, None)
                self._due.pop(key, None)

    async def serve(
        self,
        request: web.Request,
        endpoint_index: int,
        *,
        streams: list[str],
        combined: bool,
        listen_key: str | None,
    ) -> web.WebSocketResponse:
        """Run one WebSocket connection until it closes."""
        ws = web.WebSocketResponse(heartbeat=None, autoping=True)
        subscriber = Subscriber(ws, request, endpoint_index, combined=combined)
        account_id = None if listen_key is None else self.listen_keys.account_of(listen_key)
        refused = (listen_key is not None and account_id is None) or len(streams) > MAX_STREAMS
        if not refused:
            # subscribed before the handshake answers, so a snapshot the client takes once
            # connected is later than the stream's start
            subscriber.account_id = account_id
            subscriber.listen_key = listen_key
            if account_id is not None:
                self._by_account.setdefault(account_id, set()).add(subscriber)
            self._subscribers.add(subscriber)
            self._subscribe(subscriber, streams)
        try:
            await ws.prepare(request)
            if refused:
                reason = b"invalid listenKey" if listen_key is not None else b"too many streams"
                await ws.close(code=1008, message=reason)
                return ws
            writer = asyncio.create_task(self._write(subscriber))
            try:
                async for message in ws:
                    if message.type == WSMsgType.TEXT:
                        if subscriber.over_message_limit(time.monotonic()):
                            subscriber.close()
                            break
                        self._on_client_message(subscriber, message.data)
                    elif message.type in (WSMsgType.ERROR, WSMsgType.CLOSE):
                        break
            finally:
                writer.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await writer
        finally:
            self._forget(subscriber)
        return ws

    def _forget(self, subscriber: Subscriber) -> None:
        self._subscribers.discard(subscriber)
        self._unsubscribe(subscriber, list(subscriber.streams))
        if subscriber.account_id is not None:
            self._by_account.get(subscriber.account_id, set()).discard(subscriber)

    def _on_client_message(self, subscriber: Subscriber, text: str) -> None:
        try:
            request = parse_request(text)
            subscriber.send({"result": self._answer(subscriber, request),
                             "id": request.request_id})
        except StreamRequestError as error:
            subscriber.send(error.answer())

    def _answer(self, subscriber: Subscriber, request: StreamRequest) -> Any:
        method, names = request.method, [str(p) for p in request.params]
        if method == "SUBSCRIBE":
            if any(parse(name) is None for name in names):
                raise StreamRequestError(2, "Invalid request: invalid stream",
                                         request.request_id)
            if len(subscriber.streams | {normalize_stream(n) for n in names}) > MAX_STREAMS:
                raise StreamRequestError(2, f"Invalid request: at most {MAX_STREAMS} streams "
                                         "a connection", request.request_id)
            self._subscribe(subscriber, names)
            return None
        if method == "UNSUBSCRIBE":
            self._unsubscribe(subscriber, names)
            return None
        if method == "LIST_SUBSCRIPTIONS":
            return sorted(subscriber.streams)
        if method == "SET_PROPERTY":
            subscriber.combined = bool(request.params[1])
            return None
        return subscriber.combined  # GET_PROPERTY combined

    async def _write(self, subscriber: Subscriber) -> None:
        ws = subscriber.ws
        while True:
            payload = await subscriber.queue.get()
            if payload is _ABORT:
                transport = subscriber.request.transport
                if transport is not None:
                    transport.abort()
                return
            if payload is _CLOSE:
                await ws.close()
                return
            try:
                await ws.send_str(json.dumps(payload, separators=(",", ":"), default=str))
            except (ConnectionError, RuntimeError):
                return
