"""One driver process (a life) as the supervisor sees it, and the counts of every life.

A life speaks by lines on its stdout (see `bench.soak.driver`): `Life` reads them into
`Totals` and its own fields, and writes commands to its stdin (`CLOCK <ms>`, `FINISH`).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import signal
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any


@dataclass(slots=True)
class Totals:
    """Counts gathered from every driver life."""

    placements: int = 0
    errors: Counter[str] = field(default_factory=Counter)
    errors_by_auth: Counter[str] = field(default_factory=Counter)  # "<auth> <class>"
    client_logs: Counter[str] = field(default_factory=Counter)  # the client's warnings
    clock_modes: Counter[str] = field(default_factory=Counter)
    batches: int = 0  # place_batch calls (each one or more batchOrders requests)
    batch_legs: int = 0
    modifies: Counter[str] = field(default_factory=Counter)  # "native" / "replaced"
    unexpected: list[str] = field(default_factory=list)
    last_progress: float = field(default_factory=time.monotonic)


class Life:
    """One driver process and the reading of what it says."""

    def __init__(self, process: asyncio.subprocess.Process, totals: Totals, auth: str,
                 number: int) -> None:
        self.process = process
        self.auth = auth
        self.number = number
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
            if line == "PLACED":  # progress: a driver only erring or logging is stalled
                totals.last_progress = time.monotonic()
                totals.placements += 1
            elif line.startswith("ERROR "):
                totals.errors[line[6:]] += 1
                totals.errors_by_auth[f"{self.auth} {line[6:]}"] += 1
            elif line.startswith("UNEXPECTED "):
                totals.unexpected.append(line[11:])
            elif line.startswith("LOG "):
                totals.client_logs[f"[{self.auth}] {line[4:]}"] += 1
            elif line.startswith("BATCH "):
                totals.batches += 1
                totals.batch_legs += int(line[6:])
            elif line.startswith("MODIFIED "):
                totals.modifies[line[9:]] += 1
            elif line.startswith("CLOCK_STEPPED "):
                totals.clock_modes[line.split()[1]] += 1
            elif line.startswith("READY "):
                totals.last_progress = time.monotonic()
                self.ready_info = json.loads(line[6:])
                self.ready.set()
            elif line.startswith("STATE "):
                self.state_path = line[6:]
            elif line == "DONE":
                self.done = True

    async def send(self, command: str) -> bool:
        """Write one command line to the life's stdin; False when it is gone."""
        stdin = self.process.stdin
        if stdin is None or not self.running:
            return False
        try:
            stdin.write(command.encode() + b"\n")
            await stdin.drain()
        except (ConnectionError, RuntimeError):
            return False
        return True

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
