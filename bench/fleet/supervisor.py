"""Runs a fleet soak: servers, the simulator and its faults here, the drivers as children.

`run_fleet` starts (unless given their URLs) a throwaway PostgreSQL and redis-server,
then the simulator with the exchange's limits, its market walk, its faults (the
single-driver soak's injector, exchange-side kinds) and the request taggers, then the
drivers (`Crew`). Once the run has driven its orders (and every fault kind happened), it
pauses every driver, stops the faults and the market, waits for the late executions,
asks every driver to finish, and compares (`verify_fleet`).
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

from bench.fleet.config import (
    ACCOUNT_SCOPE,
    HOSTS,
    LEASE_SECONDS,
    FleetConfig,
    host_scope,
    prefix_of,
)
from bench.fleet.crew import Crew
from bench.fleet.limits import LimitWatch
from bench.fleet.members import Identity, Member
from bench.fleet.report import FleetReport
from bench.fleet.servers import PostgresServer, RedisServer, unavailable_reason
from bench.fleet.verify import verify_fleet
from bench.soak.faults import FaultInjector
from bench.soak.market import MarketMover
from bench.soak.supervisor import GENEROUS_LIMITS, _wait_for_late_executions
from bench.soak.tags import RequestTagger
from execution.orders.adoption import default_prefix
from execution.simulator import RateLimitConfig, SimAccount, SimulatedExchange
from execution.simulator.endpoints import ENDPOINTS
from execution.store_location import redact_url


class NoHostFaults:
    """The `FaultHost` of a fleet run: the client-side faults are not injected here."""

    def step_client_clock(self, step_ms: int, hold: float) -> bool:
        return False

    def fill_disk(self, hold: float) -> bool:
        return False

    def run_second_process(self, duration: float) -> bool:
        return False


class Servers:
    """The store URL and budget URL of a run, and the servers it started for them."""

    def __init__(self) -> None:
        self.store_url: str | None = None
        self.budget_url: str | None = None
        self.started: list[PostgresServer | RedisServer] = []

    async def start(self, config: FleetConfig, notes: list[str],
                    say: Callable[[str], None]) -> None:
        self.store_url, self.budget_url = config.store_url, config.rate_budget
        wanted = config.servers and (self.store_url is None or self.budget_url is None)
        reason = unavailable_reason() if wanted else None
        if reason is not None:
            notes.append(f"no throwaway servers ({reason}): SQLite per driver and each "
                         "driver's own limits where no URL was given")
            return
        if config.servers and self.store_url is None:
            say("starting a throwaway PostgreSQL cluster")
            self.store_url = (await self._start(PostgresServer())).url
        if config.servers and self.budget_url is None:
            say("starting a throwaway redis-server")
            self.budget_url = (await self._start(RedisServer())).url

    async def _start(self, server: PostgresServer | RedisServer
                     ) -> PostgresServer | RedisServer:
        await asyncio.to_thread(server.start)
        self.started.append(server)
        return server

    async def stop(self) -> None:
        for server in reversed(self.started):
            with contextlib.suppress(Exception):
                await asyncio.to_thread(server.stop)
        self.started.clear()


def identity(index: int, work: Path, servers: Servers) -> Identity:
    """Driver `index`: its host, prefix, store and budget."""
    address = HOSTS[index % len(HOSTS)]
    if servers.store_url:
        prefix = prefix_of(index)
        joiner = "&" if "?" in servers.store_url else "?"
        store = f"{servers.store_url}{joiner}prefix={prefix}&lease={LEASE_SECONDS}"
        explicit = True
    else:  # a SQLite file each: the default prefix derives from the file
        store = str(work / f"driver-{index}.sqlite")
        prefix, explicit = default_prefix(store), False
    budget = slot = None
    if servers.budget_url:
        base = servers.budget_url.partition("#")[0]  # the names are the fleet's
        budget = f"{base}#ip={host_scope(address)}&account={ACCOUNT_SCOPE}"
        slot = "auto"  # v3 nonce slots leased through the budget
    else:
        slot = str(index)  # without a budget each process is given its own
    return Identity(index, address, prefix, store, budget, slot, explicit)


async def _takeovers(store_url: str | None) -> list[str]:
    """The takeovers the shared store recorded (empty without one)."""
    if not store_url:
        return []
    from execution.store_postgres import PostgresOrderStore

    store = PostgresOrderStore(store_url)
    return [
        f"{t.prefix}: by {t.by_prefix} ({t.reason}; lease expired: {t.lease_expired}; "
        f"{t.orders_moved} orders moved)"
        for t in await store.takeovers()
    ]


def simulator_for(config: FleetConfig) -> SimulatedExchange:
    account = SimAccount.generate("fleet", balances={"USDT": Decimal("1000000")})
    if config.limits == "exchange":
        limits = RateLimitConfig(ban_seconds=config.ban_seconds)
    else:
        limits = RateLimitConfig(ban_seconds=config.ban_seconds, **GENEROUS_LIMITS)
    return SimulatedExchange(seed=config.seed, accounts=[account], endpoints=2,
                             rate_limits=limits, request_log_size=10_000)


async def run_fleet(config: FleetConfig, progress: Callable[[str], None] | None = None
                    ) -> FleetReport:
    """Run one fleet soak and return its report."""
    say = progress or (lambda message: None)
    started = time.monotonic()
    work = Path(config.work_dir) if config.work_dir else Path(tempfile.mkdtemp(prefix="fleet-"))
    work.mkdir(parents=True, exist_ok=True)
    notes: list[str] = []
    servers = Servers()
    sim = simulator_for(config)
    tagger = RequestTagger(sim)  # before start: the server takes the request log then
    limits = LimitWatch()
    limits.install(sim)
    crew: Crew | None = None
    try:
        await servers.start(config, notes, say)
        await sim.start()
        members = [
            Member(identity(i, work, servers), sim, work, config.seed, config.concurrency,
                   config.auth_schemes, config.verbose)
            for i in range(config.drivers)
        ]
        injector = FaultInjector(
            sim, random.Random(config.seed + 1), interval=config.fault_interval,
            ban_seconds=config.ban_seconds, kinds=config.kinds, host=NoHostFaults(),
            tagger=tagger,
        )
        mover = MarketMover(sim, random.Random(config.seed + 2))
        crew = Crew(config, members, say)
        mover.start()
        injector.start()
        try:
            driven = await crew.run(lambda: injector.every_kind_injected)
            if not driven:
                notes.append(f"the run timed out after {config.run_timeout:.0f} s with "
                             f"{crew.placements} placements and {crew.kills} kills")
            await crew.pause()
        finally:
            await injector.stop()
            await mover.stop()
        await _wait_for_late_executions(injector, say)
        say(f"{crew.placements} placements driven, {crew.kills} kills: finishing")
        states = await crew.finish()
        verification = await verify_fleet(sim, members, states)
        takeovers = await _takeovers(servers.store_url)
        heaviest = heaviest_requests(sim)
    finally:
        if crew is not None:
            await crew.kill_all()
        await sim.stop()
        await servers.stop()
    notes += [f"fault injection failed: {failure}" for failure in injector.failures[:10]]
    if injector.pending_kinds:
        notes.append("never injected: " + ", ".join(k.name for k in injector.pending_kinds))
    return FleetReport(
        config=config,
        store=redact_url(servers.store_url) if servers.store_url else "SQLite, one per driver",
        budget=(f"Redis {redact_url(servers.budget_url)}, per address and one for the account"
                if servers.budget_url else "each driver's own (in-process) limits"),
        members=members, faults=dict(injector.counts), counterparty_fills=mover.fills,
        limits=limits, verification=verification, wall_seconds=time.monotonic() - started,
        work_dir=str(work), finished=driven, takeovers=takeovers, notes=notes,
        heaviest=heaviest,
    )


def heaviest_requests(sim: SimulatedExchange, top: int = 6) -> list[str]:
    """The requests that used the most weight (of the last ones the simulator logged)."""
    weights: Counter[str] = Counter()
    counts: Counter[str] = Counter()
    for record in sim.request_log:
        endpoint = ENDPOINTS.get((record.method, record.path.split("/", 3)[-1]))
        key = f"{record.method} {record.path}"
        weights[key] += endpoint.weight_for(record.params) if endpoint else 1
        counts[key] += 1
    return [f"{key}: {counts[key]} requests, weight {weight}"
            for key, weight in weights.most_common(top)]
