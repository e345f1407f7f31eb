"""The client reads the CLI's variables (`ASTER_REST_URL`, `ASTER_WS_URL`, `ASTER_TESTNET`,
credentials): arguments, then the environment, then `.env`. A program set up for a local
simulator connects to it, not to mainnet, and says where it went and as whom."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import pytest

from execution.auth import EIP712_TESTNET_CHAIN_ID
from execution.exchange.asterdex import AsterDEXExchange
from execution.exchange.factory import create_exchange
from execution.exchange.venues import ASTERDEX
from execution.models import StreamState, StreamStatus, UserEvent
from execution.simulator import SimulatedExchange

VARIABLES = (
    "ASTER_REST_URL", "ASTER_WS_URL", "ASTER_TESTNET", "ASTER_ALLOW_LIVE", "ASTER_API_KEY",
    "ASTER_API_SECRET", "ASTER_USER", "ASTER_SIGNER", "ASTER_PRIVATE_KEY", "ASTER_VENUE",
    "BINANCE_API_KEY", "BINANCE_API_SECRET",
)


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in VARIABLES:
        monkeypatch.delenv(name, raising=False)


def credential_env(sim: SimulatedExchange, auth: str) -> dict[str, str]:
    account = sim.account
    if auth == "hmac":
        return {"ASTER_API_KEY": account.api_key or "",
                "ASTER_API_SECRET": account.api_secret or ""}
    return {"ASTER_USER": account.user or "", "ASTER_SIGNER": account.signer or "",
            "ASTER_PRIVATE_KEY": account.signer_private_key or ""}


def secrets_of(sim: SimulatedExchange) -> list[str]:
    account = sim.account
    return [s for s in (account.api_secret, account.signer_private_key) if s]


async def check_on_simulator(client: AsterDEXExchange, sim: SimulatedExchange) -> None:
    # checked before connecting: a client that ignored the settings must not reach out
    assert client.rest_urls == [sim.rest_url] and not client.is_live
    before = len(sim.request_log)
    async with client:
        assert "USDT" in await client.fetch_balance()
    assert len(sim.request_log) > before  # the simulator saw the requests


async def test_the_rest_url_and_credentials_come_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, simulator: SimulatedExchange, auth: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setenv("ASTER_REST_URL", simulator.rest_url)
    for name, value in credential_env(simulator, auth).items():
        monkeypatch.setenv(name, value)
    client = create_exchange("asterdex", dotenv_path=None)
    assert isinstance(client, AsterDEXExchange)
    assert client.ws_url == simulator.ws_url  # derived from the REST URL, not the venue's
    with caplog.at_level(logging.INFO, logger="execution.exchange.asterdex"):
        await check_on_simulator(client, simulator)
    connected = [r.getMessage() for r in caplog.records if "connected to" in r.getMessage()]
    assert connected and simulator.rest_url in connected[0]
    account = simulator.account
    shown = (account.api_key or "")[:4] if auth == "hmac" else (account.user or "")[:6]
    assert shown in connected[0]
    assert not any(secret in caplog.text for secret in secrets_of(simulator))


async def test_the_dotenv_file_is_read_when_the_environment_is_silent(
    tmp_path: Path, simulator: SimulatedExchange, auth: str
) -> None:
    dotenv = tmp_path / ".env"
    lines = {"ASTER_REST_URL": simulator.rest_url, **credential_env(simulator, auth)}
    dotenv.write_text("".join(f"{k}={v}\n" for k, v in lines.items()))
    dotenv.chmod(0o600)
    await check_on_simulator(AsterDEXExchange(dotenv_path=dotenv), simulator)


async def test_arguments_win_over_the_environment(
    monkeypatch: pytest.MonkeyPatch, simulator: SimulatedExchange
) -> None:
    monkeypatch.setenv("ASTER_REST_URL", "http://127.0.0.1:9")  # nothing listens there
    monkeypatch.setenv("ASTER_WS_URL", "ws://127.0.0.1:9")
    for name, value in credential_env(simulator, "hmac").items():
        monkeypatch.setenv(name, value)
    client = AsterDEXExchange(rest_urls=[simulator.rest_url], ws_url=simulator.ws_url,
                              dotenv_path=None)
    assert client.ws_url == simulator.ws_url
    await check_on_simulator(client, simulator)


async def test_the_ws_url_from_the_environment_carries_the_user_stream(
    monkeypatch: pytest.MonkeyPatch, simulator: SimulatedExchange
) -> None:
    monkeypatch.setenv("ASTER_REST_URL", simulator.rest_url + "/")
    monkeypatch.setenv("ASTER_WS_URL", simulator.ws_url)
    for name, value in credential_env(simulator, "hmac").items():
        monkeypatch.setenv(name, value)
    resynced = asyncio.Event()

    def handler(event: UserEvent) -> None:
        if isinstance(event, StreamStatus) and event.state is StreamState.RESYNCED:
            resynced.set()

    client = AsterDEXExchange(dotenv_path=None)
    assert client.rest_urls == [simulator.rest_url] and client.ws_url == simulator.ws_url
    async with client:
        await client.start_user_stream(handler)
        await asyncio.wait_for(resynced.wait(), 30)


def test_aster_testnet_selects_the_test_hosts(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ASTER_TESTNET", "1")
    client = AsterDEXExchange(dotenv_path=None)
    hosts = ASTERDEX.testnet
    assert client.testnet and not client.is_live
    assert client.rest_urls == list(hosts.rest_urls) and client.ws_url == hosts.ws_url
    explicit = AsterDEXExchange(dotenv_path=None, testnet=False)  # an argument wins
    assert not explicit.testnet and explicit.is_live


def test_eip712_on_testnet_signs_with_the_testnet_chain(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ASTER_TESTNET", "true")
    monkeypatch.setenv("ASTER_USER", "0x63DD5aCC6b1aa0f563956C0e534DD30B6dcF7C4e")
    monkeypatch.setenv("ASTER_PRIVATE_KEY",
                       "0x4fd0a42218f3eae43a6ce26d22544e986139a01e5b34a62db53757ffca81bae1")
    client = AsterDEXExchange(dotenv_path=None)
    assert client._signer is not None and client._signer._chain_id == EIP712_TESTNET_CHAIN_ID


async def test_the_simulator_venue_ignores_the_testnet_flag(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ASTER_TESTNET", "1")
    async with create_exchange("simulator", auth="eip712") as client:
        assert "USDT" in await client.fetch_balance()
