"""The order flags of `buy`/`sell` (trailing stops, close-position stops, price protection,
stop-limit, post-only with re-price, hidden, per-order STP, BBO peg), `batch --store`,
`ladder` and `modify`, against a simulator on loopback with v3 credentials."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from execution.simulator import SimulatedExchange

BTC = "BTCUSDT"


def v3_env(sim: SimulatedExchange) -> dict[str, str]:
    account = sim.account
    assert account.user and account.signer and account.signer_private_key
    return {"ASTER_REST_URL": sim.rest_url, "ASTER_USER": account.user,
            "ASTER_SIGNER": account.signer, "ASTER_PRIVATE_KEY": account.signer_private_key}


def last_order(sim: SimulatedExchange) -> dict[str, str]:
    return [r.params for r in sim.request_log
            if r.method == "POST" and r.path.endswith("/order")][-1]


def data(outcome: Any) -> Any:
    assert outcome.exit_code == 0, outcome
    return json.loads(outcome.stdout)


@pytest.fixture
def env(simulator: SimulatedExchange) -> dict[str, str]:
    simulator.set_price(BTC, Decimal("50000"))
    return v3_env(simulator)


@pytest.mark.parametrize(("args", "wire"), [
    (["sell", BTC, "0.01", "--trailing", "--callback-rate", "1",
      "--activation-price", "51000"],
     {"type": "TRAILING_STOP_MARKET", "callbackRate": "1", "activationPrice": "51000"}),
    (["sell", BTC, "0", "--type", "stop", "--stop-price", "48000", "--close-position",
      "--price-protect", "--working-type", "mark"],
     {"type": "STOP_MARKET", "closePosition": "true", "priceProtect": "TRUE",
      "workingType": "MARK_PRICE"}),
    (["sell", BTC, "0.01", "--stop-limit", "--stop-price", "48000", "--price", "47900"],
     {"type": "STOP", "stopPrice": "48000", "price": "47900"}),
    (["sell", BTC, "0.01", "--type", "take-profit", "--stop-price", "52000", "--price",
      "52100"], {"type": "TAKE_PROFIT", "stopPrice": "52000", "price": "52100"}),
    (["buy", BTC, "0.01", "--price", "45000", "--hidden", "--stp-mode", "expire_both"],
     {"timeInForce": "HIDDEN", "stpMode": "EXPIRE_BOTH"}),
    (["buy", BTC, "0.01", "--peg", "queue", "--peg-offset", "-0.5", "--post-only"],
     {"pegPriceType": "QUEUE_1", "pegOffset": "-0.5", "timeInForce": "GTX"}),
])
async def test_each_flag_is_sent_as_the_docs_say(
    cli: Any, simulator: SimulatedExchange, env: dict[str, str], args: list[str],
    wire: dict[str, str],
) -> None:
    outcome = await cli.arun(*args, "--yes", "--json", env=env)
    assert data(outcome)["order"]["status"] == "NEW"
    sent = last_order(simulator)
    assert {name: sent.get(name) for name in wire} == wire


@pytest.mark.parametrize("args", [
    ["sell", BTC, "0.01", "--trailing"],  # no callback rate
    ["sell", BTC, "0.01", "--trailing", "--callback-rate", "7"],  # the docs: at most 5
    ["sell", BTC, "0.01", "--callback-rate", "1"],  # needs --trailing
    ["sell", BTC, "0.01", "--type", "stop", "--stop-price", "48000", "--close-position"],
    ["buy", BTC, "0.01", "--price", "45000", "--reprice", "2"],  # needs --post-only
    ["buy", BTC, "0.01", "--price", "45000", "--post-only", "--hidden"],
    ["buy", BTC, "0.01", "--peg", "queue", "--peg-offset", "0.5"],  # a BUY's is <= 0
    ["buy", BTC, "0.01", "--peg", "queue", "--price", "45000"],
    ["buy", BTC, "0.01", "--price", "45000", "--price-protect"],
])
async def test_a_flag_out_of_the_rules_is_refused_and_nothing_is_sent(
    cli: Any, simulator: SimulatedExchange, env: dict[str, str], args: list[str],
) -> None:
    before = len(simulator.request_log)
    outcome = await cli.arun(*args, "--yes", env=env)
    assert outcome.exit_code == 2, outcome
    assert not any(r.method == "POST" and r.path.endswith("/order")
                   for r in list(simulator.request_log)[before:])


async def test_post_only_with_reprice_rests_at_the_best_bid(
    cli: Any, simulator: SimulatedExchange, env: dict[str, str],
) -> None:
    outcome = await cli.arun("buy", BTC, "0.01", "--price", "50010", "--post-only",
                             "--reprice", "2", "--yes", "--json", env=env)
    order = data(outcome)["order"]
    assert order["status"] == "NEW" and Decimal(order["price"]) == Decimal("49999.9")


async def test_batch_and_ladder_with_a_store_then_modify(
    cli: Any, simulator: SimulatedExchange, env: dict[str, str], tmp_path: Path,
) -> None:
    store = tmp_path / "orders.sqlite"
    file = tmp_path / "orders.json"
    file.write_text(json.dumps([
        {"symbol": BTC, "side": "buy", "quantity": "0.001", "price": "45000",
         "client_id": "cli-s-0"},
        {"symbol": BTC, "side": "sell", "quantity": "0.001", "trailing": "true",
         "callback_rate": "2", "client_id": "cli-s-1"},
    ]))
    placed = data(await cli.arun("batch", str(file), "--store", str(store), "--json",
                                 "--yes", env=env))["orders"]
    assert [o["ok"] for o in placed] == [True, True]
    assert placed[1]["attributes"]["callback_rate"] == "2"
    ladder = data(await cli.arun("ladder", BTC, "buy", "0.001", "--from", "44000", "--to",
                                 "43000", "--count", "6", "--store", str(store), "--json",
                                 "--yes", env=env))["orders"]
    assert [Decimal(o["order"]["price"]) for o in ladder] == [
        Decimal(44000) - 200 * i for i in range(6)]
    batches = [r for r in simulator.request_log if r.path.endswith("/batchOrders")]
    assert len(batches) == 3  # 2, then 5 + 1
    moved = data(await cli.arun("modify", "cli-s-0", "--price", "45500", "--store",
                                str(store), "--json", "--yes", env=env))["order"]
    assert moved["client_order_id"] == "cli-s-0" and Decimal(moved["price"]) == 45500
    history = await cli.arun("history", "--store", str(store), "--json", env=env)
    assert history.exit_code == 0, history


async def test_modify_without_a_store_finds_the_order_on_the_exchange(
    cli: Any, simulator: SimulatedExchange, env: dict[str, str],
) -> None:
    placed = data(await cli.arun("buy", BTC, "0.01", "--price", "45000", "--client-id",
                                 "by-hand-1", "--yes", "--json", env=env))["order"]
    assert placed["status"] == "NEW"
    moved = data(await cli.arun("modify", "by-hand-1", "--quantity", "0.02", "--yes",
                                "--json", env=env))["order"]
    assert Decimal(moved["quantity"]) == Decimal("0.02")
    missing = await cli.arun("modify", "nope-1", "--price", "1", "--yes", env=env)
    assert missing.exit_code == 2




async def test_chase_from_the_command_line(
    cli: Any, simulator: SimulatedExchange, env: dict[str, str],
) -> None:
    placed = data(await cli.arun("chase", BTC, "buy", "0.01", "--offset", "0.5",
                                 "--max-offset", "2", "--percent", "--yes", "--json",
                                 env=env))["chase"]
    assert placed["chaseOffset"] == "0.5" and placed["maxChaseOffsetType"] == "PERCENTAGE"
    refused = await cli.arun("chase", BTC, "buy", "0.01", "--offset", "-1", "--yes", env=env)
    assert refused.exit_code == 2
    assert len([r for r in simulator.request_log if r.path.endswith("/chase")]) == 1


@pytest.mark.parametrize("backend", ["native", "emulated"])
async def test_bracket_from_the_command_line(
    cli: Any, simulator: SimulatedExchange, env: dict[str, str], backend: str,
) -> None:
    placed = data(await cli.arun("bracket", BTC, "buy", "0.01", "--price", "49000", "--sl",
                                 "47000", "--tp", "53000", "--backend", backend, "--yes",
                                 "--json", env=env))["bracket"]
    assert placed["backend"] == backend and placed["entry"]["status"] == "NEW"
    wrong = await cli.arun("bracket", BTC, "buy", "0.01", "--price", "49000", "--sl", "50000",
                           "--tp", "53000", "--yes", env=env)  # the stop above the entry
    assert wrong.exit_code == 2


async def test_the_announcement_names_every_parameter(
    cli: Any, simulator: SimulatedExchange, env: dict[str, str],
) -> None:
    outcome = await cli.arun("sell", BTC, "0.01", "--trailing", "--callback-rate", "1",
                             "--activation-price", "51000", "--stp-mode", "expire_both",
                             "--yes", env=env)
    assert outcome.exit_code == 0, outcome
    assert "callback rate 1" in outcome.stderr and "activation price 51000" in outcome.stderr
    assert "stp mode EXPIRE_BOTH" in outcome.stderr
