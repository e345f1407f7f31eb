"""`Background`: one named task of the soak's own (the market walk, the stop watch) with a
`start()` and a `stop()` that cancels it and waits for it."""

from __future__ import annotations

import asyncio
import contextlib


class Background:
    """Runs `_run()` as a task between `start()` and `stop()`."""

    task_name = "soak-background"

    def __init__(self) -> None:
        self._task: asyncio.Task[None] | None = None

    async def _run(self) -> None:
        raise NotImplementedError

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name=self.task_name)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
