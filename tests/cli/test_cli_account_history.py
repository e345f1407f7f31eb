"""`trades` and `income` against a running simulator: each fill with its fee and realised
PnL, and the totals; the figures are the exchange's, exact."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from execution.simulator import SimulatedExchange


async def test_a_round_trip_shows_its_fees_and_realised_pnl(
    cli: Any, simulator: SimulatedExchange, sim_env: Any,
) -> None:
    simulator.set_price("BTCUSDT", Decimal("50000"))
    env = sim_env(simulator)
    assert (await cli.arun("buy", "BTCUSDT", "0.01", "--yes", env=env)).exit_code == 0
    simulator.set_price("BTCUSDT", Decimal("51000"))
    assert (await cli.arun("sell", "BTCUSDT", "0.01", "--yes", env=env)).exit_code == 0
    shown = await cli.arun("trades", "BTCUSDT", "--json", env=env)
    assert shown.exit_code == 0, shown.stderr
    report = json.loads(shown.stdout)
    fills = report["trades"]
    assert len(fills) == 2 and all(Decimal(str(f["commission"])) > 0 for f in fills)
    realised = sum(Decimal(str(f["realized_pnl"])) for f in fills)
    assert realised > 0 and report["realized_pnl"].startswith(str(realised.normalize()))
    table = await cli.arun("trades", "BTCUSDT", env=env)
    assert "2 fill(s)" in table.stdout and "fees paid" in table.stdout
    income = await cli.arun("income", "--json", env=env)
    assert income.exit_code == 0, income.stderr
    kinds = {r["income_type"] for r in json.loads(income.stdout)["income"]}
    assert {"COMMISSION", "REALIZED_PNL"} <= kinds
