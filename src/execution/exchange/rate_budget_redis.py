"""`RedisRateBudget`: request weight and order counts shared by every process on one name.

Every request takes its weight (and an order its one) in a single server-side script
(`rate_budget_lua.ACQUIRE`): the check against every interval the exchange declares and
the take happen atomically, so N processes together stay under the exchange's limits. The
same script reports a ban or a pause another process recorded, and the halted call raises
`IpBannedError` / `RateLimitError` at once, nothing sent. A usage header higher than the
shared count raises it (`FOLD`, off the request's path, coalesced).

Redis must answer when the budget opens (connect): otherwise it refuses to start, as
starting alone would hide from the others. Lost mid-run, the process falls back to a
conservative local share: each limit divided by the number of processes last seen on it
(usage headers scaled the same way), a 418/429 it knew of kept, a warning logged; it tries
Redis again every `reconnect_interval` seconds and shares again once it answers.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import os
import socket
from collections.abc import Mapping
from typing import Any

from multidict import CIMultiDict, CIMultiDictProxy
from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import RedisError

from execution.errors import ConfigurationError, NetworkError, RateLimitError
from execution.exchange.clock import ServerClock
from execution.exchange.rate_budget_lua import ACQUIRE, EXTEND, FOLD
from execution.exchange.rate_budget_share import local_shares, scaled_usage
from execution.exchange.rate_budget_slots import LEASE_SECONDS, NonceSlotLease
from execution.exchange.rate_budget_spec import RateBudgetSpec
from execution.exchange.rate_limit import (
    ORDERS,
    WAF_PAUSE_SECONDS,
    WEIGHT,
    Budget,
    RateLimiter,
    default_budgets,
)
from execution.timekeeping import Clock

logger = logging.getLogger(__name__)

_LOST = (RedisError, OSError)  # OSError: refused, reset, timed out (TimeoutError)
MEMBER_TTL_SECONDS = 30.0  # a process not seen for this long no longer counts for shares
RECONNECT_SECONDS = 5.0


class RedisRateBudget:
    """A `rate_budget.RateBudget` whose counts live in Redis (see the module docstring)."""

    def __init__(
        self,
        spec: RateBudgetSpec,
        *,
        max_wait: float = 30.0,
        clock: Clock,
        reconnect_interval: float = RECONNECT_SECONDS,
        member_ttl: float = MEMBER_TTL_SECONDS,
        socket_timeout: float = 2.0,
    ) -> None:
        self.spec = spec
        self.max_wait = max_wait
        self.clock = clock
        self.reconnect_interval = reconnect_interval
        self.member_ttl = member_ttl
        self.socket_timeout = socket_timeout
        self.member = f"{socket.gethostname()}:{os.getpid()}:{id(self):x}"
        # bans and pauses this process knows of (its own, and bans it was told of); in
        # fallback also its local share of the counts
        self._local = RateLimiter(max_wait=max_wait, clock=clock)
        self._order_paused_until = 0.0  # monotonic: a 429 on the account's order count
        self._limits: list[Budget] = default_budgets()
        self._known = False  # the exchange's own limits adopted (usage headers count)
        self._seen: list[tuple[int, int]] = []  # per budget: (window, used) last read
        self._members = (1, 1)  # processes on the IP's and on the account's budget
        self._refreshed = -math.inf
        self._client: Redis | None = None
        self._scripts: dict[str, Any] = {}
        self._fallback = False
        self._retry_at = 0.0
        self._pending: dict[int, int] = {}  # budget index -> used, to fold in
        self._fold_task: asyncio.Task[None] | None = None
        self._lease_request: tuple[ServerClock, str, int | None] | None = None
        self.lease: NonceSlotLease | None = None
        self.lease_ttl = LEASE_SECONDS  # a nonce-slot lease's expiry (renewed at a third)
        self._layout()

    # -- configuration ---------------------------------------------------------------------

    def _prefix(self, kind: str) -> str:
        scope = self.spec.weight_scope if kind == WEIGHT else self.spec.orders_scope
        return f"aster-exec:rate:{{{scope}}}"

    def _layout(self) -> None:
        weights = [b for b in self._limits if b.kind == WEIGHT]
        orders = [b for b in self._limits if b.kind == ORDERS]
        self._limits = [*weights, *orders]
        self._weights = len(weights)
        ip, account = self._prefix(WEIGHT), self._prefix(ORDERS)
        self._keys = [f"{ip}:ban", f"{ip}:pause", f"{account}:order-pause",
                      f"{ip}:members", f"{account}:members",
                      *(f"{self._prefix(b.kind)}:{b.kind}:{b.interval_s}" for b in self._limits)]
        self._budget_args = [value for b in self._limits
                             for value in (b.interval_s * 1000, b.limit)]
        self._seen = [(-1, 0)] * len(self._limits)
        self._headers = {
            ("x-mbx-used-weight-" if b.kind == WEIGHT else "x-mbx-order-count-")
            + b.header_suffix().lower(): index for index, b in enumerate(self._limits)
        }

    def set_budgets(self, budgets: list[Budget]) -> None:
        if not any(b.kind == WEIGHT for b in budgets):
            budgets = [*budgets, Budget(WEIGHT, 60, 1200)]
        self._limits = [Budget(b.kind, b.interval_s, b.limit) for b in budgets]
        self._known = True
        self._layout()
        if self._fallback:
            self._local.set_budgets(local_shares(self._limits, self._seen, self._members))

    @property
    def budgets(self) -> list[Budget]:
        """The exchange's limits (shared by every process on the budget)."""
        return list(self._limits)

    def lease_nonce_slot(self, clock: ServerClock, user: str, slot: int | None) -> None:
        """Lease `slot` (None: the first free one) of `user` at `open` (`NonceSlotLease`)."""
        self._lease_request = (clock, user, slot)

    # -- state -----------------------------------------------------------------------------

    @property
    def shared(self) -> bool:
        """True while Redis answers; False before `open` and in the local fallback."""
        return self._client is not None and not self._fallback

    @property
    def members(self) -> tuple[int, int]:
        """Processes last seen on the IP's budget and on the account's."""
        return self._members

    def describe(self) -> str:
        where = f"shared budget {self.spec.label}"
        if self._fallback:
            return (f"{where} UNREACHABLE: local share, 1/{self._members[0]} of the weight "
                    f"and 1/{self._members[1]} of the orders")
        return where

    def now_s(self) -> float:
        return self.clock.now_ms() / 1000

    # -- lifecycle -------------------------------------------------------------------------

    async def open(self) -> None:
        """Connect and register; `ConfigurationError` when Redis does not answer (no
        process starts alone on a shared budget) or a nonce slot cannot be leased."""
        if self._client is not None:
            return
        client = Redis.from_url(
            self.spec.url, socket_timeout=self.socket_timeout,
            socket_connect_timeout=self.socket_timeout, retry=Retry(NoBackoff(), 1),
        )
        self._scripts = {name: client.register_script(text)
                         for name, text in (("acquire", ACQUIRE), ("fold", FOLD),
                                            ("extend", EXTEND))}
        self._client, self._fallback, self._refreshed = client, False, -math.inf
        try:
            await self._run_acquire(0, False)
            if self._lease_request is not None:
                clock, user, slot = self._lease_request
                self.lease = NonceSlotLease(client, clock, user, slot, sleep=self.clock.sleep,
                                            ttl=self.lease_ttl)
                await self.lease.start()
        except _LOST as exc:
            await self._drop_client()
            raise ConfigurationError(
                f"rate budget {self.spec.label}: Redis does not answer "
                f"({type(exc).__name__}: {exc}); start it, or run without a shared budget"
            ) from None
        except BaseException:
            await self._drop_client()
            raise
        logger.info("rate limits: %s (%d process(es) on the IP's budget, %d on the "
                    "account's)", self.describe(), *self._members)

    async def close(self) -> None:
        """Finish folding, give the nonce slot back, leave the member lists, disconnect."""
        task = self._fold_task
        if task is not None:
            with contextlib.suppress(Exception):
                await task
        if self.lease is not None:
            await self.lease.stop()
            self.lease = None
        client = self._client
        if client is not None and not self._fallback:
            with contextlib.suppress(*_LOST):
                await client.zrem(self._keys[3], self.member)
                await client.zrem(self._keys[4], self.member)
        await self._drop_client()

    async def _drop_client(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            with contextlib.suppress(*_LOST):
                await client.aclose()

    async def flush(self) -> None:
        """Wait until every usage header seen is folded into the shared counts."""
        while self._fold_task is not None:
            await asyncio.shield(self._fold_task)

    # -- taking tokens ---------------------------------------------------------------------

    async def acquire(self, weight: int, is_order: bool = False) -> None:
        local, clock = self._local, self.clock
        if self._client is None:  # never reopened behind the caller's back
            raise NetworkError(f"the rate budget {self.spec.label} is not open: "
                               "call connect() first")
        while True:
            if self._fallback:
                await self._try_return()  # also during a ban: the others must learn of it
            local.check_ban()
            wait = max(local.paused_until, self._order_paused_until if is_order else 0.0)
            wait -= clock.monotonic()
            if wait <= 0:
                if self._fallback:
                    await local.acquire(weight, is_order)  # the local share
                    return
                taken = await self._take(weight, is_order)
                if taken is None:
                    continue  # Redis lost just now: the local share from here on
                if taken <= 0:
                    return
                wait = taken
            if wait > self.max_wait:
                raise RateLimitError(
                    f"shared request budget {self.spec.label} exhausted or paused for "
                    f"{wait:.1f}s (not sent)", retry_after=wait,
                )
            await clock.sleep(wait)

    async def _run_acquire(self, weight: int, is_order: bool) -> list[int]:
        now = self.clock.monotonic()
        refresh = now - self._refreshed >= self.member_ttl / 3
        ttl = int(self.member_ttl * 1000) if refresh else 0
        reply = await self._scripts["acquire"](
            keys=self._keys,
            args=[weight, int(is_order), self.member, ttl, self._weights, *self._budget_args],
        )
        if refresh:
            self._refreshed = now
        values = [int(value) for value in reply]
        self._members = (max(1, values[2]), max(1, values[3]))
        counts = values[4:]
        for index in range(len(counts) // 2):
            self._seen[index] = (counts[2 * index], counts[2 * index + 1])
        return values

    async def _take(self, weight: int, is_order: bool) -> float | None:
        """0 when taken; seconds to wait; None when Redis was just lost."""
        try:
            code, ms, *_ = await self._run_acquire(weight, is_order)
        except _LOST as exc:
            self._enter_fallback(exc)
            return None
        if code == 1:  # banned, recorded by some process: halt here too, nothing sent
            self._local.on_ban(self.now_s() + ms / 1000)
            self._local.check_ban()
        return ms / 1000

    # -- what the exchange said ------------------------------------------------------------

    async def note_usage(self, headers: Mapping[str, str]) -> None:
        if not self._known:
            return  # not against guessed limits (as RateLimiter)
        if not isinstance(headers, CIMultiDictProxy | CIMultiDict):
            headers = {name.lower(): value for name, value in headers.items()}
        if self._fallback:
            self._local.update_from_headers(
                scaled_usage(headers, self._headers, self._limits, self._members))
            return
        for name, index in self._headers.items():
            value = headers.get(name)
            if value is None or not value.isdigit():
                continue
            used = int(value)
            if used > max(self._seen[index][1], self._pending.get(index, -1)):
                self._pending[index] = used
        if self._pending and self._fold_task is None and self._client is not None:
            self._fold_task = asyncio.create_task(self._fold_all(), name="rate-budget-fold")

    async def _fold_all(self) -> None:
        try:
            while self._pending and self._client is not None and not self._fallback:
                index, used = self._pending.popitem()
                window = self._seen[index][0]
                budget = self._limits[index]
                try:
                    result = int(await self._scripts["fold"](
                        keys=[self._keys[5 + index]],
                        args=[window, used, budget.interval_s * 1000],
                    ))
                except _LOST as exc:
                    self._enter_fallback(exc)
                    return
                if result >= 0 and self._seen[index][0] == window:
                    self._seen[index] = (window, max(self._seen[index][1], result))
        finally:
            self._fold_task = None

    async def note_ban(self, banned_until: float) -> None:
        self._local.on_ban(banned_until)
        await self._extend(0, banned_until - self.now_s(), f"{banned_until:.3f}")

    async def note_rate_limited(self, retry_after: float | None, *, orders: bool = False) -> float:
        """A 429: the IP's requests pause (`orders`: the account's new orders) for every
        process on the budget."""
        seconds = retry_after if retry_after is not None and retry_after > 0 else 1.0
        if orders:
            until = self.clock.monotonic() + seconds
            self._order_paused_until = max(self._order_paused_until, until)
            await self._extend(2, seconds, "429")
        else:
            self._local.pause(seconds)
            await self._extend(1, seconds, "429")
        return seconds

    async def note_waf_limit(self, retry_after: float | None) -> float:
        seconds = retry_after if retry_after is not None and retry_after > 0 else (
            WAF_PAUSE_SECONDS)
        self._local.pause(seconds)
        await self._extend(1, seconds, "403")
        return seconds

    async def _extend(self, key_index: int, seconds: float, value: str) -> None:
        """Make the ban or pause at `self._keys[key_index]` last `seconds` more."""
        if self._client is None or self._fallback or seconds <= 0:
            return
        try:
            await self._scripts["extend"](keys=[self._keys[key_index]],
                                          args=[max(1, int(seconds * 1000)), value])
        except _LOST as exc:
            self._enter_fallback(exc)

    # -- without Redis ---------------------------------------------------------------------

    def _enter_fallback(self, exc: BaseException) -> None:
        if self._fallback:
            return
        self._fallback = True
        self._retry_at = self.clock.monotonic() + self.reconnect_interval
        self._local.set_budgets(local_shares(self._limits, self._seen, self._members))
        logger.warning(
            "rate budget %s: Redis lost (%s); until it answers again this process keeps "
            "to 1/%d of the IP's weight and 1/%d of the account's orders, counted here",
            self.spec.label, type(exc).__name__, *self._members,
        )

    async def _try_return(self) -> bool:
        """In fallback: ask Redis again (at most every `reconnect_interval`)."""
        if self.clock.monotonic() < self._retry_at or self._client is None:
            return False
        self._retry_at = self.clock.monotonic() + self.reconnect_interval
        try:
            await self._client.ping()
        except _LOST:
            return False
        self._fallback = False
        self._refreshed = -math.inf
        local, now = self._local, self.now_s()
        if local.banned_until > now:  # a ban recorded meanwhile: the others halt too
            await self._extend(0, local.banned_until - now, f"{local.banned_until:.3f}")
        paused = local.paused_until - self.clock.monotonic()
        if paused > 0:
            await self._extend(1, paused, "429")
        logger.warning("rate budget %s: Redis answers again; shared counts from now on",
                       self.spec.label)
        return True
