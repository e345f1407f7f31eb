"""Hedge-mode legs from the command line: `--position-side` names the leg; with
`--reduce-only` the order closes that leg and `reduceOnly` is not sent (the docs)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from execution.simulator import SimulatedExchange


async def test_a_leg_opened_and_closed_from_the_command_line(
    cli: Any, simulator: SimulatedExchange, sim_env: Any,
) -> None:
    simulator.set_price("BTCUSDT", Decimal("50000"))
    env = sim_env(simulator)
    assert (await cli.arun("mode", "hedge", "--yes", env=env)).exit_code == 0
    opened = await cli.arun("buy", "BTCUSDT", "0.01", "--position-side", "long", "--yes",
                            env=env)
    assert opened.exit_code == 0, opened.stderr
    closed = await cli.arun("sell", "BTCUSDT", "0.01", "--position-side", "LONG",
                            "--reduce-only", "--yes", env=env)
    assert closed.exit_code == 0, closed.stderr
    posts = [r.params for r in simulator.request_log
             if r.method == "POST" and r.path.endswith("/order")]
    assert posts[-1]["positionSide"] == "LONG" and "reduceOnly" not in posts[-1]
    account = simulator.account.account_id
    legs = simulator.engine.private(account, "GET", "positionRisk", {"symbol": "BTCUSDT"})
    assert all(Decimal(leg["positionAmt"]) == 0 for leg in legs)
    wrong = await cli.arun("buy", "BTCUSDT", "0.01", "--position-side", "long",
                           "--reduce-only", "--yes", env=env)
    assert wrong.exit_code == 2  # a BUY does not reduce a long leg: refused, nothing sent
