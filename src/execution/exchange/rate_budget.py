"""The rate budget a transport takes its tokens from: in-process, or shared through Redis.

`RateBudget` is what `Transport` uses: take request weight (and one order) before sending,
fold in the exchange's usage headers after, and record a 429/403 pause or a 418 ban.
Two implementations sit behind it:

* `rate_limit.RateLimiter`: this process's own counts (the embedded default). It says so
  at start (a log line) and through `shared` (False).
* `rate_budget_redis.RedisRateBudget`: one count per budget name in Redis, taken
  atomically by a server-side script, so every process on the same name (one per egress
  IP for the weight, one per account for the order counts) stays under the exchange's
  limits together; a ban seen by one halts all of them. See docs/rate-budget.md.

`rate_budget_for` picks one from a spec: an object, a URL (`redis://host:6379/0#NAME`),
or nothing (then `ASTER_RATE_BUDGET` from the environment, else in-process).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol, runtime_checkable

from execution.errors import ConfigurationError, ValidationError
from execution.exchange.clock import NONCE_SLOTS, ServerClock
from execution.exchange.config import ENV_RATE_BUDGET
from execution.exchange.rate_budget_spec import parse_rate_budget
from execution.exchange.rate_limit import Budget, RateLimiter
from execution.timekeeping import Clock


class RateBudget(Protocol):
    """What the transport needs from a rate budget (see the module docstring)."""

    max_wait: float  # seconds a request may be held back before RateLimitError instead

    @property
    def shared(self) -> bool:
        """True while the counts are shared with other processes."""
        ...

    def describe(self) -> str:
        """One line for logs and the CLI: where the counts live (never a password)."""
        ...

    def now_s(self) -> float:
        """Epoch seconds on the budget's clock (dates a ban's end)."""
        ...

    def set_budgets(self, budgets: list[Budget]) -> None:
        """Adopt the exchange's limits (exchangeInfo `rateLimits`)."""
        ...

    async def open(self) -> None:
        """Get ready (connect, announce); called when the transport opens."""
        ...

    async def close(self) -> None:
        """Release what `open` took; called when the transport closes."""
        ...

    async def acquire(self, weight: int, is_order: bool = False) -> None:
        """Take `weight` (and one order), waiting up to `max_wait`; raise `IpBannedError`
        during a ban and `RateLimitError` when the wait would be longer (nothing sent)."""
        ...

    async def note_usage(self, headers: Mapping[str, str]) -> None:
        """Fold in `X-MBX-USED-WEIGHT-*` / `X-MBX-ORDER-COUNT-*` of an answer."""
        ...

    async def note_ban(self, banned_until: float) -> None:
        """A 418: halt every request until `banned_until` (epoch seconds)."""
        ...

    async def note_rate_limited(self, retry_after: float | None, *, orders: bool = False) -> float:
        """A 429 (`orders`: the account's order count, -1015): pause; returns the pause."""
        ...

    async def note_waf_limit(self, retry_after: float | None) -> float:
        """A 403 (the WAF limit): pause; returns the pause in seconds."""
        ...


@runtime_checkable
class NonceSlotLeasing(Protocol):
    """A budget that can lease v3 nonce slots to the processes sharing one user."""

    def lease_nonce_slot(self, clock: ServerClock, user: str, slot: int | None) -> None:
        """Hold `slot` (None: any free one) for `user` from `open` to `close`, setting
        `clock.nonce_slot`; `open` raises `ConfigurationError` when it is held."""
        ...


def rate_budget_for(
    spec: str | RateBudget | None,
    env: Mapping[str, str],
    *,
    max_wait: float,
    clock: Clock,
) -> RateBudget:
    """The budget a client takes its tokens from: `spec` (a budget, or a URL), else
    `ASTER_RATE_BUDGET`, else this process's own limits (`RateLimiter`)."""
    if spec is None:
        spec = env.get(ENV_RATE_BUDGET, "").strip() or None
    if spec is None or spec in ("local", "in-process"):
        return RateLimiter(max_wait=max_wait, clock=clock)
    if not isinstance(spec, str):
        return spec
    parsed = parse_rate_budget(spec)
    try:
        from execution.exchange.rate_budget_redis import RedisRateBudget
    except ImportError as exc:  # the optional extra is not installed
        raise ConfigurationError(
            f"a Redis rate budget needs the redis package: pip install "
            f"'aster-execution[redis]' ({exc})"
        ) from None
    return RedisRateBudget(parsed, max_wait=max_wait, clock=clock)


def server_clock_for(
    budget: RateBudget, user: str | None, nonce_slot: int | str | None
) -> ServerClock:
    """The signing clock, its nonce slot given (0-99), leased from the shared budget
    (`"auto"`: any free one), or none; with a shared budget a given slot is leased too,
    so two processes given the same one are refused at connect. `user` is the v3 user
    (None for v1 credentials: no nonces, nothing to lease)."""
    auto = nonce_slot == "auto"
    if isinstance(nonce_slot, str) and not auto:
        raise ValidationError("nonce_slot", nonce_slot,
                              f"a whole number from 0 to {NONCE_SLOTS - 1}, 'auto' or None")
    clock = ServerClock(nonce_slot=None if isinstance(nonce_slot, str) else nonce_slot)
    if not isinstance(budget, NonceSlotLeasing):
        if auto and user is not None:
            raise ConfigurationError(
                "nonce_slot='auto' needs a shared rate budget (rate_budget='redis://…#NAME' "
                f"or {ENV_RATE_BUDGET}) to lease slots from; or give each process its own slot"
            )
        return clock
    if user is not None and (auto or nonce_slot is not None):
        budget.lease_nonce_slot(clock, user, clock.nonce_slot)
    return clock
