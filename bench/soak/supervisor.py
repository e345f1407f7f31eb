"""Runs a soak: the simulator here, the driver in child processes killed at random points.

Life after life, a driver process is started on the same SQLite store (on a small disk of
its own, `StoreDisk`); all but the last are killed with SIGKILL, either while still
starting (reconciling) or once the run has driven a planned number of orders. Lives
alternate between v1 (HMAC) and v3 (EIP-712) credentials (`--auth`). The last one is asked
to finish once `orders` placements have been driven and every enabled fault kind has been
injected; then faults and the market stop, late executions land, the driver settles and
reports its manager's state, and the exchange, that state and the store are compared
(`verify`). All along, `StopWatch` measures how long the bracket symbol's position was
without a live stop on the exchange.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import random
import sys
import tempfile
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

from bench.soak.config import FaultKind, SoakConfig
from bench.soak.disk import StoreDisk
from bench.soak.faults import FaultInjector
from bench.soak.hedge import hedge_account, hedge_db, hedge_env, set_hedge_mode
from bench.soak.host import SoakHost
from bench.soak.lives import Life, Totals
from bench.soak.market import MarketMover
from bench.soak.report import SoakReport
from bench.soak.stops import StopWatch, protection
from bench.soak.tags import RequestTagger
from bench.soak.verify import verify, verify_hedge
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


def credentials_env(sim: SimulatedExchange, auth: str) -> dict[str, str]:
    """The environment a driver process gets: the account's v1 or v3 credentials only."""
    account = sim.account
    env = {
        k: v for k, v in os.environ.items()
        if not k.startswith(("ASTER_API_", "ASTER_USER", "ASTER_SIGNER", "ASTER_PRIVATE"))
    }
    if auth == "v3":
        assert account.user and account.signer and account.signer_private_key
        env.update(ASTER_USER=account.user, ASTER_SIGNER=account.signer,
                   ASTER_PRIVATE_KEY=account.signer_private_key)
    else:
        assert account.api_key and account.api_secret
        env.update(ASTER_API_KEY=account.api_key, ASTER_API_SECRET=account.api_secret)
    env["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p
    )
    env["PYTHONUNBUFFERED"] = "1"
    return env


class Supervisor:
    def __init__(self, config: SoakConfig, sim: SimulatedExchange, work: Path, db: Path,
                 progress: Callable[[str], None],
                 ready_to_finish: Callable[[], bool] = lambda: True,
                 hedge: SimAccount | None = None) -> None:
        self.config = config
        self.hedge = hedge  # the hedge-mode account each life also trades
        self.ready_to_finish = ready_to_finish
        self.sim = sim
        self.work = work
        self.db = db
        self.progress = progress
        self.rng = random.Random(config.seed)
        self.totals = Totals()
        self.lives = 0
        self.kills = 0
        self.stalls = 0
        self.crashes = 0
        self.start_attempts = 0
        self.reconciliations: list[str] = []
        self.auth_lives: dict[str, int] = {}
        self.current: Life | None = None
        self.injector: FaultInjector | None = None
        self._turns = {"startup": 0, "working": 0}
        self._tasks: set[asyncio.Task[None]] = set()

    def connection_arguments(self) -> list[str]:
        return [
            *[a for url in self.sim.rest_urls for a in ("--rest-url", url)],
            "--ws-url", self.sim.ws_url,
        ]

    def _auth_for(self, startup_kill: bool) -> str:
        """Lives alternate schemes; lives killed while starting alternate on their own, so
        that both schemes get lives that work."""
        schemes = self.config.auth_schemes
        turn = "startup" if startup_kill else "working"
        auth = schemes[self._turns[turn] % len(schemes)]
        self._turns[turn] += 1
        return auth

    async def spawn(self, *, startup_kill: bool = False) -> Life:
        self.lives += 1
        auth = self._auth_for(startup_kill)
        self.auth_lives[auth] = self.auth_lives.get(auth, 0) + 1
        arguments = [
            sys.executable, "-m", "bench.soak.driver", *self.connection_arguments(),
            "--db", str(self.db), "--state", str(self.work / "state.json"),
            "--seed", str(self.config.seed * 1000 + self.lives),
            "--concurrency", str(self.config.concurrency),
            "--log", str(self.work / f"driver-{self.lives:03d}.log"),
        ]
        if self.config.verbose:
            arguments.append("--verbose")
        stderr = (self.work / f"driver-{self.lives:03d}.stderr").open("wb")
        try:
            process = await asyncio.create_subprocess_exec(
                *arguments, cwd=str(ROOT), env=credentials_env(self.sim, auth) | (
                    hedge_env(self.hedge, auth) if self.hedge else {}),
                stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=stderr,
            )
        finally:
            stderr.close()
        self.totals.last_progress = time.monotonic()
        life = Life(process, self.totals, auth, self.lives)
        self.current = life
        task = asyncio.create_task(self._on_ready(life))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return life

    async def _on_ready(self, life: Life) -> None:
        """A life that is up gets a client clock step at once if its scheme has had none:
        every run steps the clock under both schemes it runs."""
        await life.ready.wait()
        injector = self.injector
        if injector is None or FaultKind.CLIENT_CLOCK_STEP not in injector.kinds:
            return
        host = injector.host
        stepped = getattr(host, "stepped_auths", lambda: set())()
        if life.auth not in stepped:
            injector.inject(FaultKind.CLIENT_CLOCK_STEP)

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

    def _needs_other_scheme(self, life: Life) -> bool:
        """The last life runs under a scheme whose client clock step is done while the other
        scheme still lacks one (its earlier lives were all killed while starting)."""
        injector = self.injector
        if injector is None or FaultKind.CLIENT_CLOCK_STEP not in injector.kinds:
            return False
        stepped = getattr(injector.host, "stepped_auths", lambda: set())()
        missing = set(self.config.auth_schemes) - stepped
        return life.auth in stepped and bool(missing)

    async def _wait_until(self, life: Life, target: float, *, last: bool = False) -> bool:
        """Until `target` placements in total (and, for the last life, until the run is
        ready to finish); False when the life ended or stalled."""
        while True:
            done = self.totals.placements >= target and (not last or self.ready_to_finish())
            if done and last and self._needs_other_scheme(life):
                self.progress(f"driver {self.lives}: handing over to the other auth scheme")
                await life.kill()
                self.kills += 1
                self.note_life(life)
                return False
            if done:
                return True
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

    async def run_lives(self) -> Life | None:
        """Every killed life, then the last; returns the last once the run has driven its
        orders (None after too many crashes or stalls)."""
        plan = self._kill_plan()
        while self.crashes + self.stalls <= MAX_FAILED_LIVES:
            planned = plan[self.kills] if self.kills < len(plan) else 0.0
            life = await self.spawn(startup_kill=planned is None)
            if self.kills >= len(plan):
                if await self._wait_until(life, self.config.orders, last=True):
                    return life
                continue  # the last life crashed, stalled or handed over: start another
            if planned is None:
                await asyncio.sleep(self.rng.uniform(0.05, 2.5))
                ready = life.ready.is_set()
                await life.kill()
                self.kills += 1
                self.note_life(life)
                self.progress(f"killed driver {self.lives} while starting (ready: {ready})")
                continue
            if not await self._wait_until(life, planned):
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


def _second_arguments(supervisor: Supervisor, work: Path
                      ) -> Callable[[int], tuple[list[str], dict[str, str]]]:
    def arguments(number: int) -> tuple[list[str], dict[str, str]]:
        life = supervisor.current
        auth = life.auth if life is not None else supervisor.config.auth_schemes[0]
        return [
            *supervisor.connection_arguments(), "--db", str(work / f"second-{number:03d}.sqlite"),
            "--seed", str(supervisor.config.seed * 7919 + number),
            "--log", str(work / f"second-{number:03d}.log"),
        ], credentials_env(supervisor.sim, auth)

    return arguments


async def _finish(last: Life, config: SoakConfig, say: Callable[[str], None]
                  ) -> dict[str, Any] | None:
    """Ask the last life to finish; its manager's state (None if it did not finish)."""
    await last.send("FINISH")
    try:
        await asyncio.wait_for(last.wait(), config.finish_timeout)
    except TimeoutError:
        say("the last driver did not finish in time: killing it")
        await last.kill()
    if last.done and last.state_path:
        text = await asyncio.to_thread(Path(last.state_path).read_text)
        state: dict[str, Any] = json.loads(text)
        return state
    return None


async def _wait_for_late_executions(injector: FaultInjector, say: Callable[[str], None]) -> None:
    wait = injector.late_until - time.monotonic()
    if wait > 0:
        say(f"waiting {wait:.1f} s for the late executions to land")
        await asyncio.sleep(wait + 0.3)


async def run_soak(config: SoakConfig, progress: Callable[[str], None] | None = None
                   ) -> SoakReport:
    """Run one soak and return its report."""
    say = progress or (lambda message: None)
    started = time.monotonic()
    work = Path(config.work_dir) if config.work_dir else Path(tempfile.mkdtemp(prefix="soak-"))
    work.mkdir(parents=True, exist_ok=True)
    notes: list[str] = []
    kinds = set(config.kinds)
    disk = StoreDisk(work, config.disk_mb)
    if FaultKind.DISK_FULL in kinds and not disk.mount():
        say(disk.reason)
        notes.append(disk.reason)
        kinds.discard(FaultKind.DISK_FULL)
    db = disk.path / "orders.sqlite"
    account = SimAccount.generate("soak", balances={"USDT": Decimal("1000000")})
    hedge = hedge_account()
    limits = RateLimitConfig(ban_seconds=config.ban_seconds, **GENEROUS_LIMITS)
    sim = SimulatedExchange(
        seed=config.seed, accounts=[account, hedge], endpoints=2, rate_limits=limits,
        request_log_size=10_000,
    )
    tagger = RequestTagger(sim)  # before start: the server takes the request log then
    await sim.start()
    set_hedge_mode(sim, hedge)
    try:
        supervisor = Supervisor(config, sim, work, db, say, hedge=hedge)
        host = SoakHost(disk, lambda: supervisor.current, _second_arguments(supervisor, work),
                        work, str(ROOT))
        injector = FaultInjector(
            sim, random.Random(config.seed + 1), interval=config.fault_interval,
            ban_seconds=config.ban_seconds, kinds=kinds, host=host, tagger=tagger,
        )
        supervisor.injector = injector
        # The last life drives on until every fault kind has happened once: a short run
        # must not finish before the rarer faults found a matching request.
        supervisor.ready_to_finish = lambda: injector.every_kind_injected
        mover = MarketMover(sim, random.Random(config.seed + 2),
                            accounts=(account.account_id, hedge.account_id))
        watch = StopWatch(sim, config.stop_sample_interval, lambda: bool(
            supervisor.current and supervisor.current.running
            and supervisor.current.ready.is_set()
        ), lambda: supervisor.current.auth if supervisor.current else None)
        mover.start()
        watch.start()
        injector.start()
        state: dict[str, Any] | None = None
        last: Life | None = None
        try:
            last = await supervisor.run_lives()
            if last is not None:  # no more placements while the faults end
                await last.send("PAUSE")
        finally:
            await injector.stop()
            await host.close()
            await mover.stop()
        await _wait_for_late_executions(injector, say)
        if last is not None:
            say(f"{supervisor.totals.placements} placements driven: finishing")
            state = await _finish(last, config, say)
            supervisor.note_life(last)
        await watch.stop()
        end = protection(sim)
        verification = await verify(sim, db, state, host.second_states)
        await verify_hedge(sim, hedge.account_id, hedge_db(db), (state or {}).get("hedge"),
                           verification)
        orders = (state or {}).get("orders", {})
        outcomes = tagger.outcomes(
            lambda cid: sim.ledger.get(cid, 0),
            lambda cid: orders[cid]["status"] if cid in orders else None,
        )
    finally:
        await sim.stop()
        with contextlib.suppress(Exception):
            await disk.unmount(keep_in=work)
    notes += [f"fault injection failed: {failure}" for failure in injector.failures[:10]]
    timeline = "".join(f"t+{at - started:8.2f}s {kind.name}\n" for at, kind in injector.timeline)
    timeline += "attempts: " + ", ".join(
        f"{kind.name} {n}" for kind, n in injector.attempts.most_common()) + "\n"
    await asyncio.to_thread((work / "faults.txt").write_text, timeline)
    if injector.gateway_restarts.get("approximated"):
        notes.append("exchange restarts approximated (the simulator has no restart_gateway):"
                     " endpoints down, listenKeys forgotten, WebSockets cut")
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
        batches=(supervisor.totals.batches, supervisor.totals.batch_legs),
        modifies=dict(supervisor.totals.modifies),
        unexpected=list(supervisor.totals.unexpected),
        verification=verification,
        wall_seconds=time.monotonic() - started,
        work_dir=str(work),
        finished=state is not None,
        notes=notes,
        kinds=frozenset(kinds),
        outcomes=outcomes,
        client_logs=dict(supervisor.totals.client_logs),
        clock_modes=dict(supervisor.totals.clock_modes),
        clock_steps=dict(host.clock_steps),
        auth_lives=dict(supervisor.auth_lives),
        errors_by_auth=dict(supervisor.totals.errors_by_auth),
        stops=watch,
        end_protection=end,
        host=host,
        hit_ids=tagger.hit_ids(),
    )
