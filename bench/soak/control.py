"""The driver's side of what the supervisor controls: its clock, its stdin commands, and
the client's log lines it reports.

The supervisor writes commands to the driver's stdin, one a line: `PAUSE` (stop placing,
keep the manager running), `FINISH` (stop placing, settle, report, exit) and `CLOCK <ms>`
(from now on the client's wall clock reads `<ms>` off real time; `CLOCK 0` steps it back).
`ClockStepper` wraps the client's wall-clock source, `exchange.clock.wall_ns`, and the
process's own `time.time`/`time.time_ns` in a source it offsets (the monotonic clock does
not move, as on a real machine). `LogCounter` reports each warning (and each re-send
notice) of the client's loggers to the supervisor as a `LOG` line, so the report can say
what the client did.
"""

from __future__ import annotations

import asyncio
import logging
import sys
import time
from collections.abc import Callable
from typing import Any

_NS_PER_MS = 1_000_000


def say(line: str) -> None:
    """One line to the supervisor."""
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


class ClockStepper:
    """Steps the client's wall clock of `exchange` (see the module docstring), and the
    process's own: `time.time` and `time.time_ns` read the step too, as every reader of the
    machine's wall clock would after a real step (the monotonic clock does not move)."""

    def __init__(self, exchange: Any) -> None:
        self.clock = exchange.clock
        self.step_ms = 0
        real_time, real_time_ns = time.time, time.time_ns
        time.time = lambda: real_time() + self.step_ms / 1000
        time.time_ns = lambda: real_time_ns() + self.step_ms * _NS_PER_MS
        source: Callable[[], int] = self.clock.wall_ns

        def stepped() -> int:
            return source() + self.step_ms * _NS_PER_MS

        self.clock.wall_ns = stepped

    @property
    def mode(self) -> str:
        return "wall_ns"

    def set(self, step_ms: int) -> None:
        """From now on the client's clock (and this process's) reads `step_ms` off real
        time."""
        self.step_ms = step_ms


async def read_commands(stepper: ClockStepper | None,
                        on_pause: Callable[[], None] | None = None) -> None:
    """Read stdin commands until `FINISH` (or stdin closes); apply `CLOCK` steps and call
    `on_pause` on `PAUSE`."""
    loop = asyncio.get_running_loop()
    while True:
        line = (await loop.run_in_executor(None, sys.stdin.readline))
        if not line or line.strip() == "FINISH":
            return
        words = line.split()
        if words == ["PAUSE"] and on_pause is not None:
            on_pause()
        elif len(words) == 2 and words[0] == "CLOCK" and stepper is not None:
            stepper.set(int(words[1]))
            say(f"CLOCK_STEPPED {stepper.mode} {words[1]}")


class LogCounter(logging.Handler):
    """Sends `LOG <logger>: <message template>` for each warning or worse of the client
    (`execution.*`), and for its notices that an order is sent again."""

    _INFO_WANTED = ("sending again", "re-send", "resend", "unknown")

    def __init__(self) -> None:
        super().__init__(level=logging.INFO)

    def emit(self, record: logging.LogRecord) -> None:
        template = str(record.msg)
        if record.levelno < logging.WARNING and not any(
            word in template for word in self._INFO_WANTED
        ):
            return
        text = " ".join(template.split())[:120]
        say(f"LOG {record.levelname} {record.name}: {text}")


def install_log_counter() -> None:
    logger = logging.getLogger("execution")
    logger.addHandler(LogCounter())
    if logger.getEffectiveLevel() > logging.INFO:
        logger.setLevel(logging.INFO)
