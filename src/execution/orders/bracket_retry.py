"""`SyncRetries`: a bracket's sync that a passing fault stopped is tried again.

A sync that fails (a ban, a rate limit, the network: its exits not placed, so the position
is naked) or that leaves a finished bracket with a leg still working (the other exit's
cancel failed: it stays live and could close some other position on the symbol) would
otherwise wait for the next event of that bracket, which may never come. It is run again
after a back-off on the manager's clock (1, 2, 4, ... s, at most 30 s), until a sync
leaves nothing undone; stopping the manager cancels what is still waiting.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from execution.timekeeping import Clock

RETRY_FIRST = 1.0  # s before the first retry of a bracket's sync, doubling up to RETRY_LAST
RETRY_LAST = 30.0


class SyncRetries:
    """Retries, by bracket id, on `clock`; `run(bracket_id)` starts the sync again."""

    def __init__(self, clock: Clock, run: Callable[[str], None]) -> None:
        self._clock = clock
        self._run = run
        self._delays: dict[str, float] = {}  # the next back-off of a bracket retried
        self._waiting: dict[str, asyncio.Task[None]] = {}
        self.stopped = False

    def done(self, bracket_id: str) -> None:
        """The bracket's sync left nothing undone: its back-off starts over."""
        self._delays.pop(bracket_id, None)

    def again(self, bracket_id: str) -> None:
        """Run the bracket's sync again after its back-off (once, however often asked)."""
        if self.stopped or bracket_id in self._waiting:
            return
        delay = self._delays.get(bracket_id, RETRY_FIRST)
        self._delays[bracket_id] = min(delay * 2, RETRY_LAST)
        self._waiting[bracket_id] = asyncio.ensure_future(self._later(bracket_id, delay))

    async def _later(self, bracket_id: str, delay: float) -> None:
        try:
            await self._clock.sleep(delay)
        finally:
            self._waiting.pop(bracket_id, None)
        if not self.stopped:
            self._run(bracket_id)

    async def stop(self) -> None:
        """Cancel every retry still waiting; none is started from now on."""
        self.stopped = True
        waiting, self._waiting = list(self._waiting.values()), {}
        for task in waiting:
            task.cancel()
        await asyncio.gather(*waiting, return_exceptions=True)
