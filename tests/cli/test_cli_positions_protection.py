"""`aster-exec positions` says whether the exchange holds a live stop for each position
(issue 11, finding 5): a "stop" column (protected / UNPROTECTED), and in --json
`protected`, `covered` and `stops`."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from execution.simulator import SimulatedExchange

Env = Callable[[SimulatedExchange], dict[str, str]]


def _positions(outcome: Any) -> list[dict[str, Any]]:
    assert outcome.exit_code == 0, outcome
    return json.loads(outcome.stdout)["positions"]  # type: ignore[no-any-return]


async def test_positions_show_whether_a_live_stop_protects_them(
    cli: Any, simulator: SimulatedExchange, sim_env: Env
) -> None:
    env = sim_env(simulator)
    assert (await cli.arun("buy", "BTCUSDT", "0.02", "--yes", env=env)).exit_code == 0
    (naked,) = _positions(await cli.arun("positions", "--json", env=env))
    assert (naked["symbol"], naked["protected"], naked["covered"], naked["stops"]) == (
        "BTCUSDT", False, "0", [])
    table = await cli.arun("positions", env=env)
    assert "UNPROTECTED" in table.stdout and "UNPROTECTED" in table.stderr

    # A take-profit is not a stop; a stop for half the position covers half.
    await cli.arun("sell", "BTCUSDT", "0.02", "--type", "take-profit", "--stop-price", "60000",
                   "--reduce-only", "--yes", env=env)
    await cli.arun("sell", "BTCUSDT", "0.01", "--type", "stop", "--stop-price", "40000",
                   "--reduce-only", "--yes", env=env)
    (half,) = _positions(await cli.arun("positions", "--json", env=env))
    assert half["protected"] is False and half["covered"] == "0.01" and len(half["stops"]) == 1

    await cli.arun("sell", "BTCUSDT", "0.01", "--type", "stop", "--stop-price", "41000",
                   "--reduce-only", "--yes", env=env)
    (covered,) = _positions(await cli.arun("positions", "--json", env=env))
    assert covered["protected"] is True and covered["covered"] == "0.02"
    table = await cli.arun("positions", env=env)
    assert "protected" in table.stdout and "UNPROTECTED" not in table.stdout + table.stderr
