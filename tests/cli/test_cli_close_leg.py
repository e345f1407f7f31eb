"""`aster-exec close SYMBOL --position-side LONG|SHORT`: in hedge mode one leg is closed
(its orders cancelled, the other leg's left working); both legs open and none named is
refused with nothing sent."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from execution.simulator import SimulatedExchange


def orders_sent(sim: SimulatedExchange) -> int:
    return sum(1 for r in sim.request_log if r.method == "POST" and r.path.endswith("/order"))


async def test_close_one_leg_from_the_command_line(
    cli: Any, simulator: SimulatedExchange, sim_env: Any,
) -> None:
    simulator.set_price("BTCUSDT", Decimal("50000"))
    env = sim_env(simulator)
    assert (await cli.arun("mode", "hedge", "--yes", env=env)).exit_code == 0
    for side, leg in (("buy", "LONG"), ("sell", "SHORT")):
        opened = await cli.arun(side, "BTCUSDT", "0.01", "--position-side", leg, "--yes",
                                env=env)
        assert opened.exit_code == 0, opened.stderr
    stop = await cli.arun("buy", "BTCUSDT", "0.01", "--type", "stop", "--stop-price", "55000",
                          "--position-side", "SHORT", "--reduce-only", "--yes", env=env)
    assert stop.exit_code == 0, stop.stderr
    posts = orders_sent(simulator)
    both = await cli.arun("close", "BTCUSDT", "--yes", env=env)
    assert both.exit_code == 2 and "position_side" in both.stderr, both.stderr
    assert orders_sent(simulator) == posts
    closed = await cli.arun("close", "BTCUSDT", "--position-side", "long", "--json", "--yes",
                            env=env)
    assert closed.exit_code == 0, closed.stderr
    assert "close the BTCUSDT LONG position (0.01)" in closed.stderr
    (order,) = json.loads(closed.stdout)["orders"]
    assert (order["side"], order["position_side"], order["status"]) == ("SELL", "LONG", "FILLED")
    account = simulator.account.account_id
    legs = {leg["positionSide"]: Decimal(leg["positionAmt"]) for leg in simulator.engine.private(
        account, "GET", "positionRisk", {"symbol": "BTCUSDT"})}
    assert legs["LONG"] == 0 and legs["SHORT"] == Decimal("-0.01")
    open_orders = simulator.engine.private(account, "GET", "openOrders", {"symbol": "BTCUSDT"})
    assert [o["positionSide"] for o in open_orders] == ["SHORT"]  # the short leg's stop stays
