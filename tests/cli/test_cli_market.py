"""`price`, `book` and `symbols` against a simulator on loopback."""

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


async def test_price(cli: Any, simulator: SimulatedExchange, sim_env: Env) -> None:
    simulator.set_price("BTCUSDT", Decimal("51234.5"))
    env = sim_env(simulator)
    shown = data(await cli.arun("price", "btcusdt", "--json", env=env))
    assert shown["symbol"] == "BTCUSDT"
    assert Decimal(shown["mark_price"]) == Decimal("51234.5") == Decimal(shown["last_price"])
    assert Decimal(shown["index_price"]) > 0
    assert Decimal(shown["funding_rate"]) == simulator.engine.core.config.funding_rate
    assert shown["next_funding_time"] > simulator.server_time_ms()
    assert shown["next_funding_time_utc"].endswith("+00:00")
    table = await cli.arun("price", "BTCUSDT", env=env)
    assert table.exit_code == 0, table
    for label in ("mark", "index", "last", "funding rate", "next funding", "51234.5"):
        assert label in table.stdout
    assert simulator.rest_url in table.stderr


async def test_book(cli: Any, simulator: SimulatedExchange, sim_env: Env) -> None:
    env = sim_env(simulator)
    shown = data(await cli.arun("book", "BTCUSDT", "--depth", "3", "--json", env=env))
    assert len(shown["bids"]) == 3 and len(shown["asks"]) == 3
    bids = [Decimal(p) for p, _ in shown["bids"]]
    asks = [Decimal(p) for p, _ in shown["asks"]]
    assert bids == sorted(bids, reverse=True) and asks == sorted(asks) and bids[0] < asks[0]
    assert Decimal(shown["spread"]) == asks[0] - bids[0]
    table = await cli.arun("book", "BTCUSDT", env=env)
    assert table.exit_code == 0 and "spread" in table.stdout and "bid qty" in table.stdout
    wide = data(await cli.arun("book", "BTCUSDT", "-d", "150", "--json", env=env))
    assert len(wide["bids"]) <= 150 and len(wide["bids"]) > 3
    assert (await cli.arun("book", "BTCUSDT", "--depth", "0", env=env)).exit_code != 0


async def test_symbols(cli: Any, simulator: SimulatedExchange, sim_env: Env) -> None:
    env = sim_env(simulator)
    listed = data(await cli.arun("symbols", "--json", env=env))["symbols"]
    assert {"BTCUSDT", "ETHUSDT"} <= {s["symbol"] for s in listed}
    btc = data(await cli.arun("symbols", "BTC/USDT", "--json", env=env))["symbols"]
    assert len(btc) == 1
    rules = btc[0]
    spec = simulator.engine.core.specs["BTCUSDT"]
    assert Decimal(rules["tick_size"]) == spec.tick_size
    assert Decimal(rules["step_size"]) == spec.step_size
    assert Decimal(rules["min_qty"]) == spec.min_qty
    assert Decimal(rules["min_notional"]) == spec.min_notional
    assert Decimal(rules["market_lot"]["max_qty"]) == spec.market_max_qty
    assert Decimal(rules["percent_price"]["multiplier_up"]) == spec.multiplier_up
    assert rules["max_orders"] == spec.max_num_orders
    table = await cli.arun("symbols", env=env)
    assert table.exit_code == 0
    for column in ("tick", "step", "min qty", "min notional", "market lot", "percent price",
                   "max orders", "BTCUSDT"):
        assert column in table.stdout


async def test_an_unknown_symbol_is_a_clear_error(cli: Any, simulator: SimulatedExchange,
                                                  sim_env: Env) -> None:
    env = sim_env(simulator)
    for args in (("price", "NOPEUSDT"), ("book", "NOPEUSDT"), ("symbols", "NOPEUSDT")):
        outcome = await cli.arun(*args, env=env)
        assert outcome.exit_code != 0 and "NOPEUSDT" in outcome.stderr, outcome
        assert "unknown symbol" in outcome.stderr
