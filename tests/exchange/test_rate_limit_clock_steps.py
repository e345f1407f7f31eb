"""Rate-limit windows and IP bans under a step of the wall clock: an hour back neither
holds requests for an hour, nor an hour forward ends a ban early."""

from __future__ import annotations

import time

import pytest

from execution.errors import IpBannedError, RateLimitError
from execution.exchange.rate_limit import ORDERS, WEIGHT, Budget, RateLimiter
from execution.timekeeping import now_ms


def step_wall(monkeypatch: pytest.MonkeyPatch, seconds: int) -> None:
    real_time, real_time_ns = time.time, time.time_ns
    monkeypatch.setattr(time, "time", lambda: real_time() + seconds)
    monkeypatch.setattr(time, "time_ns", lambda: real_time_ns() + seconds * 1_000_000_000)


@pytest.mark.parametrize("step_s", [-3600, 3600])
async def test_a_full_window_frees_within_its_interval_whatever_the_wall_clock_does(
    monkeypatch: pytest.MonkeyPatch, step_s: int
) -> None:
    limiter = RateLimiter([Budget(WEIGHT, 60, 10), Budget(ORDERS, 60, 100)], max_wait=0.2)
    await limiter.acquire(10)
    step_wall(monkeypatch, step_s)
    try:
        await limiter.acquire(1)
    except RateLimitError as exc:
        assert exc.retry_after is not None and exc.retry_after <= 60
    else:  # only possible if the step made the window roll over: it must not
        pytest.fail("a step of the wall clock emptied the window")


async def test_a_ban_is_not_ended_early_by_a_forward_step(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    limiter = RateLimiter(max_wait=0.2)
    limiter.on_ban(now_ms() / 1000 + 120)
    step_wall(monkeypatch, 3600)
    with pytest.raises(IpBannedError):
        limiter.check_ban()
