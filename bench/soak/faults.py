"""What the soak does to the exchange while the driver works: faults and a moving market.

`FaultInjector` injects one fault at a time at random intervals (every kind once first, then
by weight) and undoes the lasting ones (an endpoint down, a clock skew) after a while.
`MarketMover` walks the prices (so stops and take-profits trigger) and lets a counterparty
fill resting limit orders, in part or in full.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import time
from collections import Counter
from decimal import ROUND_DOWN, Decimal
from typing import Any

from bench.soak.config import FAULT_SPACING, FAULT_WEIGHTS, SYMBOLS, FaultKind
from execution.simulator import SimulatedExchange
from execution.simulator.api import ApiError

TICK: dict[str, Decimal] = {
    "BTCUSDT": Decimal("0.1"), "ETHUSDT": Decimal("0.01"), "SOLUSDT": Decimal("0.01")
}
STEP: dict[str, Decimal] = {
    "BTCUSDT": Decimal("0.001"), "ETHUSDT": Decimal("0.001"), "SOLUSDT": Decimal("0.01")
}


# Faults that wait for the next matching request.
_REQUEST_FAULTS = frozenset({
    FaultKind.LOST_ORDER_RESPONSE, FaultKind.LOST_CANCEL_RESPONSE, FaultKind.SERVER_ERROR,
    FaultKind.STATUS_UNKNOWN_EXECUTED, FaultKind.STATUS_UNKNOWN_NOT_EXECUTED,
    FaultKind.RATE_LIMIT_BURST,
})


def ban_every_client(sim: SimulatedExchange, seconds: int) -> bool:
    """Put every client address the simulator has seen under a 418 ban for `seconds`, as
    its rate limiter does to a client that keeps sending after a 429 (answers then carry
    `Retry-After`). Returns False when no client has been seen yet."""
    return sim.ban_clients(seconds) > 0


class FaultInjector:
    """Injects faults into `sim` until stopped; `counts` holds what was injected."""

    def __init__(
        self, sim: SimulatedExchange, rng: random.Random, *, interval: float, ban_seconds: int
    ) -> None:
        self.sim = sim
        self.rng = rng
        self.interval = interval
        self.ban_seconds = ban_seconds
        self.counts: Counter[FaultKind] = Counter()
        self._first_round = list(FaultKind)
        rng.shuffle(self._first_round)
        self._task: asyncio.Task[None] | None = None
        self._restores: set[asyncio.Task[None]] = set()
        self._primary_down = False
        self._last: dict[FaultKind, float] = {}
        self._banned_until = 0.0

    @property
    def every_kind_injected(self) -> bool:
        """True once each fault kind has been injected at least once."""
        return not self._first_round

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="soak-faults")

    async def stop(self) -> None:
        """Stop injecting and undo every fault still in force."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        for task in list(self._restores):
            task.cancel()
        self.sim.faults.reset()
        self._primary_down = False
        self.sim.lift_bans()

    def _next_kind(self) -> FaultKind:
        if self._first_round:
            return self._first_round.pop()
        now = time.monotonic()
        kinds = [
            kind for kind in FAULT_WEIGHTS
            if now - self._last.get(kind, -1e9) >= FAULT_SPACING.get(kind, 0.0)
        ]
        return self.rng.choices(kinds, [FAULT_WEIGHTS[k] for k in kinds])[0]

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.rng.expovariate(1.0 / self.interval))
            first_round = bool(self._first_round)
            kind = self._next_kind()
            if not self.inject(kind) and first_round:
                self._first_round.insert(0, kind)  # every kind once: try it again later

    def _later(self, delay: float, action: Any) -> None:
        async def run() -> None:
            await asyncio.sleep(delay)
            action()

        task = asyncio.create_task(run())
        self._restores.add(task)
        task.add_done_callback(self._restores.discard)

    def inject(self, kind: FaultKind) -> bool:
        """Inject one fault of `kind`; False when it does not fit the moment (skipped)."""
        faults = self.sim.faults
        rng = self.rng
        if kind in _REQUEST_FAULTS and faults.active:
            return False  # the previous one still waits for a request: no pile-up
        if kind is FaultKind.IP_BAN and faults.clock_skew_ms:
            return False  # a ban is timed on the skewed clock: it would outlast the skew
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
        elif kind is FaultKind.RATE_LIMIT_BURST:
            faults.fail_requests(rng.randint(2, 4), status=429, code=-1003, execute=False)
        elif kind is FaultKind.IP_BAN:
            if not ban_every_client(self.sim, self.ban_seconds):
                return False
            self._banned_until = time.monotonic() + self.ban_seconds
        elif kind is FaultKind.CLOCK_SKEW_JUMP:
            if self._banned_until > time.monotonic():
                return False
            # A jump away from the exchange's clock, then (later) back: two jumps.
            faults.clock_skew_ms = rng.choice((-1, 1)) * rng.randint(6_000, 20_000)
            self._later(rng.uniform(0.5, 3.0), self._unskew)
        elif kind is FaultKind.PRIMARY_DOWN:
            if self._primary_down:
                return False
            self._primary_down = True
            faults.set_endpoint_down(0, True)
            self._later(rng.uniform(1.0, 3.0), self._primary_up)
        elif kind is FaultKind.WEBSOCKET_DROP:
            faults.drop_websockets()
        self.counts[kind] += 1
        self._last[kind] = time.monotonic()
        return True

    def _unskew(self) -> None:
        self.sim.faults.clock_skew_ms = 0

    def _primary_up(self) -> None:
        self.sim.faults.set_endpoint_down(0, False)
        self._primary_down = False


def _round_to(value: Decimal, unit: Decimal) -> Decimal:
    return (value / unit).to_integral_value(ROUND_DOWN) * unit


class MarketMover:
    """Random-walks prices around their start and fills resting limit orders."""

    def __init__(self, sim: SimulatedExchange, rng: random.Random, *, period: float = 0.1,
                 fill_probability: float = 0.5) -> None:
        self.sim = sim
        self.rng = rng
        self.period = period
        self.fill_probability = fill_probability
        self.start_prices = {s: sim.mark_price(s) for s in SYMBOLS}
        self.prices = dict(self.start_prices)
        self.fills = 0
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="soak-market")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.period)
            self.tick()

    def tick(self) -> None:
        for symbol in SYMBOLS:
            start, price = self.start_prices[symbol], self.prices[symbol]
            move = Decimal(str(round(self.rng.gauss(0.0, 0.0015), 6)))
            price = price * (1 + move) + (start - price) * Decimal("0.03")
            price = max(_round_to(price, TICK[symbol]), TICK[symbol])
            self.prices[symbol] = price
            self.sim.set_price(symbol, price)
        if self.rng.random() < self.fill_probability:
            self._fill_one()

    def _fill_one(self) -> None:
        account_id = self.sim.account.account_id
        resting = [
            o for o in self.sim.engine.private(account_id, "GET", "openOrders", {})
            if o.get("type") == "LIMIT"
        ]
        if not resting:
            return
        order = self.rng.choice(resting)
        symbol = order["symbol"]
        remaining = Decimal(order["origQty"]) - Decimal(order["executedQty"])
        quantity = remaining
        if self.rng.random() < 0.5:
            quantity = _round_to(remaining / 2, STEP[symbol]) or remaining
        with contextlib.suppress(ApiError):
            self.sim.fill_order(symbol, order_id=int(order["orderId"]), quantity=quantity)
            self.fills += 1
