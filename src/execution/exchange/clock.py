"""The exchange's clock as seen from here: an offset measured against `GET time`.

Signed requests carry the exchange's time (v1 `timestamp` in ms, v3 `nonce` in µs), so a
local clock that drifts would get requests rejected (-1021). The offset is measured at
connect and again whenever the exchange says a timestamp was outside its window.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable


class ServerClock:
    """Local time corrected by the measured offset to the server's clock."""

    __slots__ = ("_last_nonce", "offset_ms", "round_trip_ms")

    def __init__(self) -> None:
        self.offset_ms = 0
        self.round_trip_ms = 0
        self._last_nonce = 0

    def now_ms(self) -> int:
        """The server's current time in ms, estimated."""
        return time.time_ns() // 1_000_000 + self.offset_ms

    def next_nonce(self) -> int:
        """Server time in µs, strictly increasing across calls (a v3 nonce is used once)."""
        nonce = time.time_ns() // 1000 + self.offset_ms * 1000
        if nonce <= self._last_nonce:
            nonce = self._last_nonce + 1
        self._last_nonce = nonce
        return nonce

    async def sync(self, fetch_server_time: Callable[[], Awaitable[int]]) -> int:
        """Measure the offset: server time minus the local midpoint of the round trip."""
        before = time.time_ns()
        server_ms = await fetch_server_time()
        after = time.time_ns()
        midpoint_ms = (before + after) // 2 // 1_000_000
        self.offset_ms = server_ms - midpoint_ms
        self.round_trip_ms = (after - before) // 1_000_000
        return self.offset_ms
