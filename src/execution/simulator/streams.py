"""WebSocket streams: listenKeys, the user-data stream and market streams.

A listenKey belongs to one account and lives `ttl` seconds after its last keepalive; when it
expires, its sockets receive `listenKeyExpired` and are closed. A keepalive (PUT) or close
(DELETE) of a key the exchange does not know answers -1125 "This listenKey does not exist."
(the docs' error code). The docs do not say what `/ws/<unknown key>` does: here the socket
is accepted and closed at once (code 1008). User events from the engine
go to every socket of the account; market events (`{"stream", "data"}`) go to the sockets
subscribed to that stream: raw `data` on `/ws/...`, the `{"stream", "data"}` envelope on
`/stream?streams=...`.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import secrets
import time
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

from execution.simulator.api import ApiError

log = logging.getLogger(__name__)

_CLOSE = object()
_ABORT = object()


def _now_ms() -> int:
    return int(time.time() * 1000)


def normalize_stream(name: str) -> str:
    """Stream names are case-insensitive on the symbol; `@markPrice@1s` is `@markPrice`."""
    symbol, at, rest = name.partition("@")
    if rest.startswith("markPrice@"):
        rest = "markPrice"
    return f"{symbol.lower()}{at}{rest}"


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

    def send(self, payload: object) -> None:
        self.queue.put_nowait(payload)

    def abort(self) -> None:
        self.queue.put_nowait(_ABORT)

    def close(self) -> None:
        self.queue.put_nowait(_CLOSE)


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
    """Routes engine events to WebSocket subscribers."""

    def __init__(self, listen_keys: ListenKeys) -> None:
        self.listen_keys = listen_keys
        self._subscribers: set[Subscriber] = set()
        self._by_account: dict[str, set[Subscriber]] = {}
        self._by_stream: dict[str, set[Subscriber]] = {}
        self._expiry_task: asyncio.Task[None] | None = None

    # lifecycle ----------------------------------------------------------------------------

    def start(self) -> None:
        self._expiry_task = asyncio.create_task(self._expire_loop())

    async def stop(self) -> None:
        if self._expiry_task is not None:
            self._expiry_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._expiry_task
        for subscriber in list(self._subscribers):
            subscriber.close()

    async def _expire_loop(self) -> None:
        while True:
            await asyncio.sleep(min(1.0, max(0.02, self.listen_keys.ttl_seconds / 10)))
            for key in self.listen_keys.pop_expired():
                self.expire(key)

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
        targets = self._by_stream.get(normalize_stream(stream))
        if targets:
            for subscriber in targets:
                subscriber.send(
                    {"stream": stream, "data": event.get("data")}
                    if subscriber.combined
                    else event.get("data")
                )

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
            self._by_stream.setdefault(key, set()).add(subscriber)

    def _unsubscribe(self, subscriber: Subscriber, streams: list[str]) -> None:
        for name in streams:
            key = normalize_stream(name)
            subscriber.streams.discard(key)
            self._by_stream.get(key, set()).discard(subscriber)

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
        await ws.prepare(request)
        subscriber = Subscriber(ws, request, endpoint_index, combined=combined)
        if listen_key is not None:
            account_id = self.listen_keys.account_of(listen_key)
            if account_id is None:
                await ws.close(code=1008, message=b"invalid listenKey")
                return ws
            subscriber.account_id = account_id
            subscriber.listen_key = listen_key
            self._by_account.setdefault(account_id, set()).add(subscriber)
        self._subscribers.add(subscriber)
        self._subscribe(subscriber, streams)
        writer = asyncio.create_task(self._write(subscriber))
        try:
            async for message in ws:
                if message.type == WSMsgType.TEXT:
                    self._on_client_message(subscriber, message.data)
                elif message.type in (WSMsgType.ERROR, WSMsgType.CLOSE):
                    break
        finally:
            self._forget(subscriber)
            writer.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await writer
        return ws

    def _forget(self, subscriber: Subscriber) -> None:
        self._subscribers.discard(subscriber)
        self._unsubscribe(subscriber, list(subscriber.streams))
        if subscriber.account_id is not None:
            self._by_account.get(subscriber.account_id, set()).discard(subscriber)

    def _on_client_message(self, subscriber: Subscriber, text: str) -> None:
        try:
            message = json.loads(text)
            method = message.get("method")
            params = message.get("params") or []
            request_id = message.get("id")
        except (ValueError, AttributeError):
            subscriber.send({"error": {"code": 3, "msg": "Invalid JSON"}})
            return
        if method == "SUBSCRIBE":
            self._subscribe(subscriber, [str(p) for p in params])
            subscriber.send({"result": None, "id": request_id})
        elif method == "UNSUBSCRIBE":
            self._unsubscribe(subscriber, [str(p) for p in params])
            subscriber.send({"result": None, "id": request_id})
        elif method == "LIST_SUBSCRIPTIONS":
            subscriber.send({"result": sorted(subscriber.streams), "id": request_id})
        else:
            subscriber.send({"error": {"code": 1, "msg": "Invalid request"}, "id": request_id})

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
