"""Runs a soak: the simulator here, the driver in child processes killed at random points.

Life after life, a driver process is started on the same SQLite store; all but the last are
killed with SIGKILL, either while still starting (reconciling) or once the run has driven a
planned number of orders. The last one is asked to finish once `orders` placements have
been driven; then faults and the market stop, the driver settles and reports its manager's
state, and the exchange, that state and the store are compared (`verify`).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import random
import signal
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from bench.soak.config import SoakConfig
from bench.soak.faults import FaultInjector, MarketMover
from bench.soak.report import SoakReport
from bench.soak.verify import verify
from execution.simulator import RateLimitConfig, SimAccount, SimulatedExchange

ROOT = Path(__file__).resolve().parents[2]
MAX_FAILED_LIVES = 10

# Limits far above what the driver needs: rate limiting is injected as faults instead. The
# one-second "minute" keeps the used-weight headers small: a client that adopts them before
# it knows the budgets would otherwise refuse to send after a restart (see the report notes).
GENEROUS_LIMITS: dict[str, int] = dict(
    weight_per_minute=100_000_000, orders_per_10s=10_000_000, orders_per_minute=100_000_000,
    minute_ms=1_000,
)


@dataclass(slots=True)
class Totals:
    """Counts gathered from every driver life."""

    placements: int = 0
    errors: Counter[str] = field(default_factory=Counter)
    unexpected: list[str] = field(default_factory=list)
    last_progress: float = field(default_factory=time.monotonic)


class Life:
    """One driver process and the reading of what it says."""

    def __init__(self, process: asyncio.subprocess.Process, totals: Totals) -> None:
        self.process = process
        self.totals = totals
        self.ready = asyncio.Event()
        self.ready_info: dict[str, Any] = {}
        self.state_path: str | None = None
        self.done = False
        self._reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        stdout = self.process.stdout
        assert stdout is not None
        totals = self.totals
        while True:
            raw = await stdout.readline()
            if not raw:
                return
            line = raw.decode(errors="replace").rstrip("\n")
            totals.last_progress = time.monotonic()
            if line == "PLACED":
                totals.placements += 1
            elif line.startswith("ERROR "):
                totals.errors[line[6:]] += 1
            elif line.startswith("UNEXPECTED "):
                totals.unexpected.append(line[11:])
            elif line.startswith("READY "):
                self.ready_info = json.loads(line[6:])
                self.ready.set()
            elif line.startswith("STATE "):
                self.state_path = line[6:]
            elif line == "DONE":
                self.done = True

    async def kill(self) -> None:
        if self.process.returncode is None:
            self.process.send_signal(signal.SIGKILL)
        await self.wait()

    async def wait(self) -> int:
        code = await self.process.wait()
        with contextlib.suppress(Exception):
            await self._reader
        return code

    @property
    def running(self) -> bool:
        return self.process.returncode is None


class Supervisor:
    def __init__(self, config: SoakConfig, sim: SimulatedExchange, work: Path,
                 progress: Callable[[str], None],
                 ready_to_finish: Callable[[], bool] = lambda: True) -> None:
        self.config = config
        self.ready_to_finish = ready_to_finish
        self.sim = sim
        self.work = work
        self.db = work / "orders.sqlite"
        self.progress = progress
        self.rng = random.Random(config.seed)
        self.totals = Totals()
        self.lives = 0
        self.kills = 0
        self.stalls = 0
        self.crashes = 0
        self.start_attempts = 0
        self.reconciliations: list[str] = []

    async def spawn(self) -> Life:
        self.lives += 1
        account = self.sim.account
        assert account.api_key and account.api_secret
        env = {
            **os.environ,
            "ASTER_API_KEY": account.api_key,
            "ASTER_API_SECRET": account.api_secret,
            "PYTHONPATH": os.pathsep.join(
                p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p
            ),
            "PYTHONUNBUFFERED": "1",
        }
        arguments = [
            sys.executable, "-m", "bench.soak.driver",
            *[a for url in self.sim.rest_urls for a in ("--rest-url", url)],
            "--ws-url", self.sim.ws_url, "--db", str(self.db),
            "--state", str(self.work / "state.json"),
            "--seed", str(self.config.seed * 1000 + self.lives),
            "--concurrency", str(self.config.concurrency),
            "--log", str(self.work / f"driver-{self.lives:03d}.log"),
        ]
        if self.config.verbose:
            arguments.append("--verbose")
        stderr = (self.work / f"driver-{self.lives:03d}.stderr").open("wb")
        try:
            process = await asyncio.create_subprocess_exec(
                *arguments, cwd=str(ROOT), env=env, stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE, stderr=stderr,
            )
        finally:
            stderr.close()
        self.totals.last_progress = time.monotonic()
        return Life(process, self.totals)

    def _kill_plan(self) -> list[float | None]:
        """Per killed life: None (kill while starting) or the placements total to reach."""
        config = self.config
        thresholds = sorted(
            self.rng.uniform(0.05, 0.95) * config.orders for _ in range(config.restarts)
        )
        return [
            None if self.rng.random() < config.startup_kill_share else threshold
            for threshold in thresholds
        ]

    async def _wait_until(self, life: Life, target: float, *, last: bool = False) -> bool:
        """Until `target` placements in total (and, for the last life, until the run is
        ready to finish); False when the life ended or stalled."""
        while self.totals.placements < target or (last and not self.ready_to_finish()):
            if not life.running:
                self.crashes += 1
                self.progress(f"driver {self.lives} exited by itself ({life.process.returncode})")
                return False
            if time.monotonic() - self.totals.last_progress > self.config.stall_timeout:
                self.stalls += 1
                self.progress(f"driver {self.lives} stalled: killing it")
                await life.kill()
                return False
            await asyncio.sleep(0.02)
        return True

    async def run_lives(self) -> Life | None:
        """Every killed life, then the last; returns the last once the run has driven its
        orders (None after too many crashes or stalls)."""
        plan = self._kill_plan()
        while self.crashes + self.stalls <= MAX_FAILED_LIVES:
            life = await self.spawn()
            if self.kills >= len(plan):
                if await self._wait_until(life, self.config.orders, last=True):
                    return life
                continue  # the last life crashed or stalled: start another
            kill_at = plan[self.kills]
            if kill_at is None:
                await asyncio.sleep(self.rng.uniform(0.05, 2.5))
                ready = life.ready.is_set()
                await life.kill()
                self.kills += 1
                self.note_life(life)
                self.progress(f"killed driver {self.lives} while starting (ready: {ready})")
                continue
            if not await self._wait_until(life, kill_at):
                continue  # crashed or stalled: the next life gets this kill
            await asyncio.sleep(self.rng.uniform(0.0, 0.3))
            await life.kill()
            self.kills += 1
            self.note_life(life)
            self.progress(f"killed driver {self.lives} at {self.totals.placements} placements")
        return None

    def note_life(self, life: Life) -> None:
        if life.ready_info:
            self.start_attempts += int(life.ready_info.get("start_attempts", 1))
            self.reconciliations.append(str(life.ready_info.get("reconciliation", "")))


async def run_soak(config: SoakConfig, progress: Callable[[str], None] | None = None
                   ) -> SoakReport:
    """Run one soak and return its report."""
    say = progress or (lambda message: None)
    started = time.monotonic()
    work = Path(config.work_dir) if config.work_dir else Path(tempfile.mkdtemp(prefix="soak-"))
    work.mkdir(parents=True, exist_ok=True)
    account = SimAccount.generate("soak", balances={"USDT": Decimal("1000000")})
    limits = RateLimitConfig(ban_seconds=config.ban_seconds, **GENEROUS_LIMITS)
    async with SimulatedExchange(
        seed=config.seed, accounts=[account], endpoints=2, rate_limits=limits,
        request_log_size=10_000,
    ) as sim:
        rng = random.Random(config.seed + 1)
        injector = FaultInjector(sim, rng, interval=config.fault_interval,
                                 ban_seconds=config.ban_seconds)
        mover = MarketMover(sim, random.Random(config.seed + 2))
        # With faults on, the last life drives on until every fault kind has happened once:
        # a short run must not finish before the rarer faults found a matching request.
        supervisor = Supervisor(
            config, sim, work, say,
            ready_to_finish=(lambda: injector.every_kind_injected) if config.faults
            else (lambda: True),
        )
        mover.start()
        if config.faults:
            injector.start()
        state: dict[str, Any] | None = None
        last: Life | None = None
        try:
            last = await supervisor.run_lives()
        finally:
            await injector.stop()
            await mover.stop()
        if last is not None:
            say(f"{supervisor.totals.placements} placements driven: finishing")
            assert last.process.stdin is not None
            last.process.stdin.write(b"FINISH\n")
            with contextlib.suppress(ConnectionError):
                await last.process.stdin.drain()
            try:
                await asyncio.wait_for(last.wait(), config.finish_timeout)
            except TimeoutError:
                say("the last driver did not finish in time: killing it")
                await last.kill()
            supervisor.note_life(last)
            if last.done and last.state_path:
                text = await asyncio.to_thread(Path(last.state_path).read_text)
                state = json.loads(text)
        verification = await verify(sim, supervisor.db, state)
    return SoakReport(
        config=config,
        placements=supervisor.totals.placements,
        exchange_orders=verification.exchange_orders,
        faults=dict(injector.counts),
        counterparty_fills=mover.fills,
        restarts=supervisor.kills,
        lives=supervisor.lives,
        stalls=supervisor.stalls,
        crashes=supervisor.crashes,
        errors=dict(supervisor.totals.errors),
        unexpected=list(supervisor.totals.unexpected),
        verification=verification,
        wall_seconds=time.monotonic() - started,
        work_dir=str(work),
        finished=state is not None,
    )
