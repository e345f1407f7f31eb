"""The user-data stream: listenKey lifecycle, WebSocket with reconnects, REST resync.

After every (re)connect the open orders (and the orders that closed during the gap) are
fetched over REST and emitted as `OrderUpdate(from_resync=True)`, followed by
`StreamStatus(RESYNCED)`: the socket is opened first, so an event that happens during the
resync arrives on the socket too and nothing falls between the two.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import json
import logging
import random
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp

from execution.errors import ExecutionError
from execution.exchange.parsing import (
    MalformedResponseError,
    parse_account_update,
    parse_order_update,
)
from execution.models import OrderUpdate, StreamState, StreamStatus, UserEvent

logger = logging.getLogger(__name__)

KEEPALIVE_INTERVAL = 30 * 60.0


class UserStream:
    """One user-data stream. The callables are the exchange's REST calls."""

    def __init__(
        self,
        *,
        session: Callable[[], aiohttp.ClientSession],
        ws_url: str,
        create_key: Callable[[], Awaitable[str]],
        keepalive_key: Callable[[str], Awaitable[None]],
        delete_key: Callable[[str], Awaitable[None]],
        resync: Callable[[], Awaitable[list[OrderUpdate]]],
        handler: Callable[[UserEvent], Awaitable[None] | None],
        keepalive_interval: float = KEEPALIVE_INTERVAL,
        backoff_base: float = 0.25,
        backoff_cap: float = 30.0,
    ) -> None:
        self._session = session
        self._ws_url = ws_url.rstrip("/")
        self._create_key = create_key
        self._keepalive_key = keepalive_key
        self._delete_key = delete_key
        self._resync = resync
        self._handler = handler
        self.keepalive_interval = keepalive_interval
        self.backoff_base = backoff_base
        self.backoff_cap = backoff_cap
        self.connected = False
        self.connections = 0  # successful (re)connects so far
        self.listen_key: str | None = None
        self._task: asyncio.Task[None] | None = None
        self._ws: aiohttp.ClientWebSocketResponse | None = None
        self._first_connect = asyncio.Event()

    async def start(self, wait: float = 10.0) -> None:
        """Start the stream; wait up to `wait` seconds for the first connection."""
        if self._task is not None:
            return
        self._task = asyncio.create_task(self._run(), name="user-stream")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._first_connect.wait(), wait)

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if self.listen_key is not None:
            key, self.listen_key = self.listen_key, None
            with contextlib.suppress(ExecutionError, aiohttp.ClientError, TimeoutError):
                await self._delete_key(key)
        self.connected = False

    async def _emit(self, event: UserEvent) -> None:
        try:
            result = self._handler(event)
            if inspect.isawaitable(result):
                await result
        except Exception:  # a failing handler must not kill the stream
            logger.exception("user-stream handler failed on %s", type(event).__name__)

    def _delay(self, failures: int) -> float:
        delay: float = min(self.backoff_cap, self.backoff_base * 2.0 ** min(failures, 16))
        return delay * (0.5 + random.random() / 2)

    async def _run(self) -> None:
        failures = 0
        while True:
            try:
                await self._connect_once()
                failures = 0
            except asyncio.CancelledError:
                raise
            except (ExecutionError, aiohttp.ClientError, TimeoutError, OSError) as exc:
                logger.warning("user stream failed: %s", type(exc).__name__)
                failures += 1
            if self.connected:
                self.connected = False
                await self._emit(StreamStatus(StreamState.DISCONNECTED, "reconnecting"))
            await asyncio.sleep(self._delay(failures))

    async def _connect_once(self) -> None:
        if self.listen_key is None:
            self.listen_key = await self._create_key()
        key = self.listen_key
        async with self._session().ws_connect(f"{self._ws_url}/ws/{key}", heartbeat=30.0) as ws:
            self._ws = ws
            self.connected = True
            self.connections += 1
            self._first_connect.set()
            keepalive = asyncio.create_task(self._keep_alive(key, ws))
            try:
                await self._emit(StreamStatus(StreamState.CONNECTED))
                updates = await self._resync()
                for update in updates:
                    await self._emit(update)
                await self._emit(StreamStatus(StreamState.RESYNCED, f"{len(updates)} orders"))
                async for message in ws:
                    if message.type is aiohttp.WSMsgType.TEXT:
                        if not await self._dispatch(message.data):
                            self.listen_key = None  # expired: a new key on reconnect
                            break
                    elif message.type in (aiohttp.WSMsgType.ERROR, aiohttp.WSMsgType.CLOSED):
                        break
            finally:
                keepalive.cancel()
                self._ws = None

    async def _keep_alive(self, key: str, ws: aiohttp.ClientWebSocketResponse) -> None:
        while True:
            await asyncio.sleep(self.keepalive_interval)
            try:
                await self._keepalive_key(key)
            except ExecutionError as exc:
                logger.warning("listenKey keepalive failed (%s): reconnecting", exc)
                self.listen_key = None
                await ws.close()
                return

    async def _dispatch(self, text: str) -> bool:
        """Handle one message; False when the listen key expired."""
        try:
            payload: Any = json.loads(text)
        except ValueError:
            logger.warning("user stream: unreadable message dropped")
            return True
        if isinstance(payload, dict) and "data" in payload and "stream" in payload:
            payload = payload["data"]
        if not isinstance(payload, dict):
            return True
        kind = payload.get("e")
        try:
            if kind == "ORDER_TRADE_UPDATE":
                await self._emit(parse_order_update(payload))
            elif kind == "ACCOUNT_UPDATE":
                await self._emit(parse_account_update(payload))
            elif kind == "listenKeyExpired":
                logger.info("listenKey expired: reconnecting with a new one")
                return False
        except MalformedResponseError as exc:
            logger.warning("user stream: malformed %s dropped: %s", kind, exc)
        return True
