"""HTTP transport: one pooled aiohttp session over a primary endpoint and its fallbacks.

Fallbacks are other hosts of the *same* venue (same accounts). A request goes to the first
endpoint that is not cooling down after a failure, so traffic returns to the primary once
its cool-down ends. A connection that could not be opened is retried on the next endpoint
(nothing was sent). A connection lost after sending raises `ConnectionLostError` and a 5xx
its mapped error, after marking the endpoint down: the caller decides whether to repeat
(re-signed, so a v3 nonce is never reused) or to resolve an order's outcome by querying.
"""

from __future__ import annotations

import asyncio
import ipaddress
import json
import logging
from collections.abc import Mapping, Sequence
from typing import Any

import aiohttp
from yarl import URL

from execution.errors import (
    ExchangeError,
    ExchangeUnavailableError,
    IpBannedError,
    NetworkError,
    RateLimitError,
    ValidationError,
    WafLimitError,
)
from execution.exchange.error_map import map_error
from execution.exchange.parsing import MalformedResponseError
from execution.exchange.rate_budget import RateBudget
from execution.timekeeping import SYSTEM_CLOCK, Clock

logger = logging.getLogger(__name__)

USER_AGENT = "aster-execution/0.1"
_ORDER_LIMIT = -1015  # 429 "too many new orders": the account's order count, not the IP's


class ConnectionLostError(NetworkError):
    """The connection failed after the request may have reached the exchange."""


def _retry_after(headers: Mapping[str, str]) -> float | None:
    value = headers.get("Retry-After")
    if value is None:
        return None
    try:
        return float(value)
    except ValueError:
        return None


def check_local_address(value: object) -> str | None:
    """A source IP address to bind connections to (None: the system picks); a
    `ValidationError` naming `local_address` for anything that is not an IP address."""
    if value is None:
        return None
    try:
        return str(ipaddress.ip_address(value if isinstance(value, str) else ""))
    except ValueError:
        raise ValidationError(
            "local_address", value,
            "must be an IP address of this machine (e.g. 10.0.0.2 or 127.0.0.2)",
        ) from None


def error_from_response(
    status: int, raw: bytes, headers: Mapping[str, str], now: float | None = None
) -> ExchangeError:
    """Map an error response (JSON `{"code", "msg"}` or anything else) to an exception
    (`now`: as `map_error`'s)."""
    code: int | None = None
    message = ""
    try:
        payload = json.loads(raw) if raw else None
    except ValueError:
        payload = None
    if isinstance(payload, dict):
        raw_code = payload.get("code")
        code = raw_code if isinstance(raw_code, int) else None
        message = str(payload.get("msg", ""))
    if not message:
        message = raw[:200].decode("utf-8", "replace") or f"HTTP {status}"
    return map_error(status, code, message, retry_after=_retry_after(headers), now=now)


class Transport:
    """Sends requests with failover and rate limiting; returns parsed JSON."""

    def __init__(
        self,
        rest_urls: Sequence[str],
        *,
        limiter: RateBudget,
        timeout: float = 10.0,
        cooldown: float = 30.0,
        clock: Clock = SYSTEM_CLOCK,
        local_address: str | None = None,
    ) -> None:
        """`clock` times the cool-downs (the network's own waits are real).
        `local_address` is the source IP every connection (REST and the user stream) is
        bound to: the exchange counts request weight per IP, so a machine with several
        addresses (or hosts sharing one budget) can say which one a client sends from."""
        if not rest_urls:
            raise ValueError("at least one REST endpoint is needed")
        self.urls = [url.rstrip("/") for url in rest_urls]
        self.limiter = limiter
        self.timeout = timeout
        self.cooldown = cooldown
        self.clock = clock
        self.local_address = check_local_address(local_address)
        self._down_until = [0.0] * len(self.urls)
        self._any_down = False
        self._all = tuple(range(len(self.urls)))
        self._session: aiohttp.ClientSession | None = None
        self._form_urls: dict[tuple[str, str], URL] = {}  # (host, path): its URL

    # -- session ---------------------------------------------------------------------------

    @property
    def session(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            raise NetworkError("the transport is not open: call connect() first")
        return self._session

    async def open(self) -> None:
        """Open the session (and the rate budget: a shared one connects here)."""
        await self.limiter.open()
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(
                    limit=100, ttl_dns_cache=300,
                    local_addr=(self.local_address, 0) if self.local_address else None,
                ),
                timeout=aiohttp.ClientTimeout(total=self.timeout),
                headers={"User-Agent": USER_AGENT},
            )
            # aiohttp silently re-sends GET/PUT/DELETE once when a kept-alive connection
            # drops. A re-sent signed request reuses its nonce and hides a lost cancel from
            # us: every repeat must be our own decision, re-signed.
            if hasattr(self._session, "_retry_connection"):
                self._session._retry_connection = False

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None
        await self.limiter.close()

    # -- endpoints -------------------------------------------------------------------------

    @property
    def active_url(self) -> str:
        """The endpoint the next request goes to."""
        return self.urls[self._order()[0]]

    def reset_endpoints(self) -> None:
        """Forget failures (and adopt a changed `urls` list)."""
        self._down_until = [0.0] * len(self.urls)
        self._any_down = False
        self._all = tuple(range(len(self.urls)))

    def mark_down(self, index: int) -> None:
        self._down_until[index] = self.clock.monotonic() + self.cooldown
        self._any_down = True
        logger.warning("endpoint %d unhealthy; cooling down %.0fs", index, self.cooldown)

    def _order(self) -> tuple[int, ...]:
        if not self._any_down:
            return self._all
        now = self.clock.monotonic()
        healthy = [i for i in self._all if self._down_until[i] <= now]
        if len(healthy) == len(self._all):
            self._any_down = False
            return self._all
        cooling = sorted((i for i in self._all if self._down_until[i] > now),
                         key=self._down_until.__getitem__)
        return (*healthy, *cooling)

    async def health_check(self, path: str) -> list[bool]:
        """GET `path` (weight 1) on every endpoint; unhealthy ones start cooling down.

        Each probe takes its weight from the rate budget and its answer's usage headers
        (and a 418/429) are noted, as for any request: the exchange counts probes too, and
        processes sharing a budget must not push each other over by uncounted ones. During
        a ban (this process's, or one a shared budget knows of) it raises `IpBannedError`
        and sends nothing."""

        async def probe(index: int) -> bool:
            await self.limiter.acquire(1)
            try:
                async with self.session.get(self.urls[index] + path) as response:
                    raw = await response.read()
                    await self.limiter.note_usage(response.headers)
                    if response.status in (418, 429):
                        error = error_from_response(response.status, raw, response.headers,
                                                    self.limiter.now_s())
                        await self._note_refusal(error)
                    return response.status < 500
            except (aiohttp.ClientError, TimeoutError):
                return False

        results = await asyncio.gather(*(probe(i) for i in self._all))
        for index, healthy in enumerate(results):
            if not healthy:
                self.mark_down(index)
        return list(results)

    # -- requests --------------------------------------------------------------------------

    async def request(
        self,
        method: str,
        path: str,
        params: str,
        headers: Mapping[str, str],
        *,
        weight: int = 1,
        is_order: bool = False,
    ) -> Any:
        """Send once (failing over as allowed); raise a typed error for an error response.

        `params` is the encoded (and signed) parameter string: the query for GET, the form
        body otherwise.
        """
        limiter = self.limiter
        await limiter.acquire(weight, is_order)
        session = self.session
        rate_limited_once = False
        order = self._order()
        position = 0
        tried: list[str] = []  # "<host>: <why>" of every endpoint that could not be reached
        while position < len(order):
            index = order[position]
            if method == "GET":
                url = URL(f"{self.urls[index]}{path}?{params}" if params else
                          f"{self.urls[index]}{path}", encoded=True)
                data = None
            else:
                host = self.urls[index]
                cached = self._form_urls.get((host, path))
                if cached is None:  # the same few paths on the same hosts: parsed once
                    cached = self._form_urls[(host, path)] = URL(f"{host}{path}", encoded=True)
                url = cached
                data = params.encode()
            try:
                async with session.request(method, url, data=data, headers=headers) as response:
                    raw = await response.read()
                    status = response.status
                    response_headers = response.headers
            except (aiohttp.ClientConnectorError, aiohttp.ConnectionTimeoutError) as exc:
                self.mark_down(index)  # never reached the exchange: any request may move on
                tried.append(f"{self.urls[index]}: {_cause(exc, self.timeout)}")
                position += 1
                continue
            except (aiohttp.ClientError, TimeoutError) as exc:
                self.mark_down(index)
                raise ConnectionLostError(
                    f"{method} {path} to {self.urls[index]}: connection lost after sending "
                    f"({_cause(exc, self.timeout)}); the request may have been carried out"
                ) from None
            await limiter.note_usage(response_headers)
            if status < 400:
                try:  # the exchange answers in UTF-8 (decoded first: no encoding sniffing)
                    return json.loads(raw.decode()) if raw else {}
                except ValueError:  # not JSON, or not UTF-8 (UnicodeDecodeError)
                    raise MalformedResponseError(
                        f"{method} {path}: HTTP {status} answer is not JSON: {raw[:60]!r}"
                    ) from None
            error = error_from_response(status, raw, response_headers, limiter.now_s())
            pause = await self._note_refusal(error)
            if isinstance(error, IpBannedError | WafLimitError):
                raise error  # a 403 was stopped before the exchange
            if isinstance(error, RateLimitError):
                if rate_limited_once or pause > limiter.max_wait:
                    raise error
                rate_limited_once = True  # a 429 was not executed: one retry after the pause
                await limiter.acquire(weight, is_order)
                continue
            if status >= 500:
                self.mark_down(index)
            raise error
        raise ExchangeUnavailableError(
            f"{method} {path}: no endpoint reachable, tried {len(order)}: " + "; ".join(tried)
        )


    async def _note_refusal(self, error: ExchangeError) -> float:
        """Tell the rate budget of a 418 ban, a 403 or a 429 (the pause it sets, s)."""
        limiter = self.limiter
        if isinstance(error, IpBannedError):
            await limiter.note_ban(error.banned_until or limiter.now_s())
        elif isinstance(error, WafLimitError):
            return await limiter.note_waf_limit(error.retry_after)
        elif isinstance(error, RateLimitError):
            return await limiter.note_rate_limited(error.retry_after,
                                                   orders=error.code == _ORDER_LIMIT)
        return 0.0


def _cause(exc: BaseException, timeout: float) -> str:
    """Why a connection failed, in words: refused, timed out (after how long), reset..."""
    if isinstance(exc, TimeoutError | aiohttp.ConnectionTimeoutError | aiohttp.ServerTimeoutError):
        return f"no answer within {timeout:g} s ({type(exc).__name__})"
    text = str(exc) or type(exc).__name__
    return f"{type(exc).__name__}: {text}" if text != type(exc).__name__ else text
