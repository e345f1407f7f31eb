"""The user-data stream: listenKey lifecycle, WebSocket with reconnects, REST resync.

After every (re)connect the open orders (and the orders that closed during the gap) are
fetched over REST and emitted as `OrderUpdate(from_resync=True)`, followed by
`StreamStatus(RESYNCED)`: the socket is opened first, so an event that happens during the
resync arrives on the socket too and nothing falls between the two.

The exchange may forget a listenKey (it expired, or the exchange restarted): every connect
attempt therefore starts with `POST listenKey`, which returns the account's active key (and
extends it) or a new one when the old is gone; a keepalive answered -1125 ("This listenKey
does not exist") closes the socket so the next attempt replaces the key. Attempts back off
exponentially with jitter (a connection that does not last is a failure too), and the REST
calls the stream makes are capped per minute while it keeps failing.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import json
import logging
import random
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp

from execution.errors import ExchangeError, ExecutionError
from execution.exchange.algo_parsing import parse_algo_update
from execution.exchange.parsing import (
    MalformedResponseError,
    parse_account_config_update,
    parse_account_update,
    parse_margin_call,
    parse_order_update,
)
from execution.models import OrderUpdate, StreamState, StreamStatus, UserEvent
from execution.tasks import cancel_and_wait
from execution.timekeeping import SYSTEM_CLOCK, Clock

logger = logging.getLogger(__name__)

KEEPALIVE_INTERVAL = 30 * 60.0
KEEPALIVE_RETRY = 60.0  # after a keepalive that failed for another reason than -1125
STABLE_AFTER = 10.0  # a connection that lasted this long (or delivered an event) succeeded
MAX_REST_PER_MINUTE = 12  # listenKey and resync calls of the stream
UNKNOWN_LISTEN_KEY = -1125


# The events read off the stream, each into its typed model (anything else is ignored).
_PARSERS: dict[str, Callable[[Any], UserEvent]] = {
    "ORDER_TRADE_UPDATE": parse_order_update,
    "ACCOUNT_UPDATE": parse_account_update,
    "MARGIN_CALL": parse_margin_call,
    "ACCOUNT_CONFIG_UPDATE": parse_account_config_update,
}


def is_unknown_listen_key(exc: BaseException) -> bool:
    """The exchange no longer knows the key (-1125): it must be replaced."""
    return isinstance(exc, ExchangeError) and exc.code == UNKNOWN_LISTEN_KEY


class UserStream:
    """One user-data stream. The callables are the exchange's REST calls; `clock` paces
    the reconnects, the keepalives and the REST cap (the socket's own waits are real)."""

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
        stable_after: float = STABLE_AFTER,
        max_rest_per_minute: int = MAX_REST_PER_MINUTE,
        clock: Clock = SYSTEM_CLOCK,
    ) -> None:
        self.clock = clock
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
        self.stable_after = stable_after
        self.max_rest_per_minute = max(2, max_rest_per_minute)
        self.connected = False
        self.connections = 0  # successful (re)connects so far
        self.attempts = 0  # connect attempts so far
        self.keys_replaced = 0  # times the exchange answered with a different listenKey
        self.listen_key: str | None = None
        self._rest_calls: deque[float] = deque()  # monotonic times of the stream's REST calls
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
        await cancel_and_wait(task)
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

    async def _rest_slot(self) -> None:
        """Wait until one more REST call fits in `max_rest_per_minute`."""
        calls = self._rest_calls
        while True:
            now = self.clock.monotonic()
            while calls and calls[0] <= now - 60.0:
                calls.popleft()
            if len(calls) < self.max_rest_per_minute:
                calls.append(now)
                return
            await self.clock.sleep(calls[0] + 60.0 - now)

    async def _run(self) -> None:
        failures = 0
        while True:
            stable = False
            try:
                stable = await self._connect_once()
            except asyncio.CancelledError:
                raise
            except (ExecutionError, aiohttp.ClientError, TimeoutError, OSError) as exc:
                logger.warning("user stream failed: %s", type(exc).__name__)
            failures = 0 if stable else failures + 1
            if self.connected:
                self.connected = False
                await self._emit(StreamStatus(StreamState.DISCONNECTED, "reconnecting"))
            await self.clock.sleep(self._delay(failures))

    async def _connect_once(self) -> bool:
        """One attempt: (re)obtain the key, open the socket, resync, read until it closes.
        True when the connection lasted (`stable_after`) or delivered an event."""
        self.attempts += 1
        await self._rest_slot()
        key = await self._create_key()  # the active key, or a new one if it was forgotten
        if self.listen_key is not None and key != self.listen_key:
            self.keys_replaced += 1
            logger.info("listenKey replaced: the exchange no longer knew the previous one")
        self.listen_key = key
        async with self._session().ws_connect(f"{self._ws_url}/ws/{key}", heartbeat=30.0) as ws:
            opened = self.clock.monotonic()
            delivered = False
            self._ws = ws
            self.connected = True
            self.connections += 1
            self._first_connect.set()
            keepalive = asyncio.create_task(self._keep_alive(key, ws))
            try:
                await self._emit(StreamStatus(StreamState.CONNECTED))
                await self._rest_slot()
                updates = await self._resync()
                for update in updates:
                    await self._emit(update)
                await self._emit(StreamStatus(StreamState.RESYNCED, f"{len(updates)} orders"))
                async for message in ws:
                    if message.type is aiohttp.WSMsgType.TEXT:
                        delivered = True
                        if not await self._dispatch(message.data):
                            break  # expired: the next attempt gets a new key
                    elif message.type in (aiohttp.WSMsgType.ERROR, aiohttp.WSMsgType.CLOSED):
                        break
            finally:
                keepalive.cancel()
                self._ws = None
            return delivered or self.clock.monotonic() - opened >= self.stable_after

    async def _keep_alive(self, key: str, ws: aiohttp.ClientWebSocketResponse) -> None:
        delay = self.keepalive_interval
        while True:
            await self.clock.sleep(delay)
            try:
                await self._rest_slot()
                await self._keepalive_key(key)
                delay = self.keepalive_interval
            except (ExecutionError, aiohttp.ClientError, TimeoutError, OSError) as exc:
                if not is_unknown_listen_key(exc):
                    # the key lives 60 min: try again soon rather than drop a working socket
                    logger.warning("listenKey keepalive failed (%s): retrying", exc)
                    delay = min(KEEPALIVE_RETRY, self.keepalive_interval)
                    continue
                logger.warning("listenKey unknown to the exchange (%s): replacing it", exc)
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
            parse = _PARSERS.get(kind) if isinstance(kind, str) else None
            if parse is not None:
                await self._emit(parse(payload))
            elif kind == "ALGO_UPDATE":  # Binance's algo orders: the order they stand for
                algo_update = parse_algo_update(payload)
                if algo_update is not None:
                    await self._emit(algo_update)
            elif kind == "listenKeyExpired":
                logger.info("listenKey expired: reconnecting with a new one")
                return False
        except MalformedResponseError as exc:
            logger.warning("user stream: malformed %s dropped: %s", kind, exc)
        return True
