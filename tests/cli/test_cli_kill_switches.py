"""The kill switches from the command line against a running simulator: `panic` cancels
every order and flattens every position (and says so), `countdown` arms and disarms the
exchange's dead man's switch."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from execution.simulator import SimulatedExchange


async def test_panic_flattens_and_cancels_everything(
    cli: Any, simulator: SimulatedExchange, sim_env: Any,
) -> None:
    simulator.set_price("BTCUSDT", Decimal("50000"))
    simulator.set_price("ETHUSDT", Decimal("3000"))
    env = sim_env(simulator)
    assert (await cli.arun("buy", "BTCUSDT", "0.01", env=env)).exit_code == 0
    placed = await cli.arun("buy", "ETHUSDT", "0.1", "--price", "2500", env=env)
    assert placed.exit_code == 0, placed.stderr
    outcome = await cli.arun("panic", "--yes", "--json", env=env)
    assert outcome.exit_code == 0, outcome.stderr
    report = json.loads(outcome.stdout)
    assert set(report["symbols"]) == {"BTCUSDT", "ETHUSDT"} and report["positions_left"] == {}
    assert len(report["cancelled"]) == 1 and report["errors"] == []
    account = simulator.account.account_id
    assert simulator.engine.private(account, "GET", "openOrders", {}) == []


async def test_countdown_arms_and_disarms(
    cli: Any, simulator: SimulatedExchange, sim_env: Any,
) -> None:
    env = sim_env(simulator)
    armed = await cli.arun("countdown", "BTCUSDT", "120", "--yes", env=env)
    assert armed.exit_code == 0, armed.stderr
    assert simulator.engine.countdowns.deadlines
    off = await cli.arun("countdown", "BTCUSDT", "0", "--yes", env=env)
    assert off.exit_code == 0 and not simulator.engine.countdowns.deadlines
    refused = await cli.arun("countdown", "BTCUSDT", "-5", "--yes", env=env)
    assert refused.exit_code == 2


async def test_risk_limits_from_a_file_hold_every_cli_order(
    cli: Any, simulator: SimulatedExchange, sim_env: Any, tmp_path: Any,
) -> None:
    simulator.set_price("BTCUSDT", Decimal("50000"))
    limits = tmp_path / "risk.toml"
    limits.write_text('max_symbol_notional = "1000"\nprice_band_percent = 5\n')
    env = sim_env(simulator)
    big = await cli.arun("buy", "BTCUSDT", "0.03", "--risk", str(limits), "--yes", env=env)
    assert big.exit_code == 2 and "SYMBOL_NOTIONAL" in big.stderr, big.stderr
    far = await cli.arun("buy", "BTCUSDT", "0.001", "--price", "40000", "--risk", str(limits),
                         "--yes", env=env)
    assert far.exit_code == 2 and "PRICE_BAND" in far.stderr, far.stderr
    fine = await cli.arun("buy", "BTCUSDT", "0.01", "--risk", str(limits), "--yes", env=env)
    assert fine.exit_code == 0, fine.stderr
    account = simulator.account.account_id
    orders = simulator.engine.private(account, "GET", "allOrders", {"symbol": "BTCUSDT"})
    assert len(orders) == 1  # nothing of the refused ones was sent
    limits.write_text("max_notional = 5\n")  # a typo is refused, nothing connects
    typo = await cli.arun("buy", "BTCUSDT", "0.01", "--risk", str(limits), "--yes", env=env)
    assert typo.exit_code == 2 and "unknown limit" in typo.stderr
