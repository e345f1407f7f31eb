"""The account ledger from the command line, as a user runs it: the demo's round trip in
`pnl`, its fills with their fees in `trades`, funding settled on a held position in
`funding`, `pnl` and the ledger, `--csv`, `--plot`; and `sync` that brings it up to date."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from execution.simulator import SimulatedExchange
from execution.store import SQLiteOrderStore

D = Decimal


def _json(outcome: Any) -> Any:
    assert outcome.exit_code == 0, outcome.stderr
    return json.loads(outcome.stdout)


def test_the_demos_round_trip_is_in_pnl_and_its_fills_with_fees_in_trades(
    cli: Any, tmp_path: Path,
) -> None:
    store = tmp_path / "demo.sqlite"
    report = _json(cli.run("demo", "--store", str(store), "--json"))
    demo_pnl = report["pnl"]
    wallet = D(report["balance_after"]["wallet_balance"]) - D(
        report["balance_before"]["wallet_balance"])
    assert D(demo_pnl["wallet_change"]) == wallet

    shown = _json(cli.run("pnl", "--store", str(store), "--json"))
    (trip,) = shown["round_trips"]
    assert trip["closed_at"] is not None and trip["strategy"] == "demo"
    assert D(trip["net_pnl"]) == D(demo_pnl["net_pnl"]) == wallet  # to the last decimal
    assert D(trip["gross_pnl"]) == D(demo_pnl["gross_pnl"])
    assert D(trip["fees"]) == D(demo_pnl["fees"]) and D(trip["funding"]) == 0

    table = cli.run("pnl", "--store", str(store))
    assert table.exit_code == 0 and "1 closed round trip(s)" in table.stdout
    assert demo_pnl["net_pnl"] in table.stdout  # the demo's figure, as printed

    fills = _json(cli.run("trades", "--store", str(store), "--json"))["trades"]
    entry = next(o for o in report["orders"] if o["role"] == "ENTRY")
    assert [f["side"] for f in fills] == ["BUY", "SELL"]
    assert fills[0]["order_id"] == entry["order_id"]
    for f in fills:
        assert f["commission"] is not None and D(f["commission"]) > 0
        assert f["commission_asset"] == "USDT"
    assert sum(D(f["commission"]) for f in fills) == D(demo_pnl["fees"])
    text = cli.run("trades", "--store", str(store))
    assert "2 fill(s)" in text.stdout and fills[0]["commission"] in text.stdout

    rows = list(csv.reader(io.StringIO(cli.run("trades", "--store", str(store),
                                               "--csv").stdout)))
    assert rows[0][:6] == ["time", "symbol", "side", "price", "qty", "fee"]
    assert [r[5] for r in rows[1:]] == [f["commission"] for f in fills]
    per_strategy = _json(cli.run("pnl", "--store", str(store), "--by", "strategy", "--json"))
    assert D(per_strategy["by_strategy"][0]["net_pnl"]) == wallet
    (day,) = _json(cli.run("pnl", "--store", str(store), "--by", "day", "--json"))["by_day"]
    assert D(day["net_pnl"]) == wallet


def test_the_demo_prints_an_equity_sparkline(cli: Any) -> None:
    shown = cli.run("demo")
    assert shown.exit_code == 0, shown.stderr
    line = next(text for text in shown.stdout.splitlines() if text.startswith("Equity"))
    assert any(bar in line for bar in "▁▂▃▄▅▆▇█") and "USDT" in line


def test_pnl_plot_draws_a_png_and_csv_json_do_not_mix(cli: Any, tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    store = tmp_path / "demo.sqlite"
    assert cli.run("demo", "--store", str(store), "--json").exit_code == 0
    picture = tmp_path / "equity.png"
    shown = cli.run("pnl", "--store", str(store), "--plot", str(picture))
    assert shown.exit_code == 0, shown.stderr
    assert picture.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    both = cli.run("pnl", "--store", str(store), "--csv", "--json")
    assert both.exit_code != 0 and "--csv" in both.stderr
    missing = cli.run("pnl", "--store", str(tmp_path / "nope.sqlite"))
    assert missing.exit_code != 0 and "no such order store" in missing.stderr


async def test_funding_on_a_held_position_is_in_funding_pnl_and_the_ledger(
    cli: Any, simulator: SimulatedExchange, sim_env: Any, tmp_path: Path,
) -> None:
    env = sim_env(simulator)
    store = tmp_path / "orders.sqlite"
    simulator.set_price("BTCUSDT", D("50000"))
    wallet_before = simulator.engine.core.account(simulator.account.account_id).wallet
    bought = await cli.arun("buy", "BTCUSDT", "0.01", "--yes", "--store", str(store),
                            "--strategy", "carry", env=env)
    assert bought.exit_code == 0, bought.stderr
    simulator.engine.funding.settle_now()  # a funding time passes with the long held
    sold = await cli.arun("sell", "BTCUSDT", "0.01", "--yes", "--store", str(store),
                          "--strategy", "carry", env=env)
    assert sold.exit_code == 0, sold.stderr
    wallet_change = simulator.engine.core.account(
        simulator.account.account_id).wallet - wallet_before

    synced = _json(await cli.arun("sync", "--store", str(store), "--json", env=env))["sync"]
    assert synced["symbols"] == ["BTCUSDT"] and synced["income_new"] >= 1

    from_exchange = _json(await cli.arun("funding", "--json", env=env))["funding"]
    (paid,) = from_exchange
    assert D(paid["income"]) == D("-0.05")  # 0.01 x 50000 (mark) x 0.0001, a long pays
    from_ledger = _json(await cli.arun("funding", "--store", str(store), "--json", env=env))
    assert from_ledger["funding"] == from_exchange and from_ledger["totals"] == {
        "USDT": "-0.05"}

    (trip,) = _json(await cli.arun("pnl", "--store", str(store), "--json", env=env)
                    )["round_trips"]
    assert D(trip["funding"]) == D("-0.05") and trip["strategy"] == "carry"
    assert D(trip["net_pnl"]) == D(trip["gross_pnl"]) - D(trip["fees"]) - D("0.05")
    assert D(trip["net_pnl"]) == wallet_change

    income = await SQLiteOrderStore(store).load_income("FUNDING_FEE")
    assert [(r.symbol, r.income) for r in income] == [("BTCUSDT", D("-0.05"))]
    again = _json(await cli.arun("sync", "--store", str(store), "--json", env=env))["sync"]
    assert again["income_new"] == 0 and again["fills_new"] == 0  # nothing counts twice


async def test_close_prints_what_the_close_realised_and_its_stored_fill_has_the_fee(
    cli: Any, simulator: SimulatedExchange, sim_env: Any, tmp_path: Path,
) -> None:
    env = sim_env(simulator)
    store = tmp_path / "orders.sqlite"
    simulator.set_price("BTCUSDT", D("50000"))
    assert (await cli.arun("buy", "BTCUSDT", "0.01", "--yes", env=env)).exit_code == 0
    simulator.set_price("BTCUSDT", D("50500"))
    closed = _json(await cli.arun("close", "BTCUSDT", "--yes", "--store", str(store),
                                  "--json", env=env))
    (order,) = closed["orders"]
    assert D(closed["fees"]) > 0 and D(closed["realized_pnl"]) > 0
    assert D(closed["net_pnl"]) == D(closed["realized_pnl"]) - D(closed["fees"])
    assert D(order["commission"]) == D(closed["fees"])
    (fill,) = await SQLiteOrderStore(store).load_fills()
    assert fill.commission == D(closed["fees"]) and fill.order_id == order["order_id"]
    simulator.set_price("BTCUSDT", D("50000"))
    assert (await cli.arun("buy", "BTCUSDT", "0.01", "--yes", env=env)).exit_code == 0
    table = await cli.arun("close", "BTCUSDT", "--yes", env=env)
    assert table.exit_code == 0 and "realized pnl" in table.stdout
    assert "fees" in table.stdout and "net pnl" in table.stdout


async def test_a_market_buy_without_a_store_shows_its_real_commission(
    cli: Any, simulator: SimulatedExchange, sim_env: Any,
) -> None:
    env = sim_env(simulator)
    simulator.set_price("BTCUSDT", D("50000"))
    bought = _json(await cli.arun("buy", "BTCUSDT", "0.01", "--yes", "--json", env=env))
    trades = _json(await cli.arun("trades", "BTCUSDT", "--json", env=env))["trades"]
    assert D(bought["order"]["commission"]) == D(trades[0]["commission"]) > 0


async def test_orders_history_shows_the_fees_and_realised_pnl_of_filled_orders(
    cli: Any, simulator: SimulatedExchange, sim_env: Any,
) -> None:
    env = sim_env(simulator)
    simulator.set_price("BTCUSDT", D("50000"))
    assert (await cli.arun("buy", "BTCUSDT", "0.01", "--yes", env=env)).exit_code == 0
    simulator.set_price("BTCUSDT", D("51000"))
    assert (await cli.arun("sell", "BTCUSDT", "0.01", "--yes", env=env)).exit_code == 0
    assert (await cli.arun("buy", "BTCUSDT", "0.01", "--price", "40000", "--yes",
                           env=env)).exit_code == 0
    trades = _json(await cli.arun("trades", "BTCUSDT", "--json", env=env))["trades"]
    fees = {t["order_id"]: t["commission"] for t in trades}
    pnl = {t["order_id"]: t["realized_pnl"] for t in trades}
    shown = _json(await cli.arun("orders", "--history", "-s", "BTCUSDT", "--json", env=env))
    by_status: dict[str, list[Any]] = {}
    for order in shown["orders"]:
        by_status.setdefault(order["status"], []).append(order)
    assert len(by_status["FILLED"]) == 2 and len(by_status["NEW"]) == 1
    for order in by_status["FILLED"]:
        assert order["commission"] == fees[order["order_id"]] and D(order["commission"]) > 0
        assert order["realized_pnl"] == pnl[order["order_id"]]
    assert any(D(o["realized_pnl"]) > 0 for o in by_status["FILLED"])
    assert by_status["NEW"][0]["commission"] == "0"  # nothing filled, nothing paid
    table = await cli.arun("orders", "--history", "-s", "BTCUSDT", env=env)
    assert table.exit_code == 0 and "realised PnL" in table.stdout


async def test_the_order_tables_take_csv(
    cli: Any, simulator: SimulatedExchange, sim_env: Any, tmp_path: Path,
) -> None:
    env = sim_env(simulator)
    store = tmp_path / "orders.sqlite"
    simulator.set_price("BTCUSDT", D("50000"))
    assert (await cli.arun("buy", "BTCUSDT", "0.01", "--yes", "--store", str(store),
                           env=env)).exit_code == 0
    assert (await cli.arun("buy", "BTCUSDT", "0.01", "--price", "40000", "--yes",
                           env=env)).exit_code == 0
    history = await cli.arun("orders", "--history", "-s", "BTCUSDT", "--csv", env=env)
    rows = list(csv.reader(io.StringIO(history.stdout)))
    assert rows[0][-2:] == ["fee", "realised PnL"] and len(rows) == 3
    open_orders = list(csv.reader(io.StringIO(
        (await cli.arun("orders", "--csv", env=env)).stdout)))
    assert open_orders[0][0] == "order id" and open_orders[1][5] == "NEW"
    stored = list(csv.reader(io.StringIO(
        (await cli.arun("history", "--store", str(store), "--csv")).stdout)))
    assert stored[0][0] == "submitted (UTC)" and stored[1][6] == "FILLED"
