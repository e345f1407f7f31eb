"""One path for an order: the CLI, with or without a store, and the library round and
refuse alike (a take-profit's trigger, a stop on the wrong side of the market, rounding
that is said, a quantity below the minimum)."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from execution.exchange.asterdex import AsterDEXExchange
from execution.models import OrderSide, OrderType
from execution.orders.manager import OrderManager
from execution.simulator import SimulatedExchange
from execution.simulator.testing import credentials_for

MARK = Decimal("50000")


def order_posts(sim: SimulatedExchange) -> list[dict[str, str]]:
    return [r.params for r in sim.request_log
            if r.method == "POST" and r.path.endswith("/order")]


@pytest.fixture(params=[False, True], ids=["no-store", "store"])
def store_args(request: pytest.FixtureRequest, tmp_path: Path) -> list[str]:
    return ["--store", str(tmp_path / "cli.sqlite")] if request.param else []


async def test_a_take_profit_trigger_rounds_the_same_everywhere(
    cli: Any, simulator: SimulatedExchange, sim_env: Any, store_args: list[str], tmp_path: Path
) -> None:
    simulator.set_price("BTCUSDT", MARK)
    bought = await cli.arun("buy", "BTCUSDT", "0.03", env=sim_env(simulator))  # a long to close
    assert bought.exit_code == 0, bought.stderr
    asked = "51000.05"  # between two ticks of 0.1
    outcome = await cli.arun("sell", "BTCUSDT", "0.01", "--type", "take-profit",
                             "--stop-price", asked, *store_args, env=sim_env(simulator))
    assert outcome.exit_code == 0, outcome.stderr
    assert "rounded up to 51000.1" in outcome.stderr and "tick size 0.1" in outcome.stderr
    cli_trigger = order_posts(simulator)[-1]["stopPrice"]

    client = AsterDEXExchange(credentials_for(simulator, "hmac"),
                              rest_urls=simulator.rest_urls, dotenv_path=None)
    async with client:
        direct = await client.create_order("BTCUSDT", OrderSide.SELL, OrderType.TAKE_PROFIT,
                                           Decimal("0.01"), stop_price=Decimal(asked))
        async with OrderManager(client, tmp_path / "lib.sqlite") as manager:
            managed = await manager.place_take_profit_order(
                "BTCUSDT", OrderSide.SELL, Decimal("0.01"), Decimal(asked))
    assert cli_trigger == "51000.1"
    assert direct.stop_price == managed.order.stop_price == Decimal("51000.1")
    # The library tells its caller too: on the result, with the rule.
    (notice,) = managed.rounded
    assert (notice.field, notice.asked, notice.sent) == ("stop_price", Decimal(asked),
                                                           Decimal("51000.1"))
    assert str(notice) in outcome.stderr.replace("\n", " ") or "tick size 0.1" in str(notice)


async def test_a_stop_on_the_wrong_side_is_refused_before_sending(
    cli: Any, simulator: SimulatedExchange, sim_env: Any, store_args: list[str]
) -> None:
    simulator.set_price("BTCUSDT", MARK)
    outcome = await cli.arun("sell", "BTCUSDT", "0.01", "--type", "stop", "--stop-price",
                             "51000", *store_args, env=sim_env(simulator))
    assert outcome.exit_code == 2
    assert "mark price" in outcome.stderr
    assert order_posts(simulator) == []


async def test_rounding_is_said_and_a_quantity_below_the_minimum_names_the_rule(
    cli: Any, simulator: SimulatedExchange, sim_env: Any, store_args: list[str]
) -> None:
    simulator.set_price("BTCUSDT", MARK)
    outcome = await cli.arun("buy", "BTCUSDT", "0.0015", "--type", "limit", "--price",
                             "40000.05", "--json", *store_args, env=sim_env(simulator))
    assert outcome.exit_code == 0, outcome.stderr
    assert "quantity 0.0015 rounded down to 0.001 (step size 0.001" in outcome.stderr
    assert "price 40000.05 rounded down to 40000" in outcome.stderr
    order = json.loads(outcome.stdout)["order"]
    assert Decimal(order["quantity"]) == Decimal("0.001")
    tiny = await cli.arun("buy", "BTCUSDT", "0.0001", *store_args, env=sim_env(simulator))
    assert tiny.exit_code == 2
    assert "step size 0.001" in tiny.stderr and "minimum quantity 0.001" in tiny.stderr
