"""Every command against a simulator on loopback, through typer's CliRunner."""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from execution.simulator import SimulatedExchange

Env = Callable[[SimulatedExchange], dict[str, str]]


def data(outcome: Any) -> Any:
    assert outcome.exit_code == 0, outcome
    return json.loads(outcome.stdout)


async def test_balance(cli: Any, simulator: SimulatedExchange, sim_env: Env) -> None:
    table = await cli.arun("balance", env=sim_env(simulator))
    assert table.exit_code == 0, table
    assert "USDT" in table.stdout and "10000" in table.stdout
    assert simulator.rest_url in table.stderr  # says where it looked
    balances = data(await cli.arun("balance", "--json", env=sim_env(simulator)))["balances"]
    assert balances[0]["asset"] == "USDT"
    assert Decimal(balances[0]["wallet_balance"]) == Decimal(10000)


async def test_market_buy_then_positions(
    cli: Any, simulator: SimulatedExchange, sim_env: Env
) -> None:
    env = sim_env(simulator)
    outcome = await cli.arun("buy", "BTCUSDT", "0.02", "--json", env=env)
    order = data(outcome)["order"]
    assert order["status"] == "FILLED" and order["order_type"] == "MARKET"
    assert "About to BUY 0.02 BTCUSDT MARKET" in outcome.stderr
    api_key = simulator.account.api_key or ""
    assert f"API key {api_key[:4]}…{api_key[-4:]}" in outcome.stderr
    positions = data(await cli.arun("positions", "--json", env=env))["positions"]
    assert [(p["symbol"], p["quantity"]) for p in positions] == [("BTCUSDT", "0.02")]
    table = await cli.arun("positions", "-s", "BTCUSDT", env=env)
    assert "LONG" in table.stdout


async def test_limit_order_listed_then_cancelled_by_id(
    cli: Any, simulator: SimulatedExchange, sim_env: Env
) -> None:
    env = sim_env(simulator)
    placed = data(await cli.arun("buy", "BTCUSDT", "0.01", "--price", "40000", "--json",
                                 env=env))["order"]
    assert placed["status"] == "NEW" and placed["order_type"] == "LIMIT"
    assert placed["time_in_force"] == "GTC"
    listed = data(await cli.arun("orders", "--json", env=env))["orders"]
    assert [o["order_id"] for o in listed] == [placed["order_id"]]
    table = await cli.arun("orders", env=env)
    assert placed["order_id"] in table.stdout
    cancelled = data(await cli.arun("cancel", "BTCUSDT", placed["order_id"], "--json",
                                    env=env))["order"]
    assert cancelled["status"] == "CANCELED"
    assert data(await cli.arun("orders", "--json", env=env))["orders"] == []


async def test_cancel_by_client_id_and_history(
    cli: Any, simulator: SimulatedExchange, sim_env: Env
) -> None:
    env = sim_env(simulator)
    await cli.arun("sell", "ETHUSDT", "0.5", "--price", "3500", "--client-id", "cli-test-1",
                   env=env)
    outcome = await cli.arun("cancel", "ETHUSDT", "--client-id", "cli-test-1", env=env)
    assert outcome.exit_code == 0, outcome
    assert "CANCELED" in outcome.stdout
    history = data(await cli.arun("orders", "--history", "-s", "ETHUSDT", "--json",
                                  env=env))["orders"]
    assert [(o["client_order_id"], o["status"]) for o in history] == [
        ("cli-test-1", "CANCELED")
    ]
    assert simulator.orders_created("cli-test-1") == 1


async def test_stop_and_take_profit_orders_then_cancel_all(
    cli: Any, simulator: SimulatedExchange, sim_env: Env
) -> None:
    env = sim_env(simulator)
    await cli.arun("buy", "BTCUSDT", "0.03", env=env)
    stop = data(await cli.arun(
        "sell", "BTCUSDT", "0.03", "--type", "stop", "--stop-price", "48000", "--reduce-only",
        "--json", env=env))["order"]
    # JSON carries the exchange's type names
    assert (stop["order_type"], stop["stop_price"], stop["reduce_only"]) == (
        "STOP_MARKET", "48000", True)
    profit = data(await cli.arun(
        "sell", "BTCUSDT", "0.03", "--type", "take-profit", "--stop-price", "55000",
        "--reduce-only", "--working-type", "mark", "--json", env=env))["order"]
    assert profit["order_type"] == "TAKE_PROFIT_MARKET"
    assert profit["working_type"] == "MARK_PRICE"
    stop_limit = data(await cli.arun(
        "sell", "BTCUSDT", "0.01", "--type", "stop", "--stop-price", "48500", "--price",
        "48400", "--reduce-only", "--json", env=env))["order"]
    assert stop_limit["order_type"] == "STOP" and stop_limit["price"] == "48400"
    assert len(data(await cli.arun("orders", "-s", "BTCUSDT", "--json", env=env))["orders"]) == 3
    outcome = await cli.arun("cancel-all", "BTCUSDT", "--json", env=env)
    assert len(data(outcome)["cancelled"]) == 3
    assert "cancel all 3 open BTCUSDT orders" in outcome.stderr
    assert data(await cli.arun("orders", "--json", env=env))["orders"] == []


async def test_close_cancels_the_orders_and_flattens_the_position(
    cli: Any, simulator: SimulatedExchange, sim_env: Env
) -> None:
    env = sim_env(simulator)
    await cli.arun("buy", "BTCUSDT", "0.03", env=env)
    await cli.arun("sell", "BTCUSDT", "0.03", "--type", "stop", "--stop-price", "48000",
                   "--reduce-only", env=env)
    outcome = await cli.arun("close", "BTCUSDT", "--json", env=env)
    (order,) = data(outcome)["orders"]
    assert (order["side"], order["order_type"], order["status"]) == ("SELL", "MARKET", "FILLED")
    assert order["reduce_only"] and order["filled_quantity"] == "0.03"
    assert "close the BTCUSDT position (0.03) and cancel its open orders" in outcome.stderr
    assert data(await cli.arun("positions", "--json", env=env))["positions"] == []
    assert data(await cli.arun("orders", "--json", env=env))["orders"] == []
    again = await cli.arun("close", "BTCUSDT", env=env)
    assert again.exit_code == 0 and "no open BTCUSDT position" in again.stdout


async def test_leverage(cli: Any, simulator: SimulatedExchange, sim_env: Env) -> None:
    env = sim_env(simulator)
    assert data(await cli.arun("leverage", "BTCUSDT", "7", "--json", env=env)) == {
        "symbol": "BTCUSDT", "leverage": 7}
    await cli.arun("buy", "BTCUSDT", "0.01", env=env)
    positions = data(await cli.arun("positions", "--json", env=env))["positions"]
    assert positions[0]["leverage"] == 7


async def test_v3_credentials(cli: Any, simulator: SimulatedExchange) -> None:
    account = simulator.account
    assert account.user and account.signer and account.signer_private_key
    env = {
        "ASTER_REST_URL": simulator.rest_url,
        "ASTER_USER": account.user,
        "ASTER_SIGNER": account.signer,
        "ASTER_PRIVATE_KEY": account.signer_private_key,
    }
    outcome = await cli.arun("buy", "sol/usdt", "1", env=env)
    assert outcome.exit_code == 0, outcome
    assert "user 0x" in outcome.stderr  # v3 account named, key never printed
    assert account.signer_private_key not in outcome.stdout + outcome.stderr
    assert any("/fapi/v3/order" in r.path for r in simulator.request_log)


def test_embedded_simulator_by_default(cli: Any) -> None:
    outcome = cli.run("balance", "--json")
    assert data(outcome)["balances"][0]["asset"] == "USDT"
    assert "embedded simulator" in outcome.stderr
    bought = cli.run("buy", "BTCUSDT", "0.01")
    assert bought.exit_code == 0, bought
    assert "state ends with this command" in bought.stderr
    v3 = cli.run("buy", "ETHUSDT", "0.1", "--auth", "eip712")
    assert v3.exit_code == 0, v3


def test_size_methods(cli: Any) -> None:
    base = ["--balance", "10000", "--price", "50000", "--leverage", "3"]
    risk = data(cli.run("size", "risk", *base, "--stop", "48000", "--risk", "1.5", "--json"))
    assert risk["valid"] is True
    assert Decimal(risk["result"]["quantity"]) == Decimal("0.06")
    assert risk["result"]["capped"] is True
    table = cli.run("size", "risk", *base, "--stop", "48000", "--risk", "1.5")
    assert "valid" in table.stdout and "0.06" in table.stdout
    fixed = data(cli.run("size", "fixed", *base, "--percent", "5", "--json"))
    assert fixed["valid"] is False and fixed["violations"]
    kelly = data(cli.run("size", "kelly", *base, "--win-rate", "0.55", "--avg-win", "500",
                         "--avg-loss", "300", "--fraction", "0.5", "--json"))
    assert Decimal(kelly["result"]["notional"]) == Decimal(3000)
    vol = data(cli.run("size", "volatility", *base, "--volatility", "0.04",
                       "--target-volatility", "0.02", "--json"))
    assert Decimal(vol["result"]["quantity"]) == Decimal("0.03")
    atr = data(cli.run("size", "atr", *base, "--atr", "800", "--atr-multiplier", "2", "--json"))
    assert Decimal(atr["result"]["stop_price"]) == Decimal(48400)
    short = data(cli.run("size", "risk", *base, "--stop", "52000", "--side", "sell", "--json"))
    assert short["result"]["side"] == "SELL"


def test_size_reference_table(cli: Any) -> None:
    table = cli.run("size", "--table")
    assert table.exit_code == 0
    for cell in ("fixed %", "Kelly", "volatility", "risk-based", "ATR-based", "1.20", "0.96"):
        assert cell in table.stdout, cell
    markdown = cli.run("size", "--table", "--markdown").stdout.splitlines()
    assert markdown == [
        "| method | inputs | quantity | notional | margin | risk % | valid |",
        "| --- | --- | --- | --- | --- | --- | --- |",
        "| fixed % | 5% | 0.03 | 1,500 | 500 | 5.00 (no stop: margin) | no |",
        "| Kelly | p=0.55, win 500, loss 300, half | 0.06 | 3,000 | 1,000 (14% capped to 10%)"
        " | 10.00 | no |",
        "| volatility | vol 0.04, target 0.02 | 0.03 | 1,500 | 500 | 5.00 | no |",
        "| risk-based | stop 48,000, risk 2% | 0.06 | 3,000 | 1,000 (16.7% capped to 10%)"
        " | 1.20 | yes |",
        "| ATR-based | ATR 800, x2 (stop 48,400) | 0.06 | 3,000 | 1,000 (20.8% capped to 10%)"
        " | 0.96 | yes |",
    ]
    rows = data(cli.run("size", "--table", "--json"))["rows"]
    assert [(r["result"]["quantity"], r["valid"]) for r in rows] == [
        ("0.03", False), ("0.06", False), ("0.03", False), ("0.06", True), ("0.06", True)]


def test_help_names_the_exit_codes_and_the_embedded_simulator(cli: Any) -> None:
    outcome = cli.run("--help")
    assert outcome.exit_code == 0
    for text in ("embedded", "6: mainnet trading without --live", "sim", "demo", "history"):
        assert text in outcome.stdout
    buy_help = cli.run("buy", "--help").stdout
    assert "--reduce-only" in buy_help and "--client-id" in buy_help and "--live" in buy_help


async def test_orders_placed_with_a_store_show_in_history(
    cli: Any, simulator: SimulatedExchange, sim_env: Env, tmp_path: Any
) -> None:
    env = {**sim_env(simulator), "ASTER_STORE": str(tmp_path / "cli-orders.sqlite")}
    bought = await cli.arun("buy", "BTCUSDT", "0.02", "--strategy", "manual", "--json", env=env)
    assert data(bought)["order"]["status"] == "FILLED"
    stop = await cli.arun("sell", "BTCUSDT", "0.02", "--type", "stop", "--stop-price", "47000",
                          "--reduce-only", "--strategy", "manual", "--client-id", "cli-stop",
                          "--json", env=env)
    assert data(stop)["order"]["status"] == "NEW"
    history = data(await cli.arun("history", "--strategy", "manual", "--json", env=env))
    assert [(o["order"]["side"], o["order"]["status"]) for o in history["orders"]] == [
        ("BUY", "FILLED"), ("SELL", "NEW")]
    events = await cli.arun("history", "--events", "cli-stop", env=env)
    assert events.exit_code == 0 and "Events of cli-stop" in events.stdout
    # A stop-limit goes through the manager too; one whose limit price the exchange's
    # PERCENT_PRICE filter refuses is refused here, naming the rule, and nothing is sent.
    sent = len(simulator.request_log)
    refused = await cli.arun("sell", "BTCUSDT", "0.02", "--type", "stop", "--stop-price",
                             "47000", "--price", "46950", env=env)
    assert refused.exit_code == 2 and "PERCENT_PRICE" in refused.stderr
    assert not [r for r in list(simulator.request_log)[sent:]
                if r.method == "POST" and r.path.endswith("/order")]


def test_store_refused_with_the_embedded_simulator(cli: Any, tmp_path: Any) -> None:
    outcome = cli.run("buy", "BTCUSDT", "0.01", "--store", str(tmp_path / "x.sqlite"))
    assert outcome.exit_code == 2 and "--url" in outcome.stderr


def test_sim_refuses_a_bad_klines_option_in_one_line(cli: Any, tmp_path: Any) -> None:
    for spec in ("BTCUSDT", "DOGEUSDT=x.csv", f"BTCUSDT={tmp_path / 'missing.csv'}"):
        outcome = cli.run("sim", "--port", "0", "--klines", spec)
        assert outcome.exit_code == 2, outcome
        assert outcome.stderr.strip().count("\n") == 0 and "klines" in outcome.stderr
