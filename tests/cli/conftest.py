"""Running `aster-exec` in-process (typer's CliRunner) with a clean environment.

A CLI command runs its own event loop (`asyncio.run`), so from an async test it runs in a
worker thread while the `simulator` fixture keeps serving on the test's loop.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner

from execution.cli.main import app
from execution.simulator import SimulatedExchange

# Every variable the CLI reads, unset, so a developer's environment cannot leak in.
CLEAN_ENV: dict[str, str | None] = {
    name: None
    for name in (
        "ASTER_VENUE", "ASTER_REST_URL", "ASTER_WS_URL", "ASTER_TESTNET", "ASTER_ALLOW_LIVE",
        "ASTER_AUTH", "ASTER_API_KEY", "ASTER_API_SECRET", "ASTER_USER", "ASTER_SIGNER",
        "ASTER_PRIVATE_KEY", "BINANCE_API_KEY", "BINANCE_API_SECRET", "ASTER_STORE",
        "ASTER_SIM_SEED",
    )
}


@dataclass(frozen=True)
class Outcome:
    exit_code: int
    stdout: str
    stderr: str


class Cli:
    """Invoke the app synchronously (`run`) or from async code (`arun`)."""

    def __init__(self) -> None:
        self.runner = CliRunner()

    def run(self, *args: str, env: dict[str, str] | None = None) -> Outcome:
        result = self.runner.invoke(app, list(args), env={**CLEAN_ENV, **(env or {})})
        return Outcome(result.exit_code, result.stdout, result.stderr)

    async def arun(self, *args: str, env: dict[str, str] | None = None) -> Outcome:
        return await asyncio.to_thread(self.run, *args, env=env)


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Cli]:
    monkeypatch.chdir(tmp_path)  # no stray .env is read
    yield Cli()


def _sim_env(sim: SimulatedExchange) -> dict[str, str]:
    """Point the CLI at a running simulator with its HMAC credentials."""
    account = sim.account
    assert account.api_key and account.api_secret
    return {
        "ASTER_REST_URL": sim.rest_url,
        "ASTER_API_KEY": account.api_key,
        "ASTER_API_SECRET": account.api_secret,
    }


def _order_requests(sim: SimulatedExchange) -> list[str]:
    """Paths of the order-changing requests the simulator received."""
    return [
        f"{record.method} {record.path}"
        for record in sim.request_log
        if record.method in ("POST", "PUT", "DELETE")
        and record.path.rsplit("/", 1)[-1] in ("order", "batchOrders", "allOpenOrders",
                                               "leverage")
    ]



@pytest.fixture
def sim_env() -> Callable[[SimulatedExchange], dict[str, str]]:
    """`sim_env(simulator)`: the environment that points the CLI at that simulator."""
    return _sim_env


@pytest.fixture
def order_requests() -> Callable[[SimulatedExchange], list[str]]:
    """`order_requests(simulator)`: the order-changing requests it received."""
    return _order_requests
