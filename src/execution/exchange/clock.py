"""The exchange's clock as seen from here, measured against `GET time`.

Signed requests carry the exchange's time (v1 `timestamp` in ms, v3 `nonce` in µs). The
estimate is anchored on the monotonic clock at each sync (server time at the sync plus the
monotonic time elapsed since), so a step of the local wall clock (NTP, a suspended VM, an
operator) changes nothing; before the first sync it falls back to the wall clock.

v3 nonces follow that estimate, strictly increasing while the clock is right. A nonce the
exchange refused as out of its window (-4225) or a timestamp it refused (-1021) triggers a
resync with `rebase=True`: the strictly-increasing floor drops back to the corrected clock
(otherwise one step of either clock would pin every later nonce in the future), and a small
set of recently issued nonces makes sure a re-based nonce is never one already issued.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable

from execution.errors import ValidationError

logger = logging.getLogger(__name__)

# Nonces issued within this long are never issued again, even after a re-base: more than
# the venue remembers (the v3 doc: the last 100 per user; a later revision: every nonce
# within ±60 s per signer). The count is capped to bound memory at extreme request rates.
RECENT_NONCE_NS = 120 * 10**9
# Processes on one user take nonce slots: a nonce's value modulo this is its slot.
NONCE_SLOTS = 100
RECENT_NONCES_MAX = 100_000
DEFAULT_RESYNC_INTERVAL = 300.0  # seconds: bounds the drift of the monotonic clock


class ServerClock:
    """The server's time estimated from the last sync; v3 nonces from it.

    `wall_ns` and `monotonic_ns` are the time sources (replaceable at runtime, for tests
    and fault soaks that step the local clock).
    """

    __slots__ = (
        "_anchor_mono_ns",
        "_anchor_server_us",
        "_issued",
        "_issued_set",
        "_last_nonce",
        "monotonic_ns",
        "nonce_slot",
        "offset_ms",
        "round_trip_ms",
        "synced",
        "syncs",
        "wall_ns",
    )

    def __init__(
        self,
        wall_ns: Callable[[], int] = time.time_ns,
        monotonic_ns: Callable[[], int] = time.monotonic_ns,
        nonce_slot: int | None = None,
    ) -> None:
        if nonce_slot is not None and (
            isinstance(nonce_slot, bool) or not isinstance(nonce_slot, int)
            or not 0 <= nonce_slot < NONCE_SLOTS
        ):
            raise ValidationError("nonce_slot", nonce_slot,
                                  f"a whole number from 0 to {NONCE_SLOTS - 1}, or None")
        self.nonce_slot = nonce_slot
        self.wall_ns = wall_ns
        self.monotonic_ns = monotonic_ns
        self.offset_ms = 0  # server minus local wall clock, as measured at the last sync
        self.round_trip_ms = 0
        self.synced = False
        self.syncs = 0
        self._anchor_server_us = 0
        self._anchor_mono_ns = 0
        self._last_nonce = 0
        self._issued: deque[tuple[int, int]] = deque()  # (monotonic ns, nonce)
        self._issued_set: set[int] = set()

    def now_us(self) -> int:
        """The server's current time in µs, estimated."""
        if not self.synced:
            return self.wall_ns() // 1000 + self.offset_ms * 1000
        return self._anchor_server_us + (self.monotonic_ns() - self._anchor_mono_ns) // 1000

    def now_ms(self) -> int:
        """The server's current time in ms, estimated."""
        return self.now_us() // 1000

    def next_nonce(self) -> int:
        """Server time in µs, above every nonce issued since the last re-base and never
        one of the recently issued ones (a v3 nonce is used once per user). With a
        `nonce_slot`, every nonce ends in that slot (its value modulo `NONCE_SLOTS`): the
        processes sharing one user (and signer) each take their own slot and can never
        issue the same nonce, however close their clocks."""
        nonce = self.now_us()
        step = 1 if self.nonce_slot is None else NONCE_SLOTS
        if self.nonce_slot is not None:
            nonce += (self.nonce_slot - nonce) % NONCE_SLOTS  # the next µs in the slot
        if nonce <= self._last_nonce:
            nonce = self._last_nonce + step
        issued = self._issued_set
        while nonce in issued:
            nonce += step
        self._last_nonce = nonce
        now = self.monotonic_ns()
        recent = self._issued
        recent.append((now, nonce))
        issued.add(nonce)
        horizon = now - RECENT_NONCE_NS
        while recent and (recent[0][0] < horizon or len(recent) > RECENT_NONCES_MAX):
            issued.discard(recent.popleft()[1])
        return nonce

    def rebase(self) -> None:
        """Drop the nonce floor back to the (corrected) clock; recent nonces stay excluded."""
        self._last_nonce = 0

    async def sync(
        self, fetch_server_time: Callable[[], Awaitable[int]], *, rebase: bool = False
    ) -> int:
        """Measure the server's time; returns the offset to the local wall clock in ms
        (informational).

        The reading is anchored at the end of the round trip: the server read its clock
        before that moment, so the estimate is never ahead of the server (the strictest
        reading of the v3 doc, "if it exceeds the system time or lags behind it by more
        than 10 seconds, the request is considered invalid"), and behind by at most the
        round trip. v1 accepts 5 s behind (recvWindow), v3 10 s.
        """
        mono_before = self.monotonic_ns()
        server_ms = await fetch_server_time()
        mono_after = self.monotonic_ns()
        self._anchor_server_us = server_ms * 1000
        self._anchor_mono_ns = mono_after
        self.synced = True
        self.syncs += 1
        self.round_trip_ms = (mono_after - mono_before) // 1_000_000
        self.offset_ms = server_ms - self.wall_ns() // 1_000_000
        if rebase:
            self.rebase()
        return self.offset_ms

    async def keep_synced(
        self,
        fetch_server_time: Callable[[], Awaitable[int]],
        interval: float = DEFAULT_RESYNC_INTERVAL,
        *,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        """Resync every `interval` seconds (waited with `sleep`: the client's clock) until
        cancelled (run it as a task); a failed sync is logged and tried again at the next
        interval."""
        while True:
            await sleep(interval)
            try:
                await self.sync(fetch_server_time)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # the next request's -1021/-4225 resyncs anyway
                logger.warning("periodic clock sync failed: %s", type(exc).__name__)
