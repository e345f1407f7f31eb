"""The dead man's switch: the exchange cancels a symbol's orders if this process goes quiet.

While the manager runs, every symbol it trades (an open order, or a position) is armed
with `countdownCancelAll`: a heartbeat every `heartbeat` seconds renews a countdown of
`countdown` seconds. Should the process hang, crash or lose the network for longer, the
exchange cancels every open order of the symbol, so nothing it left working can fill
unattended. That also cancels the protective stops; when the manager reaches the exchange
again after a gap longer than the countdown, the switch has fired: it says so and runs the
protection audit with `on_fired` (by default REARM: a reduce-only stop is placed again for
every position left without one, per leg in hedge mode: the countdown is the symbol's, the
re-armed stops are each leg's; FLATTEN closes them). A clean stop disarms (countdown 0).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from execution.coercion import to_enum, to_seconds
from execution.errors import ExecutionError, ValidationError
from execution.orders.core import ManagerCore
from execution.orders.protection import ProtectionPolicy, ProtectionReport
from execution.tasks import cancel_and_wait

logger = logging.getLogger(__name__)

Audit = Callable[[ProtectionPolicy], Awaitable[ProtectionReport]]


@dataclass(frozen=True, slots=True)
class DeadmanConfig:
    """`countdown`: seconds of silence after which the exchange cancels (the docs' example:
    120); `heartbeat`: seconds between renewals (30), well below the countdown;
    `on_fired`: what the protection audit does after the switch fired ("rearm",
    "flatten" or "report")."""

    countdown: float = 120.0
    heartbeat: float = 30.0
    on_fired: ProtectionPolicy | str = ProtectionPolicy.REARM

    def __post_init__(self) -> None:
        countdown = to_seconds(self.countdown, "countdown")
        heartbeat = to_seconds(self.heartbeat, "heartbeat")
        if heartbeat * 2 > countdown:
            raise ValidationError("heartbeat", heartbeat,
                                  f"must be at most half the countdown {countdown} s")
        object.__setattr__(self, "countdown", countdown)
        object.__setattr__(self, "heartbeat", heartbeat)
        object.__setattr__(self, "on_fired", to_enum(ProtectionPolicy, self.on_fired,
                                                     "on_fired"))

    @property
    def policy(self) -> ProtectionPolicy:
        assert isinstance(self.on_fired, ProtectionPolicy)
        return self.on_fired


class DeadMansSwitch:
    """Arms, renews and disarms the countdowns of the symbols the manager trades."""

    def __init__(self, core: ManagerCore, config: DeadmanConfig, audit: Audit) -> None:
        self._core = core
        self.config = config
        self._audit = audit
        self._renewed: dict[str, int] = {}  # symbol -> when (ms) its countdown was renewed
        self._task: asyncio.Task[None] | None = None
        self.fired: list[str] = []  # symbols whose countdown ran out while away

    @property
    def armed(self) -> list[str]:
        """The symbols whose countdown is armed."""
        return sorted(self._renewed)

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.ensure_future(self._run())

    async def stop(self) -> None:
        """Stop the heartbeat and disarm every symbol (best effort: a failure is logged)."""
        task, self._task = self._task, None
        await cancel_and_wait(task)
        for symbol in list(self._renewed):
            await self._send(symbol, 0)
        self._renewed.clear()

    async def _run(self) -> None:
        while True:
            try:
                await self.beat()
            except Exception:  # the heartbeat must survive anything one beat meets
                logger.exception("dead man's switch: heartbeat failed")
            await self._core.clock.sleep(self.config.heartbeat)

    def _traded(self) -> set[str]:
        core = self._core
        symbols = set(core.registry.symbols_with_open_orders())
        symbols.update(p.symbol for p in core.positions.legs())  # either leg, hedge mode
        return symbols

    async def beat(self) -> None:
        """One heartbeat: renew every traded symbol, disarm the ones no longer traded, and
        act when a countdown ran out since the last renewal."""
        core = self._core
        countdown_ms = int(self.config.countdown * 1000)
        fired: list[str] = []
        for symbol in sorted(self._traded()):
            before = self._renewed.get(symbol)
            if not await self._send(symbol, countdown_ms):
                continue
            now = core.now_ms()
            if before is not None and now - before >= countdown_ms:
                fired.append(symbol)
            self._renewed[symbol] = now
        for symbol in set(self._renewed) - self._traded():
            if await self._send(symbol, 0):
                del self._renewed[symbol]
        if fired:
            self.fired.extend(fired)
            logger.error("dead man's switch fired on %s (no heartbeat for %s s or more): the "
                         "exchange cancelled their orders; protection audit: %s",
                         ", ".join(fired), self.config.countdown, self.config.policy.value)
            await self._audit(self.config.policy)

    async def _send(self, symbol: str, countdown_ms: int) -> bool:
        try:
            await self._core.exchange.countdown_cancel_all(symbol, countdown_ms)
        except ExecutionError as exc:
            logger.warning("dead man's switch: %s countdown %s ms not sent: %s", symbol,
                           countdown_ms, exc)
            return False
        return True
