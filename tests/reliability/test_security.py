"""Secrets stay secret; the exchange refuses forged, stale and replayed requests; mainnet
needs the opt-in; a `.env` others can read draws a warning.

The secret scan plants a known HMAC secret and a known EIP-712 private key, drives
placements, errors, CLI commands and the order store with logging at DEBUG, then searches
everything written for them: the log records, stdout/stderr, reprs, exception texts and the
bytes of the SQLite files.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import time
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import aiohttp
import pytest
from typer.testing import CliRunner

from execution.auth import Eip712Credentials, HmacCredentials, hmac_sha256_hex
from execution.cli.main import app
from execution.errors import ExecutionError, LiveTradingNotAllowedError
from execution.exchange.asterdex import AsterDEXExchange
from execution.exchange.factory import create_exchange
from execution.models import OrderSide, OrderType
from execution.orders.manager import OrderManager
from execution.secrets import Secret
from execution.simulator import SimAccount, SimulatedExchange
from execution.simulator.accounts import address_of

D = Decimal
BTC = "BTCUSDT"
HMAC_SECRET = "PlantedHmacSecret0123456789abcdefPlantedHmacSecret0123456789abcd"
SIGNER_KEY = "0x" + "5e" * 31 + "c7"
USER_KEY = "0x" + "3a" * 31 + "91"
CLEAN_ENV: dict[str, str | None] = {
    name: None for name in (
        "ASTER_VENUE", "ASTER_REST_URL", "ASTER_WS_URL", "ASTER_TESTNET", "ASTER_ALLOW_LIVE",
        "ASTER_AUTH", "ASTER_API_KEY", "ASTER_API_SECRET", "ASTER_USER", "ASTER_SIGNER",
        "ASTER_PRIVATE_KEY", "BINANCE_API_KEY", "BINANCE_API_SECRET", "ASTER_STORE",
        "ASTER_SIM_SEED",
    )
}


def _planted_account() -> SimAccount:
    return SimAccount(
        account_id="planted", api_key="ab" * 32, api_secret=HMAC_SECRET,
        user=address_of(USER_KEY), signer=address_of(SIGNER_KEY),
        signer_private_key=SIGNER_KEY, user_private_key=USER_KEY,
        balances={"USDT": D("100000")},
    )


def _needles() -> list[str]:
    key_hex = SIGNER_KEY.removeprefix("0x")
    return [HMAC_SECRET, key_hex, key_hex.upper(), HMAC_SECRET[:24], key_hex[:24]]


def _leaks(text: str | bytes) -> list[str]:
    data = text.decode("latin-1") if isinstance(text, bytes) else text
    return [needle for needle in _needles() if needle in data]


async def _drive(exchange: AsterDEXExchange, sim: SimulatedExchange, db: Path,
                 written: list[str]) -> None:
    """Placements, rejections, lost answers and lookups through a manager with a store."""
    async with OrderManager(exchange, db, poll_interval=0.1, pending_grace=0.2) as manager:
        managed = await manager.place_limit_order(BTC, OrderSide.BUY, D("0.01"), D("40000"))
        written.append(repr(managed))
        sim.faults.fail_requests(1, status=503, code=-1007, execute=True, path="order",
                                 method="POST")
        await manager.place_limit_order(BTC, OrderSide.BUY, D("0.01"), D("40100"))
        sim.faults.drop_responses(1, path="order", method="POST")
        await manager.place_market_order(BTC, OrderSide.BUY, D("0.002"))
        for attempt in (
            manager.place_limit_order(BTC, OrderSide.BUY, D("-1"), D("40000")),
            manager.place_market_order(BTC, OrderSide.SELL, D("5"), reduce_only=True),
            manager.place_limit_order("NOPEUSDT", OrderSide.BUY, D("1"), D("1")),
            exchange.fetch_order(BTC, client_order_id="does-not-exist"),
            exchange.create_order(BTC, OrderSide.SELL, OrderType.MARKET, D("50"),
                                  reduce_only=True),
        ):
            try:
                await attempt
            except ExecutionError as exc:
                written += [str(exc), repr(exc), repr(exc.args)]
        await manager.cancel_all_orders(BTC)
        written.append(repr(manager.get_statistics()))
    written += [repr(exchange), repr(exchange.tracked_orders)]


def _cli(args: list[str], env: dict[str, str]) -> str:
    result = CliRunner().invoke(app, args, env={**CLEAN_ENV, **env})
    return f"{result.exit_code}\n{result.stdout}\n{result.stderr}\n{result.exception!r}"


async def test_planted_secrets_appear_nowhere(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    caplog.set_level(logging.DEBUG)
    monkeypatch.chdir(tmp_path)
    account = _planted_account()
    written: list[str] = []
    async with SimulatedExchange(seed=7, accounts=[account]) as sim:
        hmac_credentials = HmacCredentials(account.api_key or "", Secret(HMAC_SECRET))
        eip_credentials = Eip712Credentials(account.user or "", account.signer,
                                            Secret(SIGNER_KEY))
        written += [repr(hmac_credentials), str(hmac_credentials), repr(eip_credentials),
                    repr(account)]
        for index, credentials in enumerate((hmac_credentials, eip_credentials)):
            async with AsterDEXExchange(credentials, rest_urls=sim.rest_urls,
                                        ws_url=sim.ws_url, dotenv_path=None) as exchange:
                await _drive(exchange, sim, tmp_path / f"orders-{index}.sqlite", written)
        # A wrong HMAC secret and a wrong signer key: authentication errors must not echo.
        for credentials in (
            HmacCredentials(account.api_key or "", Secret(HMAC_SECRET[::-1])),
            Eip712Credentials(account.user or "", None, Secret(USER_KEY[:-2] + "00")),
        ):
            with contextlib.suppress(ExecutionError):
                async with AsterDEXExchange(credentials, rest_urls=sim.rest_urls,
                                            ws_url=sim.ws_url, dotenv_path=None) as exchange:
                    await exchange.fetch_balance()
        written += [repr(record.__dict__) for record in caplog.records]

        hmac_env = {"ASTER_REST_URL": sim.rest_url, "ASTER_API_KEY": account.api_key or "",
                    "ASTER_API_SECRET": HMAC_SECRET}
        v3_env = {"ASTER_REST_URL": sim.rest_url, "ASTER_USER": account.user or "",
                  "ASTER_SIGNER": account.signer or "", "ASTER_PRIVATE_KEY": SIGNER_KEY}
        commands = [
            ["balance"], ["--debug", "balance"], ["buy", BTC, "0.01", "--price", "40000"],
            ["buy", BTC, "-1"], ["--debug", "sell", BTC, "50", "--reduce-only"],
            ["orders", "--symbol", BTC], ["cancel-all", BTC, "--yes"],
            ["buy", BTC, "0.01", "--price", "40000", "--store", str(tmp_path / "cli.sqlite")],
            ["history", "--store", str(tmp_path / "cli.sqlite")],
        ]
        exit_codes: list[int] = []
        for env in (hmac_env, v3_env):
            for command in commands:
                outcome = await asyncio.to_thread(_cli, command, env)
                exit_codes.append(int(outcome.split("\n", 1)[0]))
                written.append(outcome)
        written.append(await asyncio.to_thread(
            _cli, ["balance", "--api-secret", HMAC_SECRET + "x"], {**hmac_env}
        ))

    captured = capsys.readouterr()
    written += [caplog.text, captured.out, captured.err]
    contents = await asyncio.to_thread(
        lambda: {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
    )
    assert any(p.suffix == ".sqlite" for p in contents)
    for path, data in contents.items():
        assert _leaks(data) == [], path
    for text in written:
        assert _leaks(text) == [], text[:2000]
    assert len(caplog.records) > 20  # DEBUG logging really ran
    assert exit_codes.count(0) >= 10 and set(exit_codes) - {0} <= {2, 4}, exit_codes


# -- the exchange refuses forged, stale and replayed requests --------------------------------


async def _post(url: str, body: str, headers: dict[str, str]) -> tuple[int, Any]:
    async with aiohttp.ClientSession() as session, session.post(
        url, data=body, headers={**headers,
                                 "Content-Type": "application/x-www-form-urlencoded"},
    ) as response:
        return response.status, await response.json(content_type=None)


def _order_params() -> list[tuple[str, str]]:
    return [("symbol", BTC), ("side", "BUY"), ("type", "LIMIT"), ("timeInForce", "GTC"),
            ("quantity", "0.01"), ("price", "40000")]


async def test_simulator_refuses_bad_signatures_stale_timestamps_and_replayed_nonces(
    simulator: SimulatedExchange,
) -> None:
    account = simulator.account
    assert account.api_key and account.api_secret and account.signer_private_key
    url_v1 = f"{simulator.rest_url}/fapi/v1/order"
    key_header = {"X-MBX-APIKEY": account.api_key}
    now = int(time.time() * 1000)

    def hmac_body(params: list[tuple[str, str]], secret: str) -> str:
        encoded = urlencode(params)
        return f"{encoded}&signature={hmac_sha256_hex(secret, encoded)}"

    fresh = [*_order_params(), ("timestamp", str(now))]
    tampered = hmac_body(fresh, account.api_secret).replace("price=40000", "price=40001")
    outcomes = [
        await _post(url_v1, hmac_body(fresh, "not-the-secret"), key_header),
        await _post(url_v1, tampered, key_header),
        await _post(url_v1, hmac_body([*_order_params(), ("timestamp", str(now - 120_000))],
                                      account.api_secret), key_header),
        await _post(url_v1, hmac_body([*_order_params(), ("timestamp", str(now + 120_000))],
                                      account.api_secret), key_header),
    ]
    assert [(status, body["code"]) for status, body in outcomes] == [
        (400, -1022), (400, -1022), (400, -1021), (400, -1021)
    ]

    credentials = Eip712Credentials(account.user or "", account.signer,
                                    Secret(account.signer_private_key))
    url_v3 = f"{simulator.rest_url}/fapi/v3/order"

    def v3_body(nonce: int, extra: list[tuple[str, str]] | None = None) -> str:
        params = [*_order_params(), *(extra or []), ("user", credentials.user),
                  ("signer", credentials.signer), ("nonce", str(nonce))]
        encoded = urlencode(params)
        return f"{encoded}&signature={credentials.sign(encoded)}"

    nonce = int(time.time() * 1_000_000)
    first = await _post(url_v3, v3_body(nonce, [("newClientOrderId", "v3-once")]), {})
    replay = await _post(url_v3, v3_body(nonce, [("newClientOrderId", "v3-once")]), {})
    stale = await _post(url_v3, v3_body(nonce - 60_000_000), {})
    forged = v3_body(nonce + 1).replace("quantity=0.01", "quantity=0.02")
    assert first[0] == 200, first
    assert (replay[0], replay[1]["code"]) == (400, -4225)
    assert (stale[0], stale[1]["code"]) == (400, -4225)
    assert (await _post(url_v3, forged, {}))[1]["code"] in (-1022, -2015)
    assert dict(simulator.ledger) == {"v3-once": 1}


# -- mainnet needs the opt-in ----------------------------------------------------------------


async def test_live_trading_without_the_opt_in_is_refused_before_any_request(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
) -> None:
    monkeypatch.delenv("ASTER_ALLOW_LIVE", raising=False)
    monkeypatch.chdir(tmp_path)
    credentials = HmacCredentials("live-key", Secret(HMAC_SECRET))
    exchange = AsterDEXExchange(credentials, dotenv_path=None)  # mainnet hosts; never opened
    assert exchange.is_live
    calls = [
        exchange.create_order(BTC, OrderSide.BUY, OrderType.MARKET, D("0.01")),
        exchange.cancel_order("1", BTC),
        exchange.cancel_all_orders(BTC),
        exchange.set_leverage(BTC, 5),
    ]
    for call in calls:
        with pytest.raises(LiveTradingNotAllowedError):
            await call
    factory_made = create_exchange("asterdex", credentials=credentials, dotenv_path=None)
    with pytest.raises(LiveTradingNotAllowedError):
        await factory_made.create_order(BTC, OrderSide.BUY, OrderType.MARKET, D("0.01"))
    # The CLI says so with its own exit code, before connecting anywhere.
    outcome = await asyncio.to_thread(
        _cli, ["buy", BTC, "0.01", "--venue", "asterdex", "--yes"],
        {"ASTER_API_KEY": "live-key", "ASTER_API_SECRET": HMAC_SECRET},
    )
    assert outcome.startswith("6\n"), outcome


# -- .env permissions ------------------------------------------------------------------------


@pytest.mark.parametrize(("mode", "warned"), [(0o644, True), (0o640, True), (0o600, False)])
def test_a_dotenv_file_readable_by_others_draws_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, mode: int, warned: bool,
) -> None:
    dotenv = tmp_path / ".env"
    dotenv.write_text(f"ASTER_API_KEY=k\nASTER_API_SECRET={HMAC_SECRET}\n")
    os.chmod(dotenv, mode)
    caplog.set_level(logging.WARNING)
    exchange = AsterDEXExchange(dotenv_path=dotenv, rest_urls=["http://127.0.0.1:9"])
    assert repr(exchange).count(HMAC_SECRET) == 0
    warnings = [r for r in caplog.records if ".env" in r.getMessage()]
    assert bool(warnings) is warned
    assert HMAC_SECRET not in caplog.text
