"""Rate limits as the exchange applies them.

Request weight is counted per client IP in fixed one-minute windows; new orders are counted
per account in fixed 10-second and one-minute windows. A request over a limit gets 429 with
`Retry-After`; a client that sends again before that time is banned (418) for `ban_seconds`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from execution.simulator.api import ApiError


@dataclass(frozen=True, slots=True)
class RateLimitConfig:
    """Limits; small values let tests reach them quickly."""

    weight_per_minute: int = 2400
    orders_per_10s: int = 300
    orders_per_minute: int = 1200
    ban_seconds: int = 120
    minute_ms: int = 60_000  # window lengths, shortenable for tests
    ten_seconds_ms: int = 10_000

    def exchange_info(self) -> list[dict[str, object]]:
        """The `rateLimits` entries of exchangeInfo."""
        return [
            {"rateLimitType": "REQUEST_WEIGHT", "interval": "MINUTE", "intervalNum": 1,
             "limit": self.weight_per_minute},
            {"rateLimitType": "ORDERS", "interval": "MINUTE", "intervalNum": 1,
             "limit": self.orders_per_minute},
            {"rateLimitType": "ORDERS", "interval": "SECOND", "intervalNum": 10,
             "limit": self.orders_per_10s},
        ]


@dataclass(slots=True)
class _Window:
    length_ms: int
    start_ms: int = 0
    used: int = 0

    def current(self, now_ms: int) -> int:
        start = now_ms - now_ms % self.length_ms
        if start != self.start_ms:
            self.start_ms = start
            self.used = 0
        return self.used

    def retry_after_s(self, now_ms: int) -> int:
        return max(1, -(-(self.start_ms + self.length_ms - now_ms) // 1000))


@dataclass(slots=True)
class _IpState:
    weight: _Window
    limited_until_ms: int = 0  # after a 429: sending before this gets a ban
    banned_until_ms: int = 0


@dataclass(slots=True)
class _AccountState:
    ten_seconds: _Window
    minute: _Window


@dataclass
class RateLimiter:
    config: RateLimitConfig = field(default_factory=RateLimitConfig)
    _ips: dict[str, _IpState] = field(default_factory=dict)
    _accounts: dict[str, _AccountState] = field(default_factory=dict)

    def _ip(self, ip: str) -> _IpState:
        state = self._ips.get(ip)
        if state is None:
            state = self._ips[ip] = _IpState(_Window(self.config.minute_ms))
        return state

    def _account(self, account_id: str) -> _AccountState:
        state = self._accounts.get(account_id)
        if state is None:
            state = self._accounts[account_id] = _AccountState(
                _Window(self.config.ten_seconds_ms), _Window(self.config.minute_ms)
            )
        return state

    def charge_weight(self, ip: str, weight: int, now_ms: int) -> tuple[int, ApiError | None, int]:
        """Count a request's weight. Returns (used weight, error or None, Retry-After s)."""
        state = self._ip(ip)
        used = state.weight.current(now_ms)
        if state.banned_until_ms > now_ms:
            return used, self._banned(state), -(-(state.banned_until_ms - now_ms) // 1000)
        if state.limited_until_ms > now_ms:
            state.banned_until_ms = now_ms + self.config.ban_seconds * 1000
            return used, self._banned(state), self.config.ban_seconds
        if used + weight > self.config.weight_per_minute:
            retry = state.weight.retry_after_s(now_ms)
            state.limited_until_ms = state.weight.start_ms + state.weight.length_ms
            error = ApiError(
                -1003,
                "Too much request weight used; current limit is "
                f"{self.config.weight_per_minute} request weight per 1 MINUTE. Please use the "
                "websocket for live updates to avoid polling the API.",
                http_status=429,
            )
            return used, error, retry
        state.weight.used = used + weight
        return state.weight.used, None, 0

    def _banned(self, state: _IpState) -> ApiError:
        return ApiError(
            -1003,
            f"Way too much request weight used; IP banned until {state.banned_until_ms}. "
            "Please use the websocket for live updates to avoid bans.",
            http_status=418,
        )

    def order_counts(self, account_id: str, now_ms: int) -> tuple[int, int]:
        """(orders in the current 10 s window, orders in the current minute)."""
        state = self._account(account_id)
        return state.ten_seconds.current(now_ms), state.minute.current(now_ms)

    def charge_orders(
        self, account_id: str, count: int, now_ms: int
    ) -> tuple[ApiError | None, int]:
        """Count `count` new orders. Returns (error or None, Retry-After s)."""
        state = self._account(account_id)
        ten, minute = state.ten_seconds.current(now_ms), state.minute.current(now_ms)
        for window, used, limit, label in (
            (state.ten_seconds, ten, self.config.orders_per_10s, "10 SECOND"),
            (state.minute, minute, self.config.orders_per_minute, "1 MINUTE"),
        ):
            if used + count > limit:
                error = ApiError(
                    -1015, f"Too many new orders; current limit is {limit} orders per {label}.",
                    http_status=429,
                )
                return error, window.retry_after_s(now_ms)
        state.ten_seconds.used = ten + count
        state.minute.used = minute + count
        return None, 0

    def ban_seen_clients(self, until_ms: int) -> int:
        """Ban every address seen so far until `until_ms`, as after a 429 ignored; returns
        how many addresses were banned."""
        for state in self._ips.values():
            state.banned_until_ms = max(state.banned_until_ms, until_ms)
        return len(self._ips)

    def lift_bans(self) -> None:
        """End every ban and 429 back-off now."""
        for state in self._ips.values():
            state.banned_until_ms = 0
            state.limited_until_ms = 0

    def reset(self) -> None:
        self._ips.clear()
        self._accounts.clear()
