"""The fleet's drivers over a run: started, SIGKILLed at random and started again, watched
for crashes and stalls, then paused and asked to finish.

The kill plan spreads `kills` SIGKILLs over the run by placements driven (every driver is
killed at least once when there are as many kills as drivers); a share of the kills hit a
driver that is still starting (its start repeats the reconciliation a killed life left
half done, and on PostgreSQL waits for the killed life's lease to run out). A driver
that exits by itself is a crash, one that places nothing for `stall_timeout` seconds a
stall: both are started again and counted.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.fleet.config import FleetConfig
from bench.fleet.driver import settled_marker
from bench.fleet.members import Member

PROGRESS_EVERY = 100  # placements between two progress lines
MAX_FAILED_LIVES = 10  # per driver: crashes and stalls before the run gives up


class Crew:
    """Every member's lives, run by the kill plan (see the module docstring)."""

    def __init__(self, config: FleetConfig, members: list[Member],
                 say: Callable[[str], None]) -> None:
        self.config = config
        self.members = members
        self.say = say
        self.rng = random.Random(config.seed + 3)
        self.locks = {m.identity.index: asyncio.Lock() for m in members}
        self.timed_out = False
        self.failed = False  # a driver kept crashing or stalling
        self._next_report = PROGRESS_EVERY
        self._watchers: list[asyncio.Task[None]] = []

    @property
    def placements(self) -> int:
        return sum(m.totals.placements for m in self.members)

    @property
    def kills(self) -> int:
        return sum(m.kills for m in self.members)

    def kill_plan(self) -> list[tuple[float, int]]:
        """(placements total to reach, member index) per planned SIGKILL, in order."""
        config, rng = self.config, self.rng
        indexes = [m.identity.index for m in self.members]
        first = rng.sample(indexes, min(config.kills, len(indexes)))
        targets = first + [rng.choice(indexes) for _ in range(config.kills - len(first))]
        rng.shuffle(targets)
        thresholds = sorted(rng.uniform(0.05, 0.9) * config.orders for _ in targets)
        return list(zip(thresholds, targets, strict=True))

    async def _restart(self, member: Member, why: str) -> None:
        """Kill (if running) and start `member` again; under its lock."""
        async with self.locks[member.identity.index]:
            starting = await member.kill() if why == "kill" else False
            if why != "kill" and member.life is not None:
                member.note(member.life)
                await member.life.kill()
            self.say(f"{member.name}: {why} (life {member.lives}"
                     f"{', still starting' if starting else ''}); starting it again")
            await member.spawn()

    async def _watch(self, member: Member) -> None:
        """Start `member` again when its life exits by itself or stalls."""
        while True:
            await asyncio.sleep(0.2)
            life = member.life
            if life is None or self.locks[member.identity.index].locked():
                continue
            if member.crashes + member.stalls >= MAX_FAILED_LIVES:
                self.say(f"{member.name}: {MAX_FAILED_LIVES} lives failed: giving up")
                self.failed = True
                return
            if not life.running:
                member.crashes += 1
                await self._restart(member, f"exited by itself ({life.process.returncode})")
            elif time.monotonic() - member.totals.last_progress > self.config.stall_timeout:
                member.stalls += 1
                await self._restart(member, "stalled")

    def _reached(self, target: float) -> Callable[[], bool]:
        return lambda: self.placements >= target

    async def _until(self, condition: Callable[[], bool], deadline: float) -> bool:
        while not condition():
            if self.placements >= self._next_report:
                self.say(f"{self.placements} placements, {self.kills} kills")
                self._next_report += PROGRESS_EVERY
            if self.failed:
                return False
            if time.monotonic() > deadline:
                self.timed_out = True
                return False
            await asyncio.sleep(0.05)
        return True

    async def run(self, ready_to_finish: Callable[[], bool]) -> bool:
        """Start every driver, carry out the kill plan, and return once `orders` have been
        driven and `ready_to_finish()` (False when the run timed out)."""
        deadline = time.monotonic() + self.config.run_timeout
        for member in self.members:
            await member.spawn()
        self._watchers = [asyncio.create_task(self._watch(m)) for m in self.members]
        plan = self.kill_plan()
        while plan:
            threshold, index = plan.pop(0)
            if not await self._until(self._reached(threshold), deadline):
                return False
            await asyncio.sleep(self.rng.uniform(0.0, 0.3))
            member = self.members[index]
            await self._restart(member, "kill")
            later = [entry for entry in plan if entry[1] == index]
            if later and self.rng.random() < self.config.startup_kill_share:
                plan.remove(later[0])  # its next kill hits the life just started, starting
                await asyncio.sleep(self.rng.uniform(0.05, 1.5))
                await self._restart(member, "kill")
        return await self._until(
            lambda: self.placements >= self.config.orders and ready_to_finish(), deadline)

    async def _stop_watching(self) -> None:
        for task in self._watchers:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._watchers = []

    async def pause(self) -> None:
        """No more placements (the managers keep running)."""
        await self._stop_watching()
        for member in self.members:
            if member.life is not None:
                await member.life.send("PAUSE")

    async def _all_settled(self, deadline: float) -> None:
        """Until every running driver has settled (its marker) or `deadline`."""
        while time.monotonic() < deadline:
            if all(settled_marker(m.state_path).exists() or not (m.life and m.life.running)
                   for m in self.members):
                return
            await asyncio.sleep(0.1)
        self.say("not every driver settled in time: asking them to report all the same")

    async def finish(self) -> dict[int, dict[str, Any] | None]:
        """Ask every driver to settle; once all have, to report and exit. Their states
        (None: no report)."""
        deadline = time.monotonic() + self.config.finish_timeout
        for member in self.members:
            settled_marker(member.state_path).unlink(missing_ok=True)
            life = member.life
            if life is None or not life.running:
                life = await member.spawn()  # a life that died at the very end
                await life.send("PAUSE")
            await life.send("FINISH")
        await self._all_settled(deadline)
        for member in self.members:
            if member.life is not None:
                await member.life.send("REPORT")

        async def one(member: Member) -> dict[str, Any] | None:
            life = member.life
            assert life is not None
            try:
                await asyncio.wait_for(life.wait(), max(60.0, deadline - time.monotonic()))
            except TimeoutError:
                self.say(f"{member.name} did not finish in time: killing it")
                await life.kill()
            member.note(life)
            if not (life.done and life.state_path):
                return None
            text = await asyncio.to_thread(Path(life.state_path).read_text)
            state: dict[str, Any] = json.loads(text)
            return state

        states = await asyncio.gather(*(one(m) for m in self.members))
        return {m.identity.index: s for m, s in zip(self.members, states, strict=True)}

    async def kill_all(self) -> None:
        """SIGKILL whatever still runs (a run that failed half way)."""
        await self._stop_watching()
        for member in self.members:
            if member.life is not None and member.life.running:
                await member.life.kill()
