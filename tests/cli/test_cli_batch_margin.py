"""`batch`, `mode` and `margin` against a simulator on loopback, through typer's CliRunner."""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

from execution.simulator import SimulatedExchange

Env = Callable[[SimulatedExchange], dict[str, str]]
MARK = Decimal("50000")


def data(outcome: Any) -> Any:
    assert outcome.exit_code == 0, outcome
    return json.loads(outcome.stdout)


def batch_posts(sim: SimulatedExchange) -> list[dict[str, str]]:
    return [r.params for r in sim.request_log
            if r.method == "POST" and r.path.endswith("/batchOrders")]


async def test_batch_from_json_placed_in_batches_of_five(
    cli: Any, simulator: SimulatedExchange, sim_env: Env, tmp_path: Path
) -> None:
    simulator.set_price("BTCUSDT", MARK)
    orders = [{"symbol": "BTCUSDT", "side": "buy", "quantity": "0.001", "price": 40000 + i,
               "client_id": f"cli-b-{i}"} for i in range(7)]
    file = tmp_path / "orders.json"
    file.write_text(json.dumps(orders))
    outcome = await cli.arun("batch", str(file), "--json", env=sim_env(simulator))
    placed = data(outcome)["orders"]
    assert [o["client_order_id"] for o in placed] == [f"cli-b-{i}" for i in range(7)]
    assert all(o["ok"] and o["order"]["status"] == "NEW" for o in placed)
    assert "place 7 orders in 2 batch(es)" in outcome.stderr
    assert [len(json.loads(p["batchOrders"])) for p in batch_posts(simulator)] == [5, 2]
    assert all(simulator.orders_created(f"cli-b-{i}") == 1 for i in range(7))


async def test_batch_from_csv_with_one_refused_order_exits_rejected(
    cli: Any, simulator: SimulatedExchange, sim_env: Env, tmp_path: Path
) -> None:
    simulator.set_price("BTCUSDT", MARK)
    file = tmp_path / "orders.csv"
    file.write_text("symbol,side,quantity,type,price,time_in_force,client_id\n"
                    "BTCUSDT,BUY,0.0015,limit,40000.07,,cli-c-0\n"
                    "BTCUSDT,BUY,0.001,limit,50010,GTX,cli-c-1\n")  # post-only: would take
    outcome = await cli.arun("batch", str(file), env=sim_env(simulator))
    assert outcome.exit_code == 4, outcome
    assert "cli-c-0" in outcome.stdout and "NEW" in outcome.stdout
    assert "cli-c-1" in outcome.stderr and "-5022" in outcome.stderr
    assert "quantity 0.0015 rounded down to 0.001" in outcome.stderr  # rounding is said
    assert simulator.orders_created("cli-c-0") == 1
    assert simulator.orders_created("cli-c-1") == 0


async def test_a_bad_row_sends_nothing(
    cli: Any, simulator: SimulatedExchange, sim_env: Env, tmp_path: Path
) -> None:
    file = tmp_path / "orders.csv"
    file.write_text("symbol,side,quantity\nBTCUSDT,BUY,0.001\nBTCUSDT,HOLD,0.001\n")
    outcome = await cli.arun("batch", str(file), env=sim_env(simulator))
    assert outcome.exit_code == 2 and "row 2: side" in outcome.stderr
    file.write_text(json.dumps([{"symbol": "BTCUSDT", "side": "BUY", "quantity": "0.001",
                                 "client_id": "same"}] * 2))
    outcome = await cli.arun("batch", str(file), env=sim_env(simulator))
    assert outcome.exit_code == 2 and "more than once" in outcome.stderr
    assert batch_posts(simulator) == []


async def test_batch_503_not_executed_is_unknown_and_never_resent(
    cli: Any, simulator: SimulatedExchange, sim_env: Env, tmp_path: Path
) -> None:
    simulator.set_price("BTCUSDT", MARK)
    simulator.faults.fail_requests(count=1, status=503, code=-1007, execute=False,
                                   path="batchOrders", method="POST")
    file = tmp_path / "orders.json"
    file.write_text(json.dumps([{"symbol": "BTCUSDT", "side": "BUY", "quantity": "0.001",
                                 "client_id": "cli-u-0"}]))
    outcome = await cli.arun("batch", str(file), "--json", env=sim_env(simulator))  # v1
    assert outcome.exit_code == 7, outcome
    (leg,) = json.loads(outcome.stdout)["orders"]
    assert leg["error"]["type"] == "OrderStatusUnknownError"
    assert len(batch_posts(simulator)) == 1 and simulator.orders_created("cli-u-0") == 0


async def test_mode_show_set_and_no_op(
    cli: Any, simulator: SimulatedExchange, sim_env: Env
) -> None:
    env = sim_env(simulator)
    assert data(await cli.arun("mode", "--json", env=env)) == {"position_mode": "one-way"}
    changed = data(await cli.arun("mode", "hedge", "--json", env=env))["setting"]
    assert changed == {"setting": "position mode", "value": "hedge", "changed": True,
                       "symbol": None}
    again = await cli.arun("mode", "hedge", env=env)
    assert again.exit_code == 0 and "already hedge" in again.stdout
    assert "position mode: hedge" in (await cli.arun("mode", env=env)).stdout
    refused = await cli.arun("mode", "sideways", env=env)
    assert refused.exit_code == 2


async def test_margin_type_add_reduce_and_history(
    cli: Any, simulator: SimulatedExchange, sim_env: Env
) -> None:
    simulator.set_price("BTCUSDT", MARK)
    env = sim_env(simulator)
    shown = data(await cli.arun("margin", "BTCUSDT", "--json", env=env))
    assert shown == {"symbol": "BTCUSDT", "margin_type": "CROSSED", "history": []}
    assert data(await cli.arun("margin", "BTCUSDT", "--type", "isolated", "--json",
                               env=env))["setting"]["changed"] is True
    again = await cli.arun("margin", "BTCUSDT", "--type", "isolated", env=env)
    assert "already ISOLATED" in again.stdout
    assert (await cli.arun("buy", "BTCUSDT", "0.01", env=env)).exit_code == 0
    added = data(await cli.arun("margin", "BTCUSDT", "--add", "15.5", "--json", env=env))
    assert added["margin_change"]["amount"] == "15.5"
    assert added["margin_change"]["kind"] == 1
    reduced = await cli.arun("margin", "BTCUSDT", "--reduce", "5", env=env)
    assert reduced.exit_code == 0 and "5 reduced from" in reduced.stdout
    history = data(await cli.arun("margin", "BTCUSDT", "--json", env=env))["history"]
    assert [(h["kind"], h["amount"]) for h in history] == [(1, "15.5"), (2, "5")]


async def test_margin_refusals_before_sending(
    cli: Any, simulator: SimulatedExchange, sim_env: Env
) -> None:
    env = sim_env(simulator)
    both = await cli.arun("margin", "BTCUSDT", "--add", "1", "--reduce", "1", env=env)
    assert both.exit_code == 2
    negative = await cli.arun("margin", "BTCUSDT", "--add", "-1", env=env)
    assert negative.exit_code == 2 and "--add" in negative.stderr
    crossed = await cli.arun("margin", "BTCUSDT", "--add", "10", env=env)
    assert crossed.exit_code == 4 and "-4049" in crossed.stderr
    sent = [r for r in simulator.request_log
            if r.method == "POST" and r.path.endswith("positionMargin")]
    assert len(sent) == 1  # only the one the exchange refused
