"""Fixtures of the reliability suite: clients and managers on the simulator, and helpers
that read the simulator's request log."""

from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
import pytest_asyncio

from execution.auth import Eip712Credentials, HmacCredentials
from execution.exchange.asterdex import AsterDEXExchange
from execution.secrets import Secret
from execution.simulator import RateLimitConfig, SimulatedExchange

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # `bench` (the soak) is a top-level folder, not installed
    sys.path.insert(0, str(ROOT))

ORDER_PATHS = ("order", "batchOrders", "allOpenOrders")


def hmac_client(sim: SimulatedExchange, **options: object) -> AsterDEXExchange:
    account = sim.account
    assert account.api_key and account.api_secret
    return AsterDEXExchange(
        HmacCredentials(account.api_key, Secret(account.api_secret)),
        rest_urls=sim.rest_urls, ws_url=sim.ws_url, dotenv_path=None, **options,  # type: ignore[arg-type]
    )


def eip712_client(sim: SimulatedExchange, **options: object) -> AsterDEXExchange:
    account = sim.account
    assert account.user and account.signer and account.signer_private_key
    return AsterDEXExchange(
        Eip712Credentials(account.user, account.signer, Secret(account.signer_private_key)),
        rest_urls=sim.rest_urls, ws_url=sim.ws_url, dotenv_path=None, **options,  # type: ignore[arg-type]
    )


def order_requests(sim: SimulatedExchange) -> list[str]:
    """The order-changing requests the simulator received (method and path)."""
    return [
        f"{r.method} {r.path}" for r in sim.request_log
        if r.method in ("POST", "PUT", "DELETE") and r.path.rsplit("/", 1)[-1] in ORDER_PATHS
    ]


async def wait_for(predicate: Callable[[], bool], limit: float = 5.0) -> None:
    deadline = time.monotonic() + limit
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        await asyncio.sleep(0.01)


class Helpers:
    """The helpers above, for test modules (fixtures are how they reach them)."""

    hmac_client = staticmethod(hmac_client)
    eip712_client = staticmethod(eip712_client)
    order_requests = staticmethod(order_requests)
    wait_for = staticmethod(wait_for)


@pytest.fixture
def helpers() -> type[Helpers]:
    return Helpers


@pytest_asyncio.fixture
async def roomy_simulator() -> AsyncIterator[SimulatedExchange]:
    """A simulator whose rate limits fuzzing cannot reach (many requests a minute)."""
    limits = RateLimitConfig(weight_per_minute=10**8, orders_per_10s=10**7,
                             orders_per_minute=10**8)
    async with SimulatedExchange(seed=7, rate_limits=limits) as sim:
        yield sim


@pytest_asyncio.fixture
async def client(roomy_simulator: SimulatedExchange) -> AsyncIterator[AsterDEXExchange]:
    async with hmac_client(roomy_simulator) as exchange:
        yield exchange


@pytest_asyncio.fixture
async def db(tmp_path: Path) -> Path:
    return tmp_path / "orders.sqlite"
