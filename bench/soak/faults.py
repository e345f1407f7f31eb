"""What the soak does to the exchange, the driver's disk and clock while the driver works.

`FaultInjector` injects one fault at a time at random intervals (every enabled kind once
first, then by weight) and undoes the lasting ones (an endpoint down, a clock step, a full
disk) after a while. Faults on the exchange go through the simulator's fault controller;
the others (the client's clock, the store's disk, a second process on the account) through
the `FaultHost` the supervisor provides. The prices move in `bench.soak.market`.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import time
from collections import Counter
from collections.abc import Callable, Iterable
from typing import Protocol

from bench.soak.config import FAULT_SPACING, FAULT_WEIGHTS, FaultKind
from bench.soak.gateway import restart_gateway
from bench.soak.tags import Hit, RequestTagger
from execution.simulator import SimulatedExchange

# Faults that wait for the next matching request.
_REQUEST_FAULTS = frozenset({
    FaultKind.LOST_ORDER_RESPONSE, FaultKind.LOST_CANCEL_RESPONSE, FaultKind.SERVER_ERROR,
    FaultKind.STATUS_UNKNOWN_EXECUTED, FaultKind.STATUS_UNKNOWN_NOT_EXECUTED,
    FaultKind.RATE_LIMIT_BURST, FaultKind.LATE_EXECUTION, FaultKind.BAN_WHILE_UNKNOWN,
})
# Faults that take an endpoint down: one at a time.
_ENDPOINT_FAULTS = frozenset({FaultKind.PRIMARY_DOWN, FaultKind.EXCHANGE_RESTART})
# Faults timed on the server's clock (a ban) and the server clock step exclude each other.
_BANS = frozenset({FaultKind.IP_BAN, FaultKind.BAN_WHILE_UNKNOWN})

LATE_EXECUTION_MS = (300, 10_000)
CLIENT_CLOCK_STEP_MS = (30_000, 3_600_000)


class FaultHost(Protocol):
    """What the supervisor does for the faults that are not the exchange's."""

    def step_client_clock(self, step_ms: int, hold: float) -> bool:
        """Step the running driver's clock by `step_ms` for `hold` seconds (False: no
        driver is ready)."""

    def fill_disk(self, hold: float) -> bool:
        """Fill the store's disk for `hold` seconds (False: cannot now)."""

    def run_second_process(self, duration: float) -> bool:
        """Start the second trader for `duration` seconds (False: one is running)."""


def ban_every_client(sim: SimulatedExchange, seconds: int) -> bool:
    """Put every client address the simulator has seen under a 418 ban for `seconds`, as
    its rate limiter does to a client that keeps sending after a 429 (answers then carry
    `Retry-After`). Returns False when no client has been seen yet."""
    return sim.ban_clients(seconds) > 0


class FaultInjector:
    """Injects faults of `kinds` into `sim` until stopped; `counts` holds what was
    injected, `late_until` the monotonic time by which every late execution has happened."""

    def __init__(
        self, sim: SimulatedExchange, rng: random.Random, *, interval: float, ban_seconds: int,
        kinds: Iterable[FaultKind], host: FaultHost, tagger: RequestTagger,
    ) -> None:
        self.sim = sim
        self.rng = rng
        self.interval = interval
        self.ban_seconds = ban_seconds
        self.kinds = frozenset(kinds)
        self.host = host
        self.tagger = tagger
        self.counts: Counter[FaultKind] = Counter()
        self.gateway_restarts: Counter[str] = Counter()  # native / approximated
        self.late_until = 0.0
        self.timeline: list[tuple[float, FaultKind]] = []  # (monotonic time, kind)
        self.failures: list[str] = []  # injections that raised
        self.attempts: Counter[FaultKind] = Counter()  # tried, fitting or not
        self._first_round = [kind for kind in FaultKind if kind in self.kinds]
        rng.shuffle(self._first_round)
        self._task: asyncio.Task[None] | None = None
        self._restores: set[asyncio.Task[None]] = set()
        self._endpoints_busy = False
        self._last: dict[FaultKind, float] = {}
        self._banned_until = 0.0
        self._pending_late_ms = LATE_EXECUTION_MS[1]
        tagger.on_hit = self._on_hit

    @property
    def every_kind_injected(self) -> bool:
        """True once each enabled fault kind has been injected at least once."""
        return not self._first_round

    @property
    def pending_kinds(self) -> list[FaultKind]:
        return list(self._first_round)

    def start(self) -> None:
        if self.kinds:
            self._task = asyncio.create_task(self._run(), name="soak-faults")

    async def stop(self) -> None:
        """Stop injecting and undo every exchange fault still in force (a late execution
        already accepted still happens: see `late_until`)."""
        if self._task is not None:
            if self._task.done():
                self.failures.append(f"the injector ended early: {self._task!r}")
                if not self._task.cancelled() and self._task.exception() is not None:
                    self.failures.append(repr(self._task.exception()))
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
            self._task = None
        for task in list(self._restores):
            task.cancel()
        self.sim.faults.reset()
        self._endpoints_busy = False
        self.sim.lift_bans()

    def _next_kind(self) -> FaultKind | None:
        """The next kind to try; None when every enabled kind is within its spacing."""
        if self._first_round:
            return self._first_round.pop()
        now = time.monotonic()
        kinds = [
            kind for kind in FAULT_WEIGHTS
            if kind in self.kinds
            and now - self._last.get(kind, -1e9) >= FAULT_SPACING.get(kind, 0.0)
        ]
        if not kinds:
            return None
        return self.rng.choices(kinds, [FAULT_WEIGHTS[k] for k in kinds])[0]

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.rng.expovariate(1.0 / self.interval))
            first_round = bool(self._first_round)
            kind = self._next_kind()
            if kind is None:
                continue
            try:
                injected = self.inject(kind)
            except Exception as exc:  # a broken injection must not end the faults
                self.failures.append(f"{kind.name}: {type(exc).__name__}: {exc}")
                injected = False
            if not injected and first_round:
                self._first_round.insert(0, kind)  # every kind once: try it again later

    def _later(self, delay: float, action: Callable[[], None]) -> None:
        async def run() -> None:
            await asyncio.sleep(delay)
            action()

        task = asyncio.create_task(run())
        self._restores.add(task)
        task.add_done_callback(self._restores.discard)

    def _fits(self, kind: FaultKind) -> bool:
        faults = self.sim.faults
        if kind in _REQUEST_FAULTS and faults.active:
            return False  # the previous one still waits for a request: no pile-up
        if kind in _BANS and faults.clock_skew_ms:
            return False  # a ban is timed on the skewed clock: it would outlast the skew
        if kind is FaultKind.CLOCK_SKEW_JUMP and self._banned_until > time.monotonic():
            return False
        if kind is FaultKind.SLOW_EXCHANGE and faults.latency_ms:
            return False
        return not (kind in _ENDPOINT_FAULTS and self._endpoints_busy)

    def inject(self, kind: FaultKind) -> bool:
        """Inject one fault of `kind`; False when it does not fit the moment (skipped)."""
        self.attempts[kind] += 1
        if kind not in self.kinds or not self._fits(kind) or not self._apply(kind):
            return False
        if kind in self._first_round:
            self._first_round.remove(kind)
        self.counts[kind] += 1
        self._last[kind] = time.monotonic()
        self.timeline.append((self._last[kind], kind))
        return True

    def _apply(self, kind: FaultKind) -> bool:
        faults = self.sim.faults
        rng = self.rng
        if kind in _REQUEST_FAULTS:
            self.tagger.arm(kind)
        if kind is FaultKind.LOST_ORDER_RESPONSE:
            faults.drop_responses(1, path="order", method="POST")
        elif kind is FaultKind.LOST_CANCEL_RESPONSE:
            faults.drop_responses(1, path="order", method="DELETE")
        elif kind is FaultKind.SERVER_ERROR:
            status = rng.choice((500, 502, 504))
            code = {500: -1000, 502: -1001, 504: -1007}[status]
            faults.fail_requests(1, status=status, code=code, execute=False)
        elif kind is FaultKind.STATUS_UNKNOWN_EXECUTED:
            faults.fail_requests(1, status=503, code=-1007, execute=True, path="order",
                                 method="POST")
        elif kind is FaultKind.STATUS_UNKNOWN_NOT_EXECUTED:
            faults.fail_requests(1, status=503, code=-1007, execute=False, path="order",
                                 method="POST")
        elif kind is FaultKind.LATE_EXECUTION:
            self._late_order(*LATE_EXECUTION_MS)
        elif kind is FaultKind.BAN_WHILE_UNKNOWN:
            self._late_order(1_000, 3_000)  # the 429 and the ban follow the hit (_on_hit)
        elif kind is FaultKind.RATE_LIMIT_BURST:
            faults.fail_requests(rng.randint(2, 4), status=429, code=-1003, execute=False)
        elif kind is FaultKind.IP_BAN:
            return self._ban()
        elif kind is FaultKind.CLOCK_SKEW_JUMP:
            # A step of the server's clock away from real time, then (later) back.
            faults.clock_skew_ms = rng.choice((-1, 1)) * rng.randint(6_000, 20_000)
            self._later(rng.uniform(0.5, 3.0), self._unskew)
        elif kind is FaultKind.PRIMARY_DOWN:
            self._endpoints_busy = True
            faults.set_endpoint_down(0, True)
            self._later(rng.uniform(1.0, 3.0), self._primary_up)
        elif kind is FaultKind.EXCHANGE_RESTART:
            self._restart_gateway()
        elif kind is FaultKind.WEBSOCKET_DROP:
            faults.drop_websockets()
        elif kind is FaultKind.CLIENT_CLOCK_STEP:
            low, high = CLIENT_CLOCK_STEP_MS
            step = rng.choice((-1, 1)) * rng.randint(low, high)
            return self.host.step_client_clock(step, rng.uniform(1.0, 4.0))
        elif kind is FaultKind.DISK_FULL:
            return self.host.fill_disk(rng.uniform(0.5, 3.0))
        elif kind is FaultKind.SECOND_PROCESS:
            return self.host.run_second_process(rng.uniform(3.0, 8.0))
        elif kind is FaultKind.SLOW_EXCHANGE:
            faults.latency_ms = rng.randint(150, 400)
            self._later(rng.uniform(0.5, 3.0), self._fast_again)
        return True

    def _fast_again(self) -> None:
        self.sim.faults.latency_ms = 0

    def _late_order(self, low_ms: int, high_ms: int) -> None:
        delay_ms = self.rng.randint(low_ms, high_ms)
        self.sim.faults.fail_requests(1, status=503, code=-1007, execute=True,
                                      execute_after_ms=delay_ms, path="order", method="POST")
        self._pending_late_ms = delay_ms  # `late_until` is set when a request takes it

    def _on_hit(self, hit: Hit) -> None:
        if hit.kind in (FaultKind.LATE_EXECUTION, FaultKind.BAN_WHILE_UNKNOWN):
            delay = self._pending_late_ms / 1000
            self.late_until = max(self.late_until, time.monotonic() + delay)
        if hit.kind is FaultKind.BAN_WHILE_UNKNOWN:
            # while the client settles the unknown outcome: 429s, then a 418 ban
            self.sim.faults.fail_requests(2, status=429, code=-1003, execute=False)
            self._later(0.15, self._ban_quietly)

    def _ban(self) -> bool:
        if not ban_every_client(self.sim, self.ban_seconds):
            return False
        self._banned_until = time.monotonic() + self.ban_seconds
        return True

    def _ban_quietly(self) -> None:
        if not self.sim.faults.clock_skew_ms:
            self._ban()

    def _restart_gateway(self) -> None:
        self._endpoints_busy = True
        how = restart_gateway(self.sim, self.rng.uniform(0.3, 2.0), self._later)
        self.gateway_restarts[how] += 1
        self._later(2.5, self._endpoints_free)

    def _endpoints_free(self) -> None:
        self._endpoints_busy = False

    def _unskew(self) -> None:
        self.sim.faults.clock_skew_ms = 0

    def _primary_up(self) -> None:
        self.sim.faults.set_endpoint_down(0, False)
        self._endpoints_busy = False
