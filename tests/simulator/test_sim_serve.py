"""The standalone server entry and its account options."""

from __future__ import annotations

import asyncio
import contextlib
import re
from decimal import Decimal

import aiohttp
import pytest

from execution.errors import ConfigurationError
from execution.simulator import SimAccount
from execution.simulator.accounts import new_wallet
from execution.simulator.serve import (
    READY_LINE,
    account_from_options,
    describe_account,
    parse_balances,
    serve,
)


async def _run_until_ready(**options) -> tuple[asyncio.Task[None], list[str], asyncio.Event]:
    lines: list[str] = []
    ready = asyncio.Event()

    def capture(line: str) -> None:
        lines.append(line)
        if line == READY_LINE:
            ready.set()

    task = asyncio.create_task(serve("127.0.0.1", 0, print_line=capture, **options))
    await asyncio.wait_for(ready.wait(), 5)
    return task, lines, ready


async def test_serve_prints_urls_credentials_and_ready_line() -> None:
    task, lines, _ = await _run_until_ready(auto_tick=False)
    try:
        url = re.search(r"REST (http://127\.0\.0\.1:\d+)", lines[0]).group(1)
        assert any(line.strip().startswith("ASTER_API_SECRET=") for line in lines)
        assert lines[-1] == READY_LINE
        async with aiohttp.ClientSession() as session, session.get(url + "/fapi/v1/ping") as r:
            assert r.status == 200
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def test_serve_with_given_accounts_prints_no_secrets() -> None:
    account = SimAccount("mine", api_key="k1", api_secret="s3cret-value")
    task, lines, _ = await _run_until_ready(accounts=[account], auto_tick=True,
                                            tick_interval=0.01)
    try:
        assert not any("s3cret-value" in line for line in lines)
        await asyncio.sleep(0.05)
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


def test_parse_balances() -> None:
    assert parse_balances(["USDT=10000", "bnb=1.5"]) == {"USDT": Decimal("10000"),
                                                         "BNB": Decimal("1.5")}
    for bad in ("USDT", "USDT=abc", "=5", "USDT=-1", "USDT=NaN"):
        with pytest.raises(ConfigurationError):
            parse_balances([bad])


def test_account_from_options_and_environment() -> None:
    assert account_from_options(environ={}) is None
    signer, signer_key = new_wallet()
    user, _ = new_wallet()
    account = account_from_options(user=user, signer_private_key=signer_key, environ={},
                                   balances={"USDT": Decimal("5")})
    assert account is not None and account.signer == signer and account.user == user
    assert account.balances == {"USDT": Decimal("5")}
    from_env = account_from_options(environ={"ASTER_API_KEY": "abc", "ASTER_API_SECRET": "x"})
    assert from_env is not None and from_env.api_key == "abc"
    with pytest.raises(ConfigurationError):
        account_from_options(api_key="abc", environ={})


def test_secrets_stay_out_of_repr() -> None:
    account = SimAccount.generate()
    text = repr(account)
    assert account.api_secret not in text and account.signer_private_key not in text
    assert account.user_private_key not in text
    assert any(account.api_secret in line for line in describe_account(account))


@pytest.mark.parametrize("lenient", [False, True])
async def test_serve_is_strict_unless_lenient(lenient: bool) -> None:
    """`aster-exec sim` serves the documented paths only; `--lenient` adds the extras."""
    task, lines, _ = await _run_until_ready(auto_tick=False, lenient=lenient)
    try:
        url = re.search(r"REST (http://127\.0\.0\.1:\d+)", lines[0]).group(1)
        async with aiohttp.ClientSession() as session:
            async with session.get(url + "/api/v3/exchangeInfo") as spot:
                assert spot.status == (200 if lenient else 404)
            async with session.get(url + "/fapi/v3/ping") as documented:
                assert documented.status == 200
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


def test_sim_command_has_lenient_and_testnet_options() -> None:
    from typer.testing import CliRunner

    from execution.cli.main import app

    result = CliRunner().invoke(app, ["sim", "--help"], env={"COLUMNS": "200", "NO_COLOR": "1"})
    assert result.exit_code == 0
    assert "--lenient" in result.output and "--testnet" in result.output


async def test_symbols_from_a_saved_exchange_info_file(tmp_path) -> None:
    import json

    from execution.simulator import SimulatedExchange
    from execution.simulator.engine.symbols import UNIVERSE

    async with SimulatedExchange(symbols=UNIVERSE) as wide, aiohttp.ClientSession() as session, \
            session.get(wide.rest_url + "/fapi/v1/exchangeInfo") as answer:
        saved = await answer.json()
    path = tmp_path / "exchangeInfo.json"
    path.write_text(json.dumps(saved))
    async with SimulatedExchange(symbols_file=path) as sim, aiohttp.ClientSession() as session, \
            session.get(sim.rest_url + "/fapi/v1/exchangeInfo") as answer:
        names = [s["symbol"] for s in (await answer.json())["symbols"]]
    assert names == [spec.symbol for spec in UNIVERSE]
    task, lines, _ = await _run_until_ready(auto_tick=False, symbols=UNIVERSE[-1:])
    try:
        url = re.search(r"REST (http://127\.0\.0\.1:\d+)", lines[0]).group(1)
        async with aiohttp.ClientSession() as session, session.get(
                url + "/fapi/v1/ticker/price") as answer:
            assert [t["symbol"] for t in await answer.json()] == ["1000SHIBUSDT"]
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


def test_sim_command_refuses_a_bad_symbols_file_in_one_line(tmp_path) -> None:
    from typer.testing import CliRunner

    from execution.cli.main import app

    bad = tmp_path / "symbols.json"
    bad.write_text("{}")
    result = CliRunner().invoke(app, ["sim", "--port", "0", "--symbols", str(bad)],
                                env={"COLUMNS": "200", "NO_COLOR": "1"})
    assert result.exit_code == 2, result.output
    assert "symbols" in result.output and "no symbols" in result.output
