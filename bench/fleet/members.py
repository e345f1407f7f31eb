"""One driver of the fleet as the supervisor keeps it, life after life.

A `Member` has a fixed identity (index, source address, client-id prefix, store, rate
budget) and a current `bench.soak.lives.Life` (the process). `spawn()` starts a new life
on the same identity (after a SIGKILL, a crash or a stall); what each life said when it
was up (`READY`: its prefix, what its start adopted) is kept in `readies`.
"""

from __future__ import annotations

import asyncio
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import execution
from bench.soak.lives import Life, Totals
from bench.soak.supervisor import ROOT, credentials_env
from execution.simulator import SimulatedExchange

# The drivers import the `execution` this process runs (a source tree or the installed one).
SOURCE = str(Path(execution.__file__).resolve().parents[1])


def driver_env(sim: SimulatedExchange, auth: str) -> dict[str, str]:
    """The soak's driver environment (the account's credentials of `auth`), with this
    process's `execution` first on the path."""
    env = credentials_env(sim, auth)
    env["PYTHONPATH"] = os.pathsep.join((SOURCE, env["PYTHONPATH"]))
    return env


@dataclass(slots=True)
class Identity:
    """What stays the same across a driver's lives."""

    index: int
    address: str  # the source IP (one simulated host)
    prefix: str  # the client-id prefix its orders carry
    store: str  # a SQLite path or the shared store's URL (with this prefix)
    rate_budget: str | None  # redis://...#ip=...&account=... or None (its own limits)
    nonce_slot: str | None  # "auto" (leased through the budget), a number, or None
    explicit_prefix: bool = True  # False: the manager derives it from its SQLite file


@dataclass(slots=True)
class Member:
    """One driver: its identity, its current life and what its lives did."""

    identity: Identity
    sim: SimulatedExchange
    work: Path
    seed: int
    concurrency: int
    auth_schemes: tuple[str, ...]
    verbose: bool = False
    totals: Totals = field(default_factory=Totals)
    life: Life | None = None
    lives: int = 0
    kills: int = 0
    startup_kills: int = 0
    crashes: int = 0
    stalls: int = 0
    readies: list[dict[str, Any]] = field(default_factory=list)
    auth_lives: dict[str, int] = field(default_factory=dict)
    _noted: set[int] = field(default_factory=set)

    @property
    def name(self) -> str:
        return f"driver {self.identity.index} ({self.identity.prefix}@{self.identity.address})"

    @property
    def state_path(self) -> Path:
        return self.work / f"driver-{self.identity.index}.state.json"

    def _arguments(self, auth: str) -> list[str]:
        ident, sim = self.identity, self.sim
        log = self.work / f"driver-{ident.index}-{self.lives:03d}.log"
        arguments = [
            sys.executable, "-m", "bench.fleet.driver",
            *[a for url in sim.rest_urls for a in ("--rest-url", url)], "--ws-url", sim.ws_url,
            "--store", ident.store,
            *(("--prefix", ident.prefix) if ident.explicit_prefix else ()),
            "--local-address", ident.address, "--state", str(self.state_path),
            "--seed", str(self.seed * 1000 + ident.index * 100 + self.lives),
            "--concurrency", str(self.concurrency), "--log", str(log),
        ]
        if ident.rate_budget:
            arguments += ["--rate-budget", ident.rate_budget]
        if ident.nonce_slot is not None and auth == "v3":
            arguments += ["--nonce-slot", ident.nonce_slot]
        if self.verbose:
            arguments.append("--verbose")
        return arguments

    async def spawn(self) -> Life:
        """A new life on this identity (drivers and their lives alternate schemes)."""
        self.lives += 1
        schemes = self.auth_schemes
        auth = schemes[(self.identity.index + self.lives) % len(schemes)]
        self.auth_lives[auth] = self.auth_lives.get(auth, 0) + 1
        stderr_path = self.work / f"driver-{self.identity.index}-{self.lives:03d}.stderr"
        with stderr_path.open("wb") as stderr:
            process = await asyncio.create_subprocess_exec(
                *self._arguments(auth), cwd=str(ROOT), env=driver_env(self.sim, auth),
                stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=stderr,
            )
        self.totals.last_progress = time.monotonic()
        self.life = Life(process, self.totals, auth, self.lives)
        return self.life

    def note(self, life: Life) -> None:
        """Keep what `life` said when it came up (once)."""
        if life.ready_info and life.number not in self._noted:
            self._noted.add(life.number)
            self.readies.append({"life": life.number, "auth": life.auth, **life.ready_info,
                                 "until": time.time()})  # it is over (killed or done)

    async def kill(self) -> bool:
        """SIGKILL the current life; True if it was still starting (not READY)."""
        life = self.life
        if life is None:
            return False
        starting = not life.ready.is_set()
        await life.kill()
        self.note(life)
        self.kills += 1
        self.startup_kills += starting
        return starting
