"""How long a bracketed position was without a live stop, seen from the exchange.

Every `interval` seconds `StopWatch` reads the simulator's position on the bracket symbol
(where the driver trades brackets only, so every position there came from a bracket entry)
and its open reduce-only stop orders. A gap starts when the position is not zero and no
live stop closes it (a STOP/STOP_MARKET on the closing side, reduce-only or close-position)
and ends when one appears or the position is flat. The longest gap is reported, with the
longest of those that began while a driver was up (the others began while the driver was
dead: an entry filled between two lives), and that per scheme of the driver up: v3 lives
place native brackets (exits held by the exchange), v1 lives emulated ones.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from bench.soak.background import Background
from bench.soak.config import BRACKET_SYMBOL
from execution.simulator import SimulatedExchange

ZERO = Decimal(0)
_STOP_TYPES = frozenset({"STOP", "STOP_MARKET"})


@dataclass(frozen=True, slots=True)
class ProtectionState:
    position: Decimal
    stops: int  # live stops on the closing side
    stop_quantity: Decimal

    @property
    def unprotected(self) -> bool:
        return self.position != 0 and self.stops == 0

    @property
    def under_covered(self) -> bool:
        """Stops live, but for less than the position."""
        return self.position != 0 and self.stop_quantity < abs(self.position)


def protection(sim: SimulatedExchange, symbol: str = BRACKET_SYMBOL) -> ProtectionState:
    """The account's position on `symbol` and the live stops that would close it."""
    engine, account_id = sim.engine, sim.account.account_id
    position = ZERO
    for raw in engine.private(account_id, "GET", "positionRisk", {"symbol": symbol}):
        if raw.get("symbol") == symbol:
            position += Decimal(raw["positionAmt"])
    closing = "SELL" if position > 0 else "BUY"
    stops: list[dict[str, Any]] = [
        o for o in engine.private(account_id, "GET", "openOrders", {"symbol": symbol})
        if o.get("type") in _STOP_TYPES and o.get("side") == closing
        and (o.get("reduceOnly") in (True, "true") or o.get("closePosition") in (True, "true"))
    ]
    quantity = sum((Decimal(o["origQty"]) - Decimal(o["executedQty"]) for o in stops), ZERO)
    return ProtectionState(position, len(stops), quantity)


class StopWatch(Background):
    """Samples the bracket symbol's protection until stopped (see the module docstring)."""

    task_name = "soak-stopwatch"

    def __init__(self, sim: SimulatedExchange, interval: float,
                 driver_up: Callable[[], bool],
                 driver_auth: Callable[[], str | None] = lambda: None) -> None:
        super().__init__()
        self.sim = sim
        self.interval = interval
        self.driver_up = driver_up
        self.driver_auth = driver_auth  # the running life's scheme: v3 brackets are native
        # the longest gap that began while a driver of each scheme was up
        self.longest_by_auth: dict[str, float] = {}
        self._began_auth: str | None = None
        self.samples = 0
        self.unprotected_samples = 0
        self.gaps = 0
        self.longest = 0.0
        self.longest_driver_up = 0.0  # the longest gap that began while a driver was up
        self.total = 0.0
        self.longest_under_covered = 0.0  # stops for less than the position
        self._under_since: float | None = None
        self._since: float | None = None
        self._began_up = False

    async def stop(self) -> None:
        await super().stop()
        self._close(time.monotonic())

    async def _run(self) -> None:
        while True:
            self.sample()
            await asyncio.sleep(self.interval)

    def sample(self) -> None:
        now = time.monotonic()
        state = protection(self.sim)
        self.samples += 1
        if state.under_covered:
            if self._under_since is None:
                self._under_since = now
            self.longest_under_covered = max(self.longest_under_covered,
                                             now - self._under_since)
        else:
            self._under_since = None
        if state.unprotected:
            self.unprotected_samples += 1
            if self._since is None:
                self._since, self._began_up = now, self.driver_up()
                self._began_auth = self.driver_auth() if self._began_up else None
                self.gaps += 1
        else:
            self._close(now)

    def _close(self, now: float) -> None:
        if self._since is None:
            return
        gap = now - self._since
        self.total += gap
        self.longest = max(self.longest, gap)
        if self._began_up:
            self.longest_driver_up = max(self.longest_driver_up, gap)
            auth = self._began_auth or "?"
            self.longest_by_auth[auth] = max(self.longest_by_auth.get(auth, 0.0), gap)
        self._since = None
