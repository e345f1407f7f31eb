"""Credentials from env/.env, the live opt-in, the factory, and secrets kept out of text."""

from __future__ import annotations

import logging
import os
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from execution.auth import Eip712Credentials, HmacCredentials
from execution.errors import (
    AuthenticationError,
    ConfigurationError,
    ExecutionError,
    LiveTradingNotAllowedError,
    ValidationError,
)
from execution.exchange.asterdex import AsterDEXExchange
from execution.exchange.config import credentials_from_env, is_live_url, read_env
from execution.exchange.factory import SimulatorExchange, create_exchange
from execution.models import OrderSide, OrderStatus, OrderType
from execution.secrets import Secret
from execution.simulator import SimulatedExchange

KEY = "0x4fd0a42218f3eae43a6ce26d22544e986139a01e5b34a62db53757ffca81bae1"
USER = "0x63DD5aCC6b1aa0f563956C0e534DD30B6dcF7C4e"
ENV_NAMES = ("ASTER_API_KEY", "ASTER_API_SECRET", "ASTER_USER", "ASTER_SIGNER",
             "ASTER_PRIVATE_KEY", "ASTER_ALLOW_LIVE")


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ENV_NAMES:
        monkeypatch.delenv(name, raising=False)


def test_credentials_from_env_pick_the_scheme() -> None:
    assert credentials_from_env({}) is None
    hmac = credentials_from_env({"ASTER_API_KEY": "k", "ASTER_API_SECRET": "s"})
    assert isinstance(hmac, HmacCredentials) and hmac.api_secret.reveal() == "s"
    v3 = credentials_from_env({"ASTER_USER": USER, "ASTER_PRIVATE_KEY": KEY})
    assert isinstance(v3, Eip712Credentials) and v3.user == USER
    with pytest.raises(ConfigurationError):
        credentials_from_env({"ASTER_API_KEY": "k"})


def test_dotenv_is_read_and_a_loose_mode_is_warned(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / ".env"
    path.write_text("ASTER_API_KEY=fromfile\nASTER_API_SECRET=filesecret\n")
    path.chmod(0o644)
    with caplog.at_level(logging.WARNING):
        env = read_env(path)
    assert env["ASTER_API_KEY"] == "fromfile" and "ASTER_API_KEY" not in os.environ
    assert "chmod 600" in caplog.text and "filesecret" not in caplog.text
    path.chmod(0o600)
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        read_env(path)
    assert "chmod" not in caplog.text
    client = AsterDEXExchange(dotenv_path=path)
    assert "fromfile" in repr(client) and "filesecret" not in repr(client)


def test_live_urls() -> None:
    assert is_live_url("https://fapi.asterdex.com")
    assert not is_live_url("https://fapi.asterdex-testnet.com")
    assert not is_live_url("http://127.0.0.1:8080") and not is_live_url("http://localhost:1")


async def test_mainnet_orders_need_the_opt_in(monkeypatch: pytest.MonkeyPatch) -> None:
    credentials = HmacCredentials("key", Secret("secret"))
    client = AsterDEXExchange(credentials, dotenv_path=None)
    assert client.is_live and client.rest_urls[0] == "https://fapi.asterdex.com"
    calls = (
        client.create_order("BTCUSDT", OrderSide.BUY, OrderType.MARKET, Decimal(1)),
        client.cancel_order("1", "BTCUSDT"),
        client.cancel_all_orders("BTCUSDT"),
        client.set_leverage("BTCUSDT", 5),
    )
    for call in calls:
        with pytest.raises(LiveTradingNotAllowedError):
            await call  # refused before any request: the client is not even connected
    monkeypatch.setenv("ASTER_ALLOW_LIVE", "1")
    allowed = AsterDEXExchange(credentials, dotenv_path=None)
    with pytest.raises(ValidationError):  # past the opt-in; the symbol is unknown offline
        await allowed.create_order("BTCUSDT", OrderSide.BUY, OrderType.MARKET, Decimal(1))
    assert not AsterDEXExchange(credentials, testnet=True, dotenv_path=None).is_live
    assert AsterDEXExchange(credentials, testnet=True, dotenv_path=None).rest_urls == [
        "https://fapi.asterdex-testnet.com"
    ]


def test_binance_takes_hmac_only() -> None:
    client = create_exchange("binance", credentials=HmacCredentials("k", Secret("s")),
                             dotenv_path=None)
    assert isinstance(client, AsterDEXExchange)
    assert client.rest_urls == ["https://fapi.binance.com"]
    with pytest.raises(ConfigurationError):
        create_exchange("binance", credentials=Eip712Credentials(USER, None, KEY),
                        dotenv_path=None)
    with pytest.raises(ConfigurationError):
        create_exchange("kraken")


@pytest.mark.parametrize("auth", ["hmac", "eip712"])
async def test_simulator_factory_starts_and_stops_its_exchange(auth: str) -> None:
    client = create_exchange("simulator", auth=auth, seed=3)
    assert isinstance(client, SimulatorExchange)
    async with client:
        assert client.simulator.rest_url.startswith("http://127.0.0.1")
        order = await client.create_order("ETHUSDT", OrderSide.BUY, OrderType.MARKET,
                                          Decimal("0.01"))
        assert order.status is OrderStatus.FILLED
        assert client.simulator.orders_created(order.client_order_id) == 1


async def test_secrets_never_appear_in_reprs_logs_or_errors(
    simulator: SimulatedExchange, caplog: pytest.LogCaptureFixture, auth: str, make_client: Any
) -> None:
    account = simulator.account
    planted = [account.api_secret, account.signer_private_key,
               (account.signer_private_key or "").removeprefix("0x")]
    texts: list[str] = []
    caplog.set_level(logging.DEBUG)
    client = make_client(simulator, auth)
    texts += [repr(client), str(client), repr(client._credentials), repr(client._signer)]
    async with client:
        simulator.faults.drop_responses(count=1, path="order", method="POST")
        simulator.faults.fail_requests(count=1, status=503, code=-1007, path="balance")
        await client.fetch_balance()
        mark = await client.fetch_mark_price("BTCUSDT")
        await client.create_order("BTCUSDT", OrderSide.BUY, OrderType.LIMIT, Decimal("0.002"),
                                  price=(mark * Decimal("0.9")).quantize(Decimal("0.1")))
        errors: list[BaseException] = []
        for bad in (
            client.create_order("BTCUSDT", OrderSide.BUY, OrderType.LIMIT, Decimal("0.002")),
            client.create_order("BTCUSDT", OrderSide.BUY, OrderType.MARKET, Decimal("100")),
            client.fetch_order("BTCUSDT", client_order_id="nope"),
        ):
            try:
                await bad
            except ExecutionError as exc:
                errors.append(exc)
        texts += [f"{e!r} {e} {e.__cause__!r}" for e in errors]
    # wrong credentials: the authentication error must not echo them either
    wrong = HmacCredentials("k" * 64, Secret("f" * 64 + "PLANTEDSECRET"))
    async with AsterDEXExchange(wrong, rest_urls=simulator.rest_urls, dotenv_path=None) as bad:
        with pytest.raises(AuthenticationError) as info:
            await bad.fetch_balance()
        texts += [repr(bad), str(info.value), repr(info.value)]
    texts.append(caplog.text)
    texts += [repr(record.__dict__) for record in caplog.records]
    blob = "\n".join(texts)
    for secret in (*planted, "PLANTEDSECRET"):
        assert secret and secret not in blob
    assert len(errors) == 3
