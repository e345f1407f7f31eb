"""`trading-state` from the command line: a halt set or left by `panic` holds every later
command on the same store until it is set back."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

from execution.simulator import SimulatedExchange


def order_posts(sim: SimulatedExchange) -> int:
    return sum(1 for r in sim.request_log if r.method == "POST" and r.path.endswith("/order"))


async def test_a_halt_holds_every_later_order_on_the_store_until_resumed(
    cli: Any, simulator: SimulatedExchange, sim_env: Any, tmp_path: Path,
) -> None:
    simulator.set_price("BTCUSDT", Decimal("50000"))
    env = sim_env(simulator)
    store = str(tmp_path / "orders.sqlite")
    shown = await cli.arun("trading-state", "--store", store, "--json")
    assert json.loads(shown.stdout)["state"] == "ACTIVE"
    assert (await cli.arun("buy", "BTCUSDT", "0.01", "--store", store, env=env)).exit_code == 0
    panicked = await cli.arun("panic", "--yes", "--store", store, env=env)
    assert panicked.exit_code == 0, panicked.stderr
    state = json.loads((await cli.arun("trading-state", "--store", store, "--json")).stdout)
    assert state["state"] == "HALTED" and state["reason"] == "panic"
    posts = order_posts(simulator)
    held = await cli.arun("buy", "BTCUSDT", "0.01", "--store", store, "--yes", env=env)
    assert held.exit_code == 2 and "HALTED" in held.stderr, held.stderr
    assert order_posts(simulator) == posts
    resumed = await cli.arun("trading-state", "--store", store, "--set", "active",
                             "--reason", "reviewed")
    assert resumed.exit_code == 0 and "ACTIVE (reviewed)" in resumed.stdout
    again = await cli.arun("buy", "BTCUSDT", "0.01", "--store", store, "--yes", env=env)
    assert again.exit_code == 0, again.stderr


def test_a_bad_state_is_refused_and_nothing_written(cli: Any, tmp_path: Path) -> None:
    store = str(tmp_path / "orders.sqlite")
    refused = cli.run("trading-state", "--store", store, "--set", "PAUSED")
    assert refused.exit_code == 2 and "ACTIVE, REDUCING, HALTED" in refused.stderr
    blank = cli.run("trading-state", "--store", store, "--set", "HALTED", "--reason", " ")
    assert blank.exit_code == 2
    assert list(tmp_path.iterdir()) == []
