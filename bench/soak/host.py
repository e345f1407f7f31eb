"""The faults that are not the exchange's, as the supervisor carries them out: the client's
clock (a `CLOCK <ms>` command to the running driver), the store's disk (`StoreDisk`) and a
second process trading the account (`bench.soak.second`).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import Counter
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

from bench.soak.disk import StoreDisk
from bench.soak.lives import Life
from bench.soak.second import SecondProcess, spawn_second


class SoakHost:
    """Implements `bench.soak.faults.FaultHost` for one run."""

    def __init__(self, disk: StoreDisk, current: Callable[[], Life | None],
                 second_arguments: Callable[[int], tuple[list[str], dict[str, str]]],
                 work: Path, cwd: str) -> None:
        self.disk = disk
        self.current = current
        self.second_arguments = second_arguments
        self.work = work
        self.cwd = cwd
        self.clock_steps: Counter[str] = Counter()  # per auth scheme
        self.disk_full_seconds = 0.0
        self.second_runs = 0
        self.second_placements = 0
        self.second_errors: Counter[str] = Counter()
        self.second_unfinished = 0
        self.second_states: list[Path] = []
        self._second: SecondProcess | None = None
        self._closing = asyncio.Event()  # ends a second process's run early
        self._tasks: set[asyncio.Task[Any]] = set()

    def _spawn(self, coroutine: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # -- the client's clock --------------------------------------------------------------

    def step_client_clock(self, step_ms: int, hold: float) -> bool:
        life = self.current()
        if life is None or not life.ready.is_set() or not life.running:
            return False
        self.clock_steps[life.auth] += 1

        async def step() -> None:
            if await life.send(f"CLOCK {step_ms}"):
                await asyncio.sleep(hold)
                await life.send("CLOCK 0")

        self._spawn(step())
        return True

    def stepped_auths(self) -> set[str]:
        return {auth for auth, count in self.clock_steps.items() if count}

    # -- the store's disk ----------------------------------------------------------------

    def fill_disk(self, hold: float) -> bool:
        if not self.disk.mounted or self.disk.full:
            return False

        async def fill() -> None:
            if await self.disk.fill():
                started = asyncio.get_running_loop().time()
                try:
                    await asyncio.sleep(hold)
                finally:
                    await self.disk.free()
                    self.disk_full_seconds += asyncio.get_running_loop().time() - started

        self._spawn(fill())
        return True

    # -- a second process on the account -------------------------------------------------

    def run_second_process(self, duration: float) -> bool:
        if self._second is not None:
            return False
        self.second_runs += 1
        number = self.second_runs
        arguments, env = self.second_arguments(number)
        state = self.work / f"second-{number:03d}.json"

        async def run() -> None:
            second = await spawn_second(arguments, env, self.cwd, state,
                                        self.work / f"second-{number:03d}.stderr")
            self._second = second
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._closing.wait(), duration)
            await self._finish(second)

        self._second = _STARTING
        self._spawn(run())
        return True

    async def _finish(self, second: SecondProcess) -> None:
        finished = await second.finish()
        self.second_placements += second.placements
        self.second_errors.update(second.errors)
        if finished:
            self.second_states.append(second.state)
        else:
            self.second_unfinished += 1
        self._second = None

    async def close(self) -> None:
        """Cut the running faults short: the second process finishes (cancelling its
        orders) and the disk is freed."""
        self._closing.set()
        await asyncio.wait_for(self.disk.free(), 30)
        for task in list(self._tasks):
            with contextlib.suppress(Exception):
                await task
        await self.disk.free()


_STARTING: Any = object()  # a second process is being started
