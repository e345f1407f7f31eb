"""Local time that a step of the machine's clock does not move.

`now_ms()` is the wall-clock time read once, at the first call, advanced by the monotonic
clock since. An NTP correction or a hand-set clock (steps of seconds to hours, forward or
back) therefore never makes a pending order look overdue at once, or never overdue: the
order manager's grace periods and horizons, and the times it records, stay consistent for
the life of the process. (What the exchange sees is signed with the exchange client's
server-synchronised clock, `exchange.clock.ServerClock`, which is also monotonic-anchored.)
"""

from __future__ import annotations

import time

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
