"""Request-weight and order-count budgets, kept in step with the exchange's own counters.

Budgets come from `exchangeInfo.rateLimits` (1200 weight per 60 s when absent). Windows are
fixed and aligned to the clock, as the exchange counts them. Each response's
`X-MBX-USED-WEIGHT-<n><unit>` / `X-MBX-ORDER-COUNT-<n><unit>` headers overwrite the local
count. A 429 pauses every request for `Retry-After`, a 403 (the WAF limit) for `Retry-After`
or `WAF_PAUSE_SECONDS`; a 418 halts every request until the ban ends, raising
`IpBannedError` that says until when. Pauses run on the monotonic clock, windows and bans on
`now_ms`, both of the injected `Clock` (`SYSTEM_CLOCK`: a step of the wall clock neither ends
nor prolongs any of them); waits are its `sleep`, so a test drives them with a `ManualClock`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from multidict import CIMultiDict, CIMultiDictProxy

from execution.errors import IpBannedError, RateLimitError
from execution.timekeeping import SYSTEM_CLOCK, Clock

logger = logging.getLogger(__name__)

_UNIT_SECONDS = {"S": 1, "M": 60, "H": 3600, "D": 86400}
_INTERVAL_SECONDS = {"SECOND": 1, "MINUTE": 60, "HOUR": 3600, "DAY": 86400}

WEIGHT = "REQUEST_WEIGHT"
ORDERS = "ORDERS"

WAF_PAUSE_SECONDS = 60.0  # after a 403 without Retry-After

_WEIGHT_HEADER = "X-MBX-USED-WEIGHT-"
_CASE_BLIND = (CIMultiDictProxy, CIMultiDict)  # a tuple: a union is built on every call
_ORDER_HEADER = "X-MBX-ORDER-COUNT-"


@dataclass(slots=True)
class Budget:
    """One limit: at most `limit` units per `interval_s` window."""

    kind: str  # REQUEST_WEIGHT or ORDERS
    interval_s: int
    limit: int
    used: int = 0
    window: int = -1

    def _roll(self, now_ms: int) -> None:
        window = now_ms // (self.interval_s * 1000)
        if window != self.window:
            self.window = window
            self.used = 0

    def wait_for(self, amount: int, now_ms: int) -> float:
        """Seconds until `amount` more fits (0 when it fits now), at `now_ms` (epoch ms:
        whole milliseconds, so a window's edge is exact)."""
        interval_ms = self.interval_s * 1000
        window = now_ms // interval_ms
        if window != self.window:
            self.window = window
            self.used = 0
        if self.used + amount <= self.limit:
            return 0.0
        return ((window + 1) * interval_ms - now_ms) / 1000

    def header_suffix(self) -> str:
        for unit, seconds in (("D", 86400), ("H", 3600), ("M", 60)):
            if self.interval_s % seconds == 0:
                return f"{self.interval_s // seconds}{unit}"
        return f"{self.interval_s}S"


def budgets_from_exchange_info(rate_limits: Iterable[Mapping[str, Any]]) -> list[Budget]:
    """Budgets from `exchangeInfo["rateLimits"]` (unknown kinds are skipped)."""
    budgets = []
    for entry in rate_limits:
        kind = str(entry.get("rateLimitType", ""))
        if kind not in (WEIGHT, ORDERS):
            continue
        seconds = _INTERVAL_SECONDS.get(str(entry.get("interval", "")), 0)
        interval_s = seconds * int(entry.get("intervalNum", 1))
        limit = int(entry.get("limit", 0))
        if interval_s > 0 and limit > 0:
            budgets.append(Budget(kind, interval_s, limit))
    return budgets


def default_budgets() -> list[Budget]:
    return [Budget(WEIGHT, 60, 1200), Budget(ORDERS, 60, 1200)]


class RateLimiter:
    """Waits before a request that would exceed a budget; enforces 429 pauses and 418 bans.

    `max_wait` bounds how long a request may be held back; beyond it a `RateLimitError` is
    raised instead of waiting (nothing is sent). The counts are this process's own (the
    embedded default, `shared` is False): another process on the same IP or account is not
    seen, except through the exchange's usage headers. It is a `rate_budget.RateBudget`.
    """

    shared = False

    def __init__(
        self,
        budgets: list[Budget] | None = None,
        *,
        max_wait: float = 30.0,
        clock: Clock = SYSTEM_CLOCK,
    ) -> None:
        self.max_wait = max_wait
        self.clock = clock
        self.paused_until = 0.0  # clock.monotonic() before which nothing is sent
        self.banned_until = 0.0
        self._announced = False
        self._weight: list[Budget] = []
        self._orders: list[Budget] = []
        self._by_header: dict[str, Budget] = {}
        # Until the exchange's own budgets are known, its used-weight headers are not adopted
        # into the guessed ones: another process (or this one before a restart) may have used
        # more than the guess but less than the real limit.
        self.set_budgets(budgets or default_budgets())
        self._budgets_known = budgets is not None

    def set_budgets(self, budgets: list[Budget]) -> None:
        self._budgets_known = True
        if not any(b.kind == WEIGHT for b in budgets):
            budgets = [*budgets, Budget(WEIGHT, 60, 1200)]
        self._weight = [b for b in budgets if b.kind == WEIGHT]
        self._orders = [b for b in budgets if b.kind == ORDERS]
        self._by_header = {}
        for budget in budgets:
            prefix = _WEIGHT_HEADER if budget.kind == WEIGHT else _ORDER_HEADER
            self._by_header[(prefix + budget.header_suffix()).lower()] = budget

    @property
    def budgets(self) -> list[Budget]:
        return [*self._weight, *self._orders]

    def now_s(self) -> float:
        """Epoch seconds on the limiter's clock (windows, bans)."""
        return self.clock.now_ms() / 1000

    def check_ban(self, now: float | None = None) -> None:
        """Raise `IpBannedError` while a 418 ban lasts."""
        now = self.now_s() if now is None else now
        if now < self.banned_until:
            stamp = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(self.banned_until))
            raise IpBannedError(
                f"requests halted: the IP is banned until {stamp}",
                http_status=418,
                retry_after=self.banned_until - now,
                banned_until=self.banned_until,
            )

    async def acquire(self, weight: int, is_order: bool = False) -> None:
        """Take `weight` (and one order) from the budgets, waiting for room if needed."""
        clock = self.clock
        while True:
            now_ms = clock.now_ms()
            if self.banned_until and now_ms < self.banned_until * 1000:
                self.check_ban(now_ms / 1000)
            wait = self.paused_until - clock.monotonic() if self.paused_until else 0.0
            for budget in self._weight:
                budget_wait = budget.wait_for(weight, now_ms)
                if budget_wait > wait:
                    wait = budget_wait
            if is_order:
                for budget in self._orders:
                    budget_wait = budget.wait_for(1, now_ms)
                    if budget_wait > wait:
                        wait = budget_wait
            if wait <= 0:
                break
            if wait > self.max_wait:
                raise RateLimitError(
                    f"request budget exhausted for {wait:.1f}s (not sent)", retry_after=wait
                )
            await clock.sleep(wait)
        for budget in self._weight:
            budget.used += weight
        if is_order:
            for budget in self._orders:
                budget.used += 1

    def update_from_headers(self, headers: Mapping[str, str]) -> None:
        """Adopt the exchange's counts from `X-MBX-USED-WEIGHT-*`/`X-MBX-ORDER-COUNT-*`."""
        if not self._budgets_known:
            return
        if not isinstance(headers, _CASE_BLIND):  # a plain mapping: lower-case its names
            headers = {name.lower(): value for name, value in headers.items()}
        get = headers.get
        now_ms: int | None = None
        for name, budget in self._by_header.items():  # a few budgets, many headers
            value = get(name)
            if value is None:
                continue
            try:
                used = int(value)
            except ValueError:
                continue
            if now_ms is None:
                now_ms = self.clock.now_ms()
            budget._roll(now_ms)
            budget.used = used

    def on_too_many_requests(self, retry_after: float | None) -> float:
        """Record a 429: pause every request for `retry_after` seconds (1 s if unknown)."""
        return self.pause(retry_after if retry_after is not None and retry_after > 0 else 1.0)

    def on_waf_limit(self, retry_after: float | None) -> float:
        """Record a 403 (WAF limit): pause every request for `retry_after` seconds, or
        `WAF_PAUSE_SECONDS` when the answer does not say."""
        if retry_after is None or retry_after <= 0:
            retry_after = WAF_PAUSE_SECONDS
        return self.pause(retry_after)

    def pause(self, seconds: float) -> float:
        """Hold every request back for `seconds` (a longer pause already set stays)."""
        self.paused_until = max(self.paused_until, self.clock.monotonic() + seconds)
        return seconds

    def resume(self) -> None:
        """End a 429/403 pause now (an operator's decision, or a test's)."""
        self.paused_until = 0.0

    def on_ban(self, banned_until: float) -> None:
        """Record a 418: halt every request until `banned_until` (epoch seconds)."""
        self.banned_until = max(self.banned_until, banned_until)

    # -- the RateBudget interface (rate_budget.py) -----------------------------------------

    def describe(self) -> str:
        return "in-process (this process's own counts, not shared)"

    async def open(self) -> None:
        if not self._announced:
            self._announced = True
            logger.info("rate limits: %s; set rate_budget= or ASTER_RATE_BUDGET "
                        "(redis://host:6379/0#NAME) to share them", self.describe())

    async def close(self) -> None:
        """Nothing to release."""

    async def note_usage(self, headers: Mapping[str, str]) -> None:
        self.update_from_headers(headers)

    async def note_ban(self, banned_until: float) -> None:
        self.on_ban(banned_until)

    async def note_rate_limited(self, retry_after: float | None, *, orders: bool = False) -> float:
        """A 429 pauses every request here (`orders` or not)."""
        return self.on_too_many_requests(retry_after)

    async def note_waf_limit(self, retry_after: float | None) -> float:
        return self.on_waf_limit(retry_after)
