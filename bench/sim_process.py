"""The simulator in a child process, so its CPU is its own and can be read apart.

`SimulatorProcess` starts `python -m bench.sim_server`, reads its one-line JSON ready
message (URLs and credentials), and stops it on exit (closing its stdin; it exits when its
stdin reaches end of file, so it never outlives the benchmark).
"""

from __future__ import annotations

import asyncio
import json
import sys
from dataclasses import dataclass
from decimal import Decimal
from types import TracebackType
from typing import Any


@dataclass(frozen=True, slots=True)
class AccountCredentials:
    account_id: str
    api_key: str
    api_secret: str
    user: str
    signer: str
    signer_private_key: str
    user_private_key: str


@dataclass(frozen=True, slots=True)
class SimulatorInfo:
    pid: int
    rest_url: str
    ws_url: str
    accounts: list[AccountCredentials]
    symbol: str
    mark_price: Decimal
    tick_size: Decimal
    step_size: Decimal


class SimulatorProcess:
    """`async with SimulatorProcess(accounts=6) as info:` a running simulator child."""

    def __init__(
        self,
        *,
        accounts: int,
        seed: int = 7,
        ready_timeout: float = 60.0,
        module: str = "bench.sim_server",
    ) -> None:
        self.account_count = accounts
        self.module = module
        self.seed = seed
        self.ready_timeout = ready_timeout
        self._process: asyncio.subprocess.Process | None = None

    async def __aenter__(self) -> SimulatorInfo:
        self._process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            self.module,
            "--accounts",
            str(self.account_count),
            "--seed",
            str(self.seed),
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
        )
        assert self._process.stdout is not None
        try:
            line = await asyncio.wait_for(self._process.stdout.readline(), self.ready_timeout)
        except TimeoutError:
            await self._stop()
            raise RuntimeError("the simulator did not report ready") from None
        if not line:
            await self._stop()
            raise RuntimeError("the simulator exited before it was ready")
        return _parse_ready(self._process.pid, json.loads(line))

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self._stop()

    async def _stop(self) -> None:
        process = self._process
        if process is None:
            return
        self._process = None
        if process.stdin is not None:
            process.stdin.close()
        try:
            await asyncio.wait_for(process.wait(), 10)
        except TimeoutError:
            process.kill()  # our own child, by its handle
            await process.wait()


def _parse_ready(pid: int, message: dict[str, Any]) -> SimulatorInfo:
    accounts = [AccountCredentials(**entry) for entry in message["accounts"]]
    return SimulatorInfo(
        pid=pid,
        rest_url=message["rest_url"],
        ws_url=message["ws_url"],
        accounts=accounts,
        symbol=message["symbol"],
        mark_price=Decimal(message["mark_price"]),
        tick_size=Decimal(message["tick_size"]),
        step_size=Decimal(message["step_size"]),
    )
