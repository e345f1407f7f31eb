"""Local time that a step of the machine's clock does not move.

`now_ms()` is the wall-clock time read once, at the first call, advanced by the monotonic
clock since. An NTP correction or a hand-set clock (steps of seconds to hours, forward or
back) therefore never makes a pending order look overdue at once, or never overdue: the
order manager's grace periods and horizons, and the times it records, stay consistent for
the life of the process. (What the exchange sees is signed with the exchange client's
server-synchronised clock, `exchange.clock.ServerClock`, which is also monotonic-anchored.)
"""

from __future__ import annotations

import asyncio
import heapq
import time
from typing import Protocol

_anchor: tuple[int, int] | None = None  # (wall ms, monotonic ns) at the first reading


def now_ms() -> int:
    """Milliseconds since the epoch, immune to steps of the wall clock after the first call."""
    global _anchor
    monotonic = time.monotonic_ns()
    if _anchor is None:
        _anchor = (time.time_ns() // 1_000_000, monotonic)
    wall_ms, at = _anchor
    return wall_ms + (monotonic - at) // 1_000_000


def now_s() -> float:
    """`now_ms` in epoch seconds (rate-limit windows, ban deadlines)."""
    return now_ms() / 1000


class Clock(Protocol):
    """Where the order manager and the exchange client read time and wait: injected, so a
    test drives grace periods, horizons and back-offs with `ManualClock` instead of
    sleeping."""

    def now_ms(self) -> int:
        """Milliseconds since the epoch (step-immune, as `now_ms`)."""
        ...

    def monotonic(self) -> float:
        """Seconds on a clock that only goes forward (intervals, deadlines)."""
        ...

    async def sleep(self, seconds: float) -> None:
        """Wait `seconds` on this clock."""
        ...


class SystemClock:
    """The machine's clock: `now_ms` above, `time.monotonic`, `asyncio.sleep`."""

    def now_ms(self) -> int:
        return now_ms()

    def monotonic(self) -> float:
        return time.monotonic()

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)

    def __repr__(self) -> str:
        return "SystemClock()"


SYSTEM_CLOCK: Clock = SystemClock()


class ManualClock:
    """A clock that moves only when told (`advance`): for tests and replays.

    `sleep` waits until `advance` has moved the clock past its deadline; `advance` then lets
    every woken task run before it returns, so code paced by this clock (polling, retries,
    grace periods) runs in the test's own order, without real waiting.
    """

    def __init__(self, start_ms: int = 1_700_000_000_000) -> None:
        self._now_ns = start_ms * 1_000_000
        self._sleepers: list[tuple[int, int, asyncio.Future[None]]] = []
        self._sequence = 0

    def now_ms(self) -> int:
        return self._now_ns // 1_000_000

    def monotonic(self) -> float:
        return self._now_ns / 1e9

    async def sleep(self, seconds: float) -> None:
        if seconds <= 0:
            await asyncio.sleep(0)
            return
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._sequence += 1
        heapq.heappush(
            self._sleepers, (self._now_ns + int(seconds * 1e9), self._sequence, future)
        )
        await future

    @property
    def sleepers(self) -> int:
        """How many tasks wait on this clock."""
        return sum(1 for _, _, future in self._sleepers if not future.done())

    async def advance(self, seconds: float) -> None:
        """Move the clock forward by `seconds`, waking each sleeper at its deadline in
        order (and letting it run) before moving on."""
        if seconds < 0:
            raise ValueError("a ManualClock only moves forward")
        target = self._now_ns + int(seconds * 1e9)
        while self._sleepers and self._sleepers[0][0] <= target:
            deadline, _, future = heapq.heappop(self._sleepers)
            self._now_ns = max(self._now_ns, deadline)
            if not future.done():
                future.set_result(None)
            await _settle()
        self._now_ns = target
        await _settle()

    def hang(self, seconds: float) -> None:
        """Move the clock forward by `seconds` with nobody running, as for a process that
        was suspended: the sleepers due meanwhile wake late, at the next `advance`."""
        if seconds < 0:
            raise ValueError("a ManualClock only moves forward")
        self._now_ns += int(seconds * 1e9)

    def __repr__(self) -> str:
        return f"ManualClock(now_ms={self.now_ms()})"


async def _settle(rounds: int = 20) -> None:
    """Let the tasks woken so far (and the ones they wake) run."""
    for _ in range(rounds):
        await asyncio.sleep(0)
